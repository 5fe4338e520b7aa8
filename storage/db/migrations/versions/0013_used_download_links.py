"""The MED document's download links: the ids of links already used, so that each works once
on every replica (storage/results/download_links.py). Rows go when their link has expired.

Revision ID: 0013
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "used_download_links",
        sa.Column("token_id", sa.String(32), primary_key=True),
        sa.Column("forget_after", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_used_download_links_forget_after", "used_download_links", ["forget_after"])


def downgrade() -> None:
    op.drop_index("ix_used_download_links_forget_after", table_name="used_download_links")
    op.drop_table("used_download_links")
