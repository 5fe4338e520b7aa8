"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from storage.tables import (
    answers,
    audit,
    bank,
    directory,
    downloads,
    outbox,
    prompts,
    pulses,
    results,
)
from storage.tables.directory import Base

__all__ = [
    "Base",
    "answers",
    "audit",
    "bank",
    "directory",
    "downloads",
    "outbox",
    "prompts",
    "pulses",
    "results",
]
metadata = Base.metadata
