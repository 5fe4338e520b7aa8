"""Pulse rounds and schedules: when a unit is asked what. Nothing about who answered."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables.directory import Base, new_id


class RoundState(StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"


PENDING_CONDITION = text("state IN ('scheduled', 'open')")
FOLLOWS_UP_CONDITION = text("follow_up_action_id IS NOT NULL")


class RoundKind(StrEnum):
    """What a `pulse_rounds` row asks: a pulse (the question bank's items, scored and released as
    figures) or a prompt (one reflection, `prompt_rounds` holds its texts; never in pulse scores).

    The kind is written into the round's number, so no column is needed and the (unit, sequence)
    key serves both kinds as a range: pulse rounds count up from 1, prompt rounds down from -1.
    `round_kind`, `PulseRound.kind`, `of_kind` and `next_sequence` are the only places that know
    it; everything else asks for the kind.
    """

    PULSE = "pulse"
    PROMPT = "prompt"


def round_kind(sequence: int) -> RoundKind:
    """The kind of a round numbered `sequence`."""
    return RoundKind.PULSE if sequence > 0 else RoundKind.PROMPT


def next_sequence(kind: RoundKind, furthest: int | None) -> int:
    """The number of a unit's next round of `kind`, after `furthest`: the highest pulse number or
    the lowest prompt number the unit has so far (None: it has none)."""
    if kind is RoundKind.PULSE:
        return max(furthest or 0, 0) + 1
    return min(furthest or 0, 0) - 1


class PulseRound(Base):
    """One pulse for one unit. `eligible_count` is a number taken at opening, never a list of people."""

    __tablename__ = "pulse_rounds"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    items: Mapped[str] = mapped_column(Text)  # JSON list of question bank item ids
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    remind_at: Mapped[datetime | None]
    eligible_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    state: Mapped[str] = mapped_column(String(10), default=RoundState.SCHEDULED.value, index=True)
    reminder_enqueued: Mapped[bool] = mapped_column(Boolean, default=False)
    origin: Mapped[str] = mapped_column(String(10))  # "schedule" or "hr"
    # The unit and its ancestors when the round closed (JSON list, the unit first): results keep
    # the hierarchy they were released under, so moving a team later cannot create a difference.
    ancestry: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The agreed action the follow-up item asks about (storage/results/actions.py); no foreign key,
    # so retention can delete an old action without touching the round that asked about it.
    follow_up_action_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # What its card promised about the comments: rounds made since sharing exists say a leader may
    # share them with the team; rounds made before said only the leaders and HR see them, and a
    # promise given is kept (storage/results/team_share.py never posts those comments).
    comments_shareable: Mapped[bool] = mapped_column(Boolean, default=True, server_default=false())

    @property
    def kind(self) -> RoundKind:
        return round_kind(self.sequence)

    __table_args__ = (
        UniqueConstraint("unit_id", "sequence", name="uq_pulse_rounds_unit_sequence"),
        # A month's rounds for disclosure as one index range, every column it reads included.
        Index(
            "ix_pulse_rounds_period",
            "closes_at",
            "sequence",
            "state",
            "unit_id",
            "eligible_count",
            "ancestry",
            "id",
        ),
        # A unit's newest rounds (trend, choices) without sorting its whole history.
        Index("ix_pulse_rounds_unit_closes", "unit_id", "closes_at"),
        # Whether a month still has a round that is not closed: only those rounds are indexed,
        # so no query over closed rounds is tempted to walk it (the choices on the card).
        Index(
            "ix_pulse_rounds_pending",
            "closes_at",
            sqlite_where=PENDING_CONDITION,
            postgresql_where=PENDING_CONDITION,
        ),
        # The rounds that ask about an agreed action (the handlingsplan on every summary card):
        # a few among a unit's years of rounds, so only those are indexed. Without it each card
        # scanned every round of every unit (370 ms on SQLite with 400,000 rounds).
        Index(
            "ix_pulse_rounds_follow_up",
            "follow_up_action_id",
            sqlite_where=FOLLOWS_UP_CONDITION,
            postgresql_where=FOLLOWS_UP_CONDITION,
        ),
    )


class PulseSchedule(Base):
    """A unit's cadence: e.g. every 14 days, Monday 09:00 Europe/Copenhagen, open for 5 days."""

    __tablename__ = "pulse_schedules"

    unit_id: Mapped[str] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )
    cadence_days: Mapped[int] = mapped_column(Integer)
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    local_time: Mapped[str] = mapped_column(String(5))  # "09:00", Europe/Copenhagen
    open_days: Mapped[int] = mapped_column(Integer)
    reminder_hours: Mapped[int] = mapped_column(Integer)
    skip_holidays: Mapped[bool] = mapped_column(Boolean, default=True)
    next_opening_at: Mapped[datetime]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The HR person who set the cadence (Entra ID object id): each round's delivery status goes
    # to their chat. None: set before anyone was asked, or without saying who.
    requested_by: Mapped[str | None] = mapped_column(String(100), nullable=True)


def of_kind(kind: RoundKind) -> ColumnElement[bool]:
    """SQL: the round is of `kind` (a range of the (unit, sequence) key; see RoundKind)."""
    return PulseRound.sequence > 0 if kind is RoundKind.PULSE else PulseRound.sequence <= 0


def is_pulse_round() -> ColumnElement[bool]:
    """SQL: a pulse round; prompt rounds never enter pulse scores, trends or exports."""
    return of_kind(RoundKind.PULSE)
