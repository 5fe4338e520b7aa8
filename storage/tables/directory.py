"""Tables for the directory side of the bot: who can be asked, in which teams, in which roles.

Nothing here ever holds an answer. Answer tables (issue 3 onwards) live in their own module so the
anonymity tests can tell the two kinds apart by module, not by a hand-kept list.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Dialect, ForeignKey, Index, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def new_id() -> str:
    """Random keys everywhere: a serial id would leak the order in which rows arrived."""
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out; SQLite would otherwise hand back naive ones."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base shared by every table, so Alembic sees one metadata."""

    type_annotation_map = {datetime: UtcDateTime}


class Unit(Base):
    """A team or an organisational unit; teams installed in Teams are units with a Teams id."""

    __tablename__ = "units"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    teams_team_id: Mapped[str | None] = mapped_column(String(200), unique=True, nullable=True)
    parent_id: Mapped[str | None] = mapped_column(
        ForeignKey("units.id", ondelete="SET NULL"), nullable=True
    )
    tenant_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    service_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    bot_installed: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Recipient(Base):
    """The recipient directory: people the bot may message. It says who can be asked, never who answered."""

    __tablename__ = "recipients"

    user_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    aad_object_id: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    tenant_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    locale: Mapped[str | None] = mapped_column(String(20), nullable=True)
    service_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    personal_conversation_id: Mapped[str | None] = mapped_column(String(300), nullable=True)
    personal_reference: Mapped[str | None] = mapped_column(Text, nullable=True)
    app_installed: Mapped[bool] = mapped_column(Boolean, default=False)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Membership(Base):
    """Team roster: who belongs to which unit, kept current from Teams membership events."""

    __tablename__ = "unit_members"

    unit_id: Mapped[str] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("recipients.user_id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (Index("ix_unit_members_user", "user_id"),)


class Conversation(Base):
    """Every conversation the bot is installed in (personal, group chat, team channel)."""

    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(300), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[str | None] = mapped_column(
        ForeignKey("units.id", ondelete="SET NULL"), nullable=True
    )
    tenant_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    reference: Mapped[str] = mapped_column(Text)
    installed: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RoleAssignment(Base):
    """Leaders per unit by AAD object id; HR administrators come from configuration instead."""

    __tablename__ = "role_assignments"

    unit_id: Mapped[str] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )
    aad_object_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class StateDocument(Base):
    """Key-value documents with e-tags: the bot's dialog state, so any replica can serve any turn."""

    __tablename__ = "state_documents"

    key: Mapped[str] = mapped_column(String(1024), primary_key=True)
    etag: Mapped[str] = mapped_column(String(40))
    document: Mapped[str] = mapped_column(Text)
