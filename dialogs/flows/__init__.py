"""One conversation per module: what a person asked, what the bot replies."""

__all__ = [
    "action_plan",
    "delivery",
    "document",
    "help",
    "my_data",
    "prompt_admin",
    "pulse",
    "reflection",
    "replace",
    "share",
    "summary",
    "unit",
    "welcome",
]
