"""Messages the bot sends on its own (outbox kinds, notes when rounds and months close)."""

__all__ = ["closing_note", "leader_result", "month_note", "outbox", "prompts"]
