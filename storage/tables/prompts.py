"""Tables for dialogue prompts: the library, publications, prompt rounds and channel posts.

None of them holds an answer. A prompt round is a row in `pulse_rounds` (it opens, closes, has a
unit and an eligible count) plus a `prompt_rounds` row that says what was asked; reflections go
into the same anonymous tables as pulse answers (`storage/tables/answers.py`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables.directory import Base, new_id, utcnow


class Theme(StrEnum):
    """The four themes of the shared direction for MED committees (DESIGN.md, "The content")."""

    BLIK_FOR_BORGEREN = "blik_for_borgeren"
    DIGITALE_MULIGHEDER = "digitale_muligheder"
    ATTRAKTIV_ARBEJDSPLADS = "attraktiv_arbejdsplads"
    STAERK_FORTAELLING = "staerk_fortaelling"


class PromptState(StrEnum):
    DRAFT = "draft"  # written, not yet to be published
    ACTIVE = "active"  # may be published
    RETIRED = "retired"  # kept for the history of rounds that asked it; never published again


class Delivery(StrEnum):
    PERSONAL = "personal"  # each member's personal chat, through the outbox
    CHANNEL = "channel"  # one post in the team's channel, for a shared MED dialogue


class ContentKind(StrEnum):
    PROMPT = "prompt"  # one given prompt
    THEME = "theme"  # the next active prompt of a theme, in turn (for schedules)
    PULSE = "pulse"  # a mini-trivsel pulse round


class Prompt(Base):
    """A reflection question on one theme; Danish and English text, an optional 1–5 rating question."""

    __tablename__ = "prompts"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    theme: Mapped[str] = mapped_column(String(30), index=True)
    state: Mapped[str] = mapped_column(String(10), default=PromptState.ACTIVE.value)
    text_da: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    rating_da: Mapped[str | None] = mapped_column(Text, nullable=True)
    rating_en: Mapped[str | None] = mapped_column(Text, nullable=True)
    origin: Mapped[str] = mapped_column(String(10))  # "starter", "hr"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Publication(Base):
    """HR's order "send this to these units": once now, once later, or on a cadence."""

    __tablename__ = "publications"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    content: Mapped[str] = mapped_column(String(10))
    prompt_id: Mapped[str | None] = mapped_column(
        ForeignKey("prompts.id", ondelete="RESTRICT"), nullable=True
    )
    theme: Mapped[str | None] = mapped_column(String(30), nullable=True)
    scope: Mapped[str] = mapped_column(Text)  # JSON list of unit ids, or "all"
    delivery: Mapped[str] = mapped_column(String(10))
    open_days: Mapped[int] = mapped_column(Integer)
    cadence_days: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: once
    weekday: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 0 = Monday
    local_time: Mapped[str | None] = mapped_column(String(5), nullable=True)  # Europe/Copenhagen
    skip_holidays: Mapped[bool] = mapped_column(Boolean, default=True)
    next_planned_at: Mapped[datetime | None] = mapped_column(nullable=True)  # None: done
    occurrences: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The HR person who ordered it (Entra ID object id): each occurrence's delivery status card
    # goes to their chat. None: nobody said who (the status is still in `delivery status`).
    requested_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # A pulse's template as JSON (storage/questions/templates.py); None: the unit's own, else the rotation.
    template: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (Index("ix_publications_due", "active", "next_planned_at"),)


class PromptRound(Base):
    """Marks a `pulse_rounds` row as a prompt round and keeps the texts exactly as they were asked."""

    __tablename__ = "prompt_rounds"

    round_id: Mapped[str] = mapped_column(
        ForeignKey("pulse_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    prompt_id: Mapped[str] = mapped_column(
        ForeignKey("prompts.id", ondelete="RESTRICT"), index=True
    )
    publication_id: Mapped[str | None] = mapped_column(
        ForeignKey("publications.id", ondelete="SET NULL"), nullable=True
    )
    delivery: Mapped[str] = mapped_column(String(10))
    theme: Mapped[str] = mapped_column(String(30))
    text_da: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    rating_da: Mapped[str | None] = mapped_column(Text, nullable=True)
    rating_en: Mapped[str | None] = mapped_column(Text, nullable=True)


class ChannelPostKind(StrEnum):
    ANNOUNCEMENT = "announcement"  # a round published to the channel: its prompt or pulse notice
    SHARED_SUMMARY = "summary"  # a leader shared the round's released summary with the team


class ChannelPost(Base):
    """One card for a team channel: a durable queue row, so a post survives a restart.

    At most one of each kind per round and channel. A shared summary is rendered when it is sent,
    in the language the leader saw it in, with the comments only if the leader ticked them, and
    only if it is still exactly what the leader confirmed (`fingerprint`, dialogs/flows/share.py).
    """

    __tablename__ = "channel_posts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    round_id: Mapped[str] = mapped_column(ForeignKey("pulse_rounds.id", ondelete="CASCADE"))
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20), default=ChannelPostKind.ANNOUNCEMENT.value)
    state: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    language: Mapped[str | None] = mapped_column(String(5), nullable=True)
    with_comments: Mapped[bool] = mapped_column(Boolean, default=False)
    fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)

    __table_args__ = (
        UniqueConstraint(
            "round_id", "conversation_id", "kind", name="uq_channel_posts_round_conversation_kind"
        ),
        Index("ix_channel_posts_due", "state", "next_attempt_at"),
    )
