"""Running the bot for years: `doctor`, backups and restores, metrics (what IT operates)."""
