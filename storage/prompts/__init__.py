"""Reflection prompts: the library and its file format, publishing orders and the publisher, channel posts."""

__all__ = ["channel_posts", "file_format", "library", "publishing", "validation"]
