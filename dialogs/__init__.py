"""What the bot says and asks: flows, cards, messages and every text, free of SQL."""
