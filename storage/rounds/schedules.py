"""Cadences per unit: e.g. every 14 days, Monday 09:00 Europe/Copenhagen, skipping holidays.

The grid itself (slots, openings moved off holidays, one validation of the time of day) is
storage/rounds/cadence.py, shared with HR's repeated publications."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from storage.calendar.quiet_hours import planned_reminder
from storage.db.engine import SessionFactory, write_lock_first
from storage.errors import UnitNotFound
from storage.rounds.cadence import (
    MAX_CADENCE_DAYS,
    MIN_CADENCE_DAYS,
    LocalTime,
    first_slot,
    next_slot,
    opening,
)
from storage.rounds.lifecycle import RoundInfo, Rounds
from storage.tables.directory import Unit
from storage.tables.pulses import PulseSchedule


class Cadence(BaseModel):
    """What HR sets for a unit."""

    model_config = ConfigDict(frozen=True)

    cadence_days: int = Field(14, ge=MIN_CADENCE_DAYS, le=MAX_CADENCE_DAYS)
    weekday: int = Field(0, ge=0, le=6)
    local_time: LocalTime = "09:00"
    open_days: int = Field(5, ge=1, le=30)
    reminder_hours: int = Field(24, ge=0, le=24 * 14)
    skip_holidays: bool = True

    def first_slot(self, after: datetime) -> datetime:
        """The grid's first slot strictly after `after` (not moved off holidays)."""
        return first_slot(self.weekday, self.local_time, after)

    def opening(self, slot: datetime) -> datetime:
        """When `slot` really opens: moved off weekends and holidays when the cadence skips them."""
        return opening(slot, self.local_time, self.skip_holidays)

    def next_slot(self, slot: datetime) -> datetime:
        """The grid's slot after `slot`: planned slots advance by the cadence, not by openings."""
        return next_slot(slot, self.cadence_days, self.local_time)


def first_opening(cadence: Cadence, after: datetime) -> datetime:
    """The first opening strictly after `after`: the first slot, moved off holidays."""
    return cadence.opening(cadence.first_slot(after))


class Schedules:
    def __init__(self, factory: SessionFactory, rounds: Rounds) -> None:
        self._factory = factory
        self._rounds = rounds

    async def set(
        self, unit_id: str, cadence: Cadence, now: datetime, requested_by: str | None = None
    ) -> datetime:
        """Create or replace a unit's schedule; returns when its first round opens.

        `requested_by`: the HR person (object id) who gets each round's delivery status cards."""
        async with self._factory.begin() as session:
            if await session.get(Unit, unit_id) is None:
                raise UnitNotFound(unit_id)
            row = await session.get(PulseSchedule, unit_id)
            if row is None:
                row = PulseSchedule(unit_id=unit_id)
                session.add(row)
            for field, value in cadence.model_dump().items():
                setattr(row, field, value)
            # The slot is stored, not its opening: a first slot on a holiday opens a day later
            # and the grid stays where it was, as after any later holiday.
            planned = cadence.first_slot(now)
            row.next_opening_at = planned
            row.active = True
            row.requested_by = requested_by
            return cadence.opening(planned)

    async def create_due_rounds(self, now: datetime) -> list[RoundInfo]:
        """Turn every schedule whose next (shifted) opening has come into a scheduled round."""
        created = []
        async with self._factory() as session:
            schedules = list(
                (
                    await session.execute(
                        select(PulseSchedule).where(PulseSchedule.active.is_(True))
                    )
                ).scalars()
            )
        for schedule in schedules:
            cadence = Cadence.model_validate(schedule, from_attributes=True)
            planned = schedule.next_opening_at
            opens = cadence.opening(planned)
            if opens > now:
                continue
            async with self._factory.begin() as session:
                await write_lock_first(session)
                row = (
                    await session.execute(
                        select(PulseSchedule)
                        .where(
                            PulseSchedule.unit_id == schedule.unit_id,
                            PulseSchedule.next_opening_at == planned,
                        )
                        .with_for_update()
                    )
                ).scalar_one_or_none()
                if row is None:  # another replica took it
                    continue
                upcoming = cadence.next_slot(planned)
                while cadence.opening(upcoming) <= now:
                    upcoming = cadence.next_slot(upcoming)  # skip slots missed while down
                row.next_opening_at = upcoming
                closes = opens + timedelta(days=cadence.open_days)
                remind = planned_reminder(closes, cadence.reminder_hours)
                created.append(
                    await self._rounds.create_in(
                        session,
                        schedule.unit_id,
                        opens,
                        closes,
                        remind,
                        "schedule",
                        requested_by=row.requested_by,
                    )
                )
        return created
