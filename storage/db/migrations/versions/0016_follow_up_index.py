"""The rounds that ask about an agreed action, indexed: `ix_pulse_rounds_follow_up` (partial: only
rounds with a `follow_up_action_id`).

Every summary card reads the follow-up of each of the unit's actions; without the index that read
scanned all of `pulse_rounds` (bench.summaries: 370 ms a card on SQLite with 400,000 rounds).

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    follows_up = sa.text("follow_up_action_id IS NOT NULL")
    op.create_index(
        "ix_pulse_rounds_follow_up",
        "pulse_rounds",
        ["follow_up_action_id"],
        sqlite_where=follows_up,
        postgresql_where=follows_up,
    )


def downgrade() -> None:
    op.drop_index("ix_pulse_rounds_follow_up", "pulse_rounds")
