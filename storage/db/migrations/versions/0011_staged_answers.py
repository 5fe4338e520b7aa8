"""Open rounds' answers staged sealed; counters and comments written only at close (rule 10).

- `staged_answers`: one sealed blob per submission to an open round, under a random key;
- `round_keys`: the random salt of each open round's sealing key, deleted at close;
- `file_rewrites`: rounds closed whose old rows the files may still hold until rewritten.

A round open during the upgrade keeps the counters it already has; what arrives after is staged
and added to them at close.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

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
        "staged_answers",
        _round_fk(),
        sa.Column("key", sa.String(32), primary_key=True),
        sa.Column("sealed", sa.LargeBinary, nullable=False),
        **KEY_ORDERED,
    )
    op.create_table(
        "round_keys",
        _round_fk(),
        sa.Column("salt", sa.LargeBinary, nullable=False),
        **KEY_ORDERED,
    )
    op.create_table("file_rewrites", _round_fk(), **KEY_ORDERED)


def downgrade() -> None:
    op.drop_table("file_rewrites")
    op.drop_table("round_keys")
    op.drop_table("staged_answers")
