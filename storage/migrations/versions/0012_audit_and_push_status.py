"""Who looked at what, and a delivery status for every push.

- `audit_log`: one row per view or export of released results (viewer, unit, which figure, when;
  storage/audit.py). No figure, count or anything about who answered.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("viewer_id", sa.String(120), nullable=False),
        sa.Column("via", sa.String(10), nullable=False),
        sa.Column("unit_id", sa.String(32), nullable=True),
        sa.Column("unit_name", sa.String(200), nullable=True),
        sa.Column("what", sa.String(30), nullable=False),
        sa.Column("round_id", sa.String(32), nullable=True),
        sa.Column("period", sa.String(7), nullable=True),
        sa.Column("detail", sa.String(200), nullable=True),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_unit_at", "audit_log", ["unit_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_unit_at", "audit_log")
    op.drop_index("ix_audit_log_at", "audit_log")
    op.drop_table("audit_log")
