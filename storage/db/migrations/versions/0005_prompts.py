"""Dialogue prompts: the library, publications, prompt rounds and channel posts.

No answer table is added: reflections use the anonymous tables of revision 0002.

Revision ID: 0005
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0002"  # a parallel branch; storage.db.migrate upgrades to "heads"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "prompts",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("theme", sa.String(30), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("text_da", sa.Text, nullable=False),
        sa.Column("text_en", sa.Text, nullable=False),
        sa.Column("rating_da", sa.Text, nullable=True),
        sa.Column("rating_en", sa.Text, nullable=True),
        sa.Column("origin", sa.String(10), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_prompts_theme", "prompts", ["theme"])
    op.create_table(
        "publications",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("content", sa.String(10), nullable=False),
        sa.Column(
            "prompt_id",
            sa.String(40),
            sa.ForeignKey("prompts.id", ondelete="RESTRICT"),
            nullable=True,
        ),
        sa.Column("theme", sa.String(30), nullable=True),
        sa.Column("scope", sa.Text, nullable=False),
        sa.Column("delivery", sa.String(10), nullable=False),
        sa.Column("open_days", sa.Integer, nullable=False),
        sa.Column("cadence_days", sa.Integer, nullable=True),
        sa.Column("weekday", sa.Integer, nullable=True),
        sa.Column("local_time", sa.String(5), nullable=True),
        sa.Column("skip_holidays", sa.Boolean, nullable=False),
        sa.Column("next_planned_at", TS, nullable=True),
        sa.Column("occurrences", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_publications_due", "publications", ["active", "next_planned_at"])
    op.create_table(
        "prompt_rounds",
        sa.Column(
            "round_id",
            sa.String(32),
            sa.ForeignKey("pulse_rounds.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "prompt_id",
            sa.String(40),
            sa.ForeignKey("prompts.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column(
            "publication_id",
            sa.String(32),
            sa.ForeignKey("publications.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("delivery", sa.String(10), nullable=False),
        sa.Column("theme", sa.String(30), nullable=False),
        sa.Column("text_da", sa.Text, nullable=False),
        sa.Column("text_en", sa.Text, nullable=False),
        sa.Column("rating_da", sa.Text, nullable=True),
        sa.Column("rating_en", sa.Text, nullable=True),
    )
    op.create_index("ix_prompt_rounds_prompt_id", "prompt_rounds", ["prompt_id"])
    op.create_table(
        "channel_posts",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "round_id",
            sa.String(32),
            sa.ForeignKey("pulse_rounds.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "conversation_id",
            sa.String(300),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.UniqueConstraint(
            "round_id", "conversation_id", name="uq_channel_posts_round_conversation"
        ),
    )
    op.create_index("ix_channel_posts_due", "channel_posts", ["state", "next_attempt_at"])


def downgrade() -> None:
    for table in ("channel_posts", "prompt_rounds", "publications", "prompts"):
        op.drop_table(table)
