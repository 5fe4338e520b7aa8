"""Pulse rounds, schedules, anonymous answer tables and the outbox.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
# Rows that exist once per answer are stored in key order, never in arrival order (rule 1).
KEY_ORDERED = {"sqlite_with_rowid": False}


def _round_fk() -> sa.Column[str]:
    return sa.Column(
        "round_id",
        sa.String(32),
        sa.ForeignKey("pulse_rounds.id", ondelete="CASCADE"),
        primary_key=True,
    )


def upgrade() -> None:
    op.create_table(
        "pulse_rounds",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "unit_id", sa.String(32), sa.ForeignKey("units.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("items", sa.Text, nullable=False),
        sa.Column("opens_at", TS, nullable=False),
        sa.Column("closes_at", TS, nullable=False),
        sa.Column("remind_at", TS, nullable=True),
        sa.Column("eligible_count", sa.Integer, nullable=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("reminder_enqueued", sa.Boolean, nullable=False),
        sa.Column("origin", sa.String(10), nullable=False),
        sa.UniqueConstraint("unit_id", "sequence", name="uq_pulse_rounds_unit_sequence"),
    )
    op.create_index("ix_pulse_rounds_unit_id", "pulse_rounds", ["unit_id"])
    op.create_index("ix_pulse_rounds_state", "pulse_rounds", ["state"])
    op.create_table(
        "pulse_schedules",
        sa.Column(
            "unit_id",
            sa.String(32),
            sa.ForeignKey("units.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("cadence_days", sa.Integer, nullable=False),
        sa.Column("weekday", sa.Integer, nullable=False),
        sa.Column("local_time", sa.String(5), nullable=False),
        sa.Column("open_days", sa.Integer, nullable=False),
        sa.Column("reminder_hours", sa.Integer, nullable=False),
        sa.Column("skip_holidays", sa.Boolean, nullable=False),
        sa.Column("next_opening_at", TS, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
    )
    op.create_table(
        "answer_counts",
        _round_fk(),
        sa.Column("item_id", sa.String(20), primary_key=True),
        sa.Column("value", sa.Integer, primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
        **KEY_ORDERED,
    )
    op.create_table(
        "round_responses",
        _round_fk(),
        sa.Column("responses", sa.Integer, nullable=False),
        **KEY_ORDERED,
    )
    op.create_table(
        "anonymous_comments",
        _round_fk(),
        sa.Column("key", sa.String(32), primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        **KEY_ORDERED,
    )
    op.create_table(
        "participation",
        _round_fk(),
        sa.Column("key", sa.String(64), primary_key=True),
        **KEY_ORDERED,
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("subject_id", sa.String(32), nullable=False),
        sa.Column(
            "user_id",
            sa.String(200),
            sa.ForeignKey("recipients.user_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("uncertain", sa.Boolean, nullable=False),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.UniqueConstraint("kind", "subject_id", "user_id", name="uq_outbox_item_recipient"),
    )
    op.create_index("ix_outbox_due", "outbox", ["state", "next_attempt_at"])
    op.create_index("ix_outbox_subject", "outbox", ["kind", "subject_id"])


def downgrade() -> None:
    for table in (
        "outbox",
        "participation",
        "anonymous_comments",
        "round_responses",
        "answer_counts",
        "pulse_schedules",
        "pulse_rounds",
    ):
        op.drop_table(table)
