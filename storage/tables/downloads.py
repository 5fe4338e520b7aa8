"""The one table of the MED document's download links: which links were used (storage/results/download_links.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables.directory import Base


class UsedDownloadLink(Base):
    """A download link that was used: its random id, and until when it must be remembered.

    Nothing about whom it was for or what it fetched (that is in the link, which is not kept)."""

    __tablename__ = "used_download_links"

    token_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    forget_after: Mapped[datetime] = mapped_column(index=True)
