"""Who looked at what, and a delivery status for every push.

- `audit_log`: one row per view or export of released results (viewer, unit, which figure, when;
  storage/privacy/audit.py). No figure, count or anything about who answered.
- `push_origins`: who ordered a round (HR's object id) and the order it belongs to, so every push
  of the round (invitation, reminder, closing notes, leaders' cards) gets a delivery status card
  for that HR person, one per order rather than one per team;
- `publications.requested_by`, `pulse_schedules.requested_by`: who set a schedule, for the same;
- `delivery_watches.requested_by` and a `reference` that may wait: a watch made when a push is
  queued (CLI, admin API, schedules) finds the HR person's chat when its first card is sent.

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
    op.create_table(
        "push_origins",
        sa.Column(
            "round_id",
            sa.String(32),
            sa.ForeignKey("pulse_rounds.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("group_id", sa.String(32), nullable=False),
        sa.Column("requested_by", sa.String(100), nullable=True),
    )
    op.create_index("ix_push_origins_group_id", "push_origins", ["group_id"])
    op.add_column("publications", sa.Column("requested_by", sa.String(100), nullable=True))
    op.add_column("pulse_schedules", sa.Column("requested_by", sa.String(100), nullable=True))
    with op.batch_alter_table("delivery_watches") as batch:
        batch.alter_column("reference", existing_type=sa.Text(), nullable=True)
        batch.add_column(sa.Column("requested_by", sa.String(100), nullable=True))
        batch.create_unique_constraint(
            "uq_delivery_watches_push", ["kind", "subject_id", "requested_by"]
        )


def downgrade() -> None:
    with op.batch_alter_table("delivery_watches") as batch:
        batch.drop_constraint("uq_delivery_watches_push", type_="unique")
        batch.drop_column("requested_by")
        batch.alter_column("reference", existing_type=sa.Text(), nullable=False)
    op.drop_column("pulse_schedules", "requested_by")
    op.drop_column("publications", "requested_by")
    op.drop_index("ix_push_origins_group_id", "push_origins")
    op.drop_table("push_origins")
    op.drop_index("ix_audit_log_unit_at", "audit_log")
    op.drop_index("ix_audit_log_at", "audit_log")
    op.drop_table("audit_log")
