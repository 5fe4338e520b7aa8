"""A month's release decided once and kept, valid while the month's version stays the same.

- `period_versions`: bumped in the transaction that changes the facts of a month's closed rounds
  (a round closing, retention deleting the month), so a kept decision is checked by one row;
- `period_decisions` + `period_figures`: a finished month's release (storage/disclosure.py) and
  the counters of every unit figure it shows, per (month, version, k), so a summary card reads
  one row instead of the whole organisation's month;
- `ix_pulse_rounds_pending` (partial: rounds not closed): whether a month still holds a round
  that is not closed, without tempting queries over closed rounds away from their own indexes.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "period_versions",
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("period"),
    )
    op.create_table(
        "period_decisions",
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("period", "version", "k"),
    )
    op.create_table(
        "period_figures",
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=True),
        sa.Column("responses", sa.Integer(), nullable=True),
        sa.Column("eligible", sa.Integer(), nullable=True),
        sa.Column("counts", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("period", "version", "k", "unit_id"),
    )
    pending = sa.text("state IN ('scheduled', 'open')")
    op.create_index(
        "ix_pulse_rounds_pending",
        "pulse_rounds",
        ["closes_at"],
        sqlite_where=pending,
        postgresql_where=pending,
    )


def downgrade() -> None:
    op.drop_index("ix_pulse_rounds_pending", "pulse_rounds")
    op.drop_table("period_figures")
    op.drop_table("period_decisions")
    op.drop_table("period_versions")
