"""The Adaptive Cards, built from texts and view models."""

__all__ = [
    "action_plan",
    "common",
    "delivery",
    "document",
    "help",
    "plain_text",
    "prompts",
    "pulse",
    "share",
    "share_button",
    "summary",
    "unit",
    "welcome",
]
