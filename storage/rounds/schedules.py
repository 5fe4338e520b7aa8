"""Cadences per unit: e.g. every 14 days, Monday 09:00 Europe/Copenhagen, skipping holidays."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select

from storage.calendar.holidays import next_working_day
from storage.calendar.quiet_hours import planned_reminder
from storage.db.engine import SessionFactory, write_lock_first
from storage.errors import UnitNotFound
from storage.rounds.lifecycle import RoundInfo, Rounds
from storage.tables.directory import Unit
from storage.tables.pulses import PulseSchedule

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


class Cadence(BaseModel):
    """What HR sets for a unit."""

    model_config = ConfigDict(frozen=True)

    cadence_days: int = Field(14, ge=7, le=91)
    weekday: int = Field(0, ge=0, le=6)
    local_time: str = "09:00"
    open_days: int = Field(5, ge=1, le=30)
    reminder_hours: int = Field(24, ge=0, le=24 * 14)
    skip_holidays: bool = True

    @field_validator("local_time")
    @classmethod
    def _hh_mm(cls, value: str) -> str:
        time.fromisoformat(value)
        return value[:5]


def first_opening(cadence: Cadence, after: datetime) -> datetime:
    """The first time on the cadence's weekday and local time strictly after `after`."""
    local = after.astimezone(COPENHAGEN)
    at = time.fromisoformat(cadence.local_time)
    day = local.date() + timedelta(days=(cadence.weekday - local.weekday()) % 7)
    candidate = datetime.combine(day, at, COPENHAGEN)
    if candidate <= local:
        candidate += timedelta(days=7)
    return _shifted(cadence, candidate)


def _shifted(cadence: Cadence, local_opening: datetime) -> datetime:
    """Move off weekends and holidays when asked to, keeping the local time of day (DST-safe)."""
    day = local_opening.date()
    if cadence.skip_holidays:
        day = next_working_day(day)
    return datetime.combine(day, time.fromisoformat(cadence.local_time), COPENHAGEN)


def following_opening(cadence: Cadence, previous_planned: datetime) -> datetime:
    """The next slot on the grid: planned slots advance by the cadence, not by the shifted dates."""
    local = previous_planned.astimezone(COPENHAGEN)
    planned = datetime.combine(
        local.date() + timedelta(days=cadence.cadence_days),
        time.fromisoformat(cadence.local_time),
        COPENHAGEN,
    )
    return planned


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
            planned = first_opening(cadence, now)
            row.next_opening_at = planned
            row.active = True
            row.requested_by = requested_by
            return _shifted(cadence, planned.astimezone(COPENHAGEN))

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
            opens = _shifted(cadence, planned.astimezone(COPENHAGEN))
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
                upcoming = following_opening(cadence, planned)
                while _shifted(cadence, upcoming.astimezone(COPENHAGEN)) <= now:
                    upcoming = following_opening(cadence, upcoming)  # skip slots missed while down
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
