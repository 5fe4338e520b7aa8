"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from storage import (
    answer_models,
    audit_models,
    bank_models,
    download_links,
    models,
    outbox_models,
    prompt_models,
    pulse_models,
    summary_models,
)
from storage.models import Base

__all__ = [
    "Base",
    "answer_models",
    "download_links",
    "audit_models",
    "bank_models",
    "models",
    "outbox_models",
    "prompt_models",
    "pulse_models",
    "summary_models",
]
metadata = Base.metadata
