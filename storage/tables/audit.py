"""The audit log's table: who looked at which released figure, and when. Viewers, never answerers.

A row is written each time results leave the bot: a summary card shown in chat, a leader's result
card delivered, a file exported. It names the viewer (a leader's or HR's Entra ID object id, or
the door's own name when the door knows no person), the unit, which figure (round, month, kind
of export) and the moment; never a figure, a comment, a count or anything about who answered.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables.directory import Base, new_id


class AuditRow(Base):
    __tablename__ = "audit_log"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    at: Mapped[datetime]
    viewer_id: Mapped[str] = mapped_column(String(120))
    via: Mapped[str] = mapped_column(String(10))  # chat, push, cli, admin_api
    # None: every unit at once (HR's whole-organisation export). No foreign key: the trail must
    # outlive a unit that is deleted, so the name it had is kept beside the id.
    unit_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    unit_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    what: Mapped[str] = mapped_column(String(30))
    round_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    period: Mapped[str | None] = mapped_column(String(7), nullable=True)  # "2026-11"
    detail: Mapped[str | None] = mapped_column(String(200), nullable=True)

    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_unit_at", "unit_id", "at"),
    )
