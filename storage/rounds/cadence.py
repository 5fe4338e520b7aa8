"""The cadence grid: every N days on a weekday at a local time, moved off weekends and holidays.

Both kinds of cadence walk this one grid: a unit's pulse schedule (storage/rounds/schedules.py)
and HR's repeated publication of a prompt or a pulse (storage/prompts/publisher.py).

- A *slot* is where the grid says a round opens: a weekday at HH:MM Copenhagen time. Slots are
  what is stored (the planned moment) and what the grid advances from, by the cadence in whole
  days, keeping the local time across summer time.
- An *opening* is the slot moved to the next working day when the slot falls on a weekend or a
  Danish holiday (when the cadence skips holidays). A moved opening never moves the grid: after
  2. påskedag the round opens on Tuesday, and the next one is back on Monday.

A time of day is validated here, once, for the command line, the admin API, the chat form and the
rows read back: HH:MM, 00:00 to 23:59.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated

from pydantic import AfterValidator, Field

from storage.calendar.holidays import next_working_day
from storage.calendar.zone import COPENHAGEN, local

__all__ = [
    "LOCAL_TIME_PATTERN",
    "MAX_CADENCE_DAYS",
    "MIN_CADENCE_DAYS",
    "LocalTime",
    "first_slot",
    "local_time_of",
    "next_slot",
    "opening",
]

LOCAL_TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
# Days between rounds, for both kinds of cadence: a week to a quarter.
MIN_CADENCE_DAYS = 7
MAX_CADENCE_DAYS = 91


def local_time_of(value: str) -> str:
    """The one check of a cadence's time of day: 'HH:MM' as written, else ValueError."""
    try:
        parsed = time.fromisoformat(value)
    except ValueError:
        raise ValueError("must be a time of day, HH:MM") from None
    return parsed.strftime("%H:%M")


# Pydantic checks the pattern first (and puts it in the admin API's schema), then local_time_of.
LocalTime = Annotated[str, Field(pattern=LOCAL_TIME_PATTERN), AfterValidator(local_time_of)]


def first_slot(weekday: int, local_time: str, after: datetime) -> datetime:
    """The first slot on `weekday` (0 = Monday) at `local_time` strictly after `after` (not moved)."""
    now = local(after)
    day = now.date() + timedelta(days=(weekday - now.weekday()) % 7)
    slot = datetime.combine(day, time.fromisoformat(local_time), COPENHAGEN)
    return slot if slot > now else slot + timedelta(days=7)


def opening(slot: datetime, local_time: str, skip_holidays: bool) -> datetime:
    """When a slot really opens: moved off weekends and holidays if asked, at its local time."""
    day = local(slot).date()
    if skip_holidays:
        day = next_working_day(day)
    return datetime.combine(day, time.fromisoformat(local_time), COPENHAGEN)


def next_slot(slot: datetime, cadence_days: int, local_time: str) -> datetime:
    """The slot after `slot`: whole days later at the same local time (DST-safe)."""
    return datetime.combine(
        local(slot).date() + timedelta(days=cadence_days),
        time.fromisoformat(local_time),
        COPENHAGEN,
    )
