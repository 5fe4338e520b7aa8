"""The ORM tables, and the enums others need with them: the bottom of storage, importing nothing of it."""

__all__ = [
    "answers",
    "audit",
    "directory",
    "downloads",
    "outbox",
    "prompts",
    "pulses",
    "results",
    "schema",
]
