"""Outbox hardened for scale: 429 counts per row, the send lease and global pause, HR status cards.

Revision ID: 0004
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("throttles", sa.Integer, nullable=False, server_default="0"))
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("throttles", server_default=None)
    op.create_table(
        "outbox_control",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("lease_holder", sa.String(100), nullable=True),
        sa.Column("lease_until", TS, nullable=True),
        sa.Column("throttled_until", TS, nullable=True),
        sa.Column("throttle_strikes", sa.Integer, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "delivery_watches",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("subject_id", sa.String(32), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("reference", sa.Text, nullable=False),
        sa.Column("activity_id", sa.String(300), nullable=True),
        sa.Column("shown", sa.String(200), nullable=True),
        sa.Column("created_at", TS, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("delivery_watches")
    op.drop_table("outbox_control")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("throttles")
