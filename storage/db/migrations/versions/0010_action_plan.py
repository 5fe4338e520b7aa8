"""A handlingsplan: agreed actions with what they address, who carries them, a deadline and a
status; a round remembers which action its follow-up question asks about.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("agreed_actions", sa.Column("addresses", sa.String(length=60), nullable=True))
    op.add_column("agreed_actions", sa.Column("responsible", sa.String(length=200), nullable=True))
    op.add_column("agreed_actions", sa.Column("deadline", sa.Date(), nullable=True))
    op.add_column(
        "agreed_actions",
        sa.Column("status", sa.String(length=20), nullable=False, server_default="planned"),
    )
    op.add_column(
        "pulse_rounds", sa.Column("follow_up_action_id", sa.String(length=32), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("pulse_rounds", "follow_up_action_id")
    for column in ("status", "deadline", "responsible", "addresses"):
        op.drop_column("agreed_actions", column)
