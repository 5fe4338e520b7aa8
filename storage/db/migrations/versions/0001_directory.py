"""Directory: units, recipients, rosters, conversations, roles and dialog state.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("teams_team_id", sa.String(200), nullable=True, unique=True),
        sa.Column("parent_id", sa.String(32), sa.ForeignKey("units.id", ondelete="SET NULL")),
        sa.Column("tenant_id", sa.String(100)),
        sa.Column("service_url", sa.String(500)),
        sa.Column("bot_installed", sa.Boolean, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "recipients",
        sa.Column("user_id", sa.String(200), primary_key=True),
        sa.Column("aad_object_id", sa.String(100)),
        sa.Column("name", sa.String(200)),
        sa.Column("tenant_id", sa.String(100)),
        sa.Column("locale", sa.String(20)),
        sa.Column("service_url", sa.String(500)),
        sa.Column("personal_conversation_id", sa.String(300)),
        sa.Column("personal_reference", sa.Text),
        sa.Column("app_installed", sa.Boolean, nullable=False),
        sa.Column("blocked", sa.Boolean, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_recipients_aad_object_id", "recipients", ["aad_object_id"])
    op.create_table(
        "unit_members",
        sa.Column(
            "unit_id",
            sa.String(32),
            sa.ForeignKey("units.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "user_id",
            sa.String(200),
            sa.ForeignKey("recipients.user_id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_index("ix_unit_members_user", "unit_members", ["user_id"])
    op.create_table(
        "conversations",
        sa.Column("id", sa.String(300), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("unit_id", sa.String(32), sa.ForeignKey("units.id", ondelete="SET NULL")),
        sa.Column("tenant_id", sa.String(100)),
        sa.Column("reference", sa.Text, nullable=False),
        sa.Column("installed", sa.Boolean, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "role_assignments",
        sa.Column(
            "unit_id",
            sa.String(32),
            sa.ForeignKey("units.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("aad_object_id", sa.String(100), primary_key=True),
        sa.Column("role", sa.String(20), primary_key=True),
    )
    op.create_table(
        "state_documents",
        sa.Column("key", sa.String(1024), primary_key=True),
        sa.Column("etag", sa.String(40), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "state_documents",
        "role_assignments",
        "conversations",
        "unit_members",
        "recipients",
        "units",
    ):
        op.drop_table(table)
