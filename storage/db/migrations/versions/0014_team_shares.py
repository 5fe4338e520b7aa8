"""A leader shares a round's summary with the team channel; leaders above hear of settled months.

- `channel_posts` gains a `kind` (a round's announcement, or a shared summary) with the language,
  whether the comments go along, and the fingerprint of what the leader confirmed; one post of
  each kind per round and channel (the unique key gains the kind);
- `pulse_rounds.comments_shareable`: false for every round made before, whose card promised that
  only the leaders and HR see the comments; new rounds say a leader may share them;
- `period_notices`: the months whose settled aggregate the leaders above were told about. Months
  already decided when this runs count as told, so an upgrade does not announce old months.

Revision ID: 0014
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("channel_posts") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=20), nullable=False, server_default="announcement")
        )
        batch.add_column(sa.Column("language", sa.String(length=5), nullable=True))
        batch.add_column(
            sa.Column("with_comments", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("fingerprint", sa.String(length=64), nullable=True))
        batch.drop_constraint("uq_channel_posts_round_conversation", type_="unique")
        batch.create_unique_constraint(
            "uq_channel_posts_round_conversation_kind", ["round_id", "conversation_id", "kind"]
        )
    with op.batch_alter_table("pulse_rounds") as batch:
        batch.add_column(
            sa.Column("comments_shareable", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "period_notices",
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("queued_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("period"),
    )
    op.execute(
        "INSERT INTO period_notices (period, queued_at) "
        "SELECT DISTINCT period, CURRENT_TIMESTAMP FROM period_decisions"
    )


def downgrade() -> None:
    op.drop_table("period_notices")
    with op.batch_alter_table("pulse_rounds") as batch:
        batch.drop_column("comments_shareable")
    op.execute("DELETE FROM channel_posts WHERE kind <> 'announcement'")
    with op.batch_alter_table("channel_posts") as batch:
        batch.drop_constraint("uq_channel_posts_round_conversation_kind", type_="unique")
        batch.create_unique_constraint(
            "uq_channel_posts_round_conversation", ["round_id", "conversation_id"]
        )
        for column in ("fingerprint", "with_comments", "language", "kind"):
            batch.drop_column(column)
