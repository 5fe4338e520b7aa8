"""Indexes for leader summaries with years of history.

- `ix_pulse_rounds_period`: a month's rounds for disclosure, read as one range of one index
  (closes_at first, then every column the release needs), not row by row from the table;
- `ix_pulse_rounds_unit_closes`: a unit's newest closed rounds (the trend, the choices on the
  card) straight from the index, newest first, without sorting the unit's whole history.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

PERIOD_COLUMNS = ["closes_at", "sequence", "state", "unit_id", "eligible_count", "ancestry", "id"]


def upgrade() -> None:
    op.create_index("ix_pulse_rounds_period", "pulse_rounds", PERIOD_COLUMNS)
    op.create_index("ix_pulse_rounds_unit_closes", "pulse_rounds", ["unit_id", "closes_at"])


def downgrade() -> None:
    op.drop_index("ix_pulse_rounds_unit_closes", "pulse_rounds")
    op.drop_index("ix_pulse_rounds_period", "pulse_rounds")
