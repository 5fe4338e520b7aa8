"""Kept month decisions are made again, per figure.

The decisions kept by 0008 were made per round set: a department's dimension could come from
fewer than k answers (storage/disclosure.py now decides per figure). They are derived data, so
they are deleted and decided again on first need, under the new rule, which also keeps the
dimensions it withholds (`period_figures.withheld`).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM period_figures")
    op.execute("DELETE FROM period_decisions")
    # The dimensions of a shown month that are not shown, and why: the card says so.
    op.add_column("period_figures", sa.Column("withheld", sa.Text(), nullable=True))


def downgrade() -> None:
    """The old decisions are not restored: they were derived, and leaked."""
    op.drop_column("period_figures", "withheld")
