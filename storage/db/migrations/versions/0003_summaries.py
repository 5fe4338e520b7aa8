"""Leader summaries: agreed actions, survey baselines, and the hierarchy a round closed under.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pulse_rounds") as batch:
        batch.add_column(sa.Column("ancestry", sa.Text, nullable=True))
    op.create_table(
        "agreed_actions",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "unit_id", sa.String(32), sa.ForeignKey("units.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("round_id", sa.String(32), sa.ForeignKey("pulse_rounds.id", ondelete="SET NULL")),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("agreed_on", sa.Date, nullable=False),
        sa.Column("follow_up_pending", sa.Boolean, nullable=False),
    )
    op.create_index("ix_agreed_actions_unit_id", "agreed_actions", ["unit_id"])
    op.create_table(
        "baselines",
        sa.Column(
            "unit_id",
            sa.String(32),
            sa.ForeignKey("units.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("dimension", sa.String(40), primary_key=True),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("baselines")
    op.drop_table("agreed_actions")
    with op.batch_alter_table("pulse_rounds") as batch:
        batch.drop_column("ancestry")
