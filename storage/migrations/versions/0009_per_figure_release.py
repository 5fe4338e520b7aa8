"""Kept month decisions are made again, per figure.

The decisions kept by 0008 were made per round set: a department's dimension could come from
fewer than k answers (storage/disclosure.py now decides per figure). They are derived data, so
they are deleted and decided again on first need, under the new rule.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM period_figures")
    op.execute("DELETE FROM period_decisions")


def downgrade() -> None:
    """Nothing to restore: the old decisions were derived, and leaked."""
