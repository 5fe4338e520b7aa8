"""Reflection prompts: the library and its file format, publishing (the order, when it opens, what it
answers, one occurrence, the publisher), prompt rounds as cards see them, channel posts."""

__all__ = [
    "channel_posts",
    "file_format",
    "library",
    "occurrences",
    "orders",
    "prompt_rounds",
    "publisher",
    "slots",
    "validation",
    "views",
]
