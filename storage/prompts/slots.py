"""When a publication's occurrences open: its first slot, and the planned slot moved off holidays.

The grid itself (weekday, local time, every N days, Europe/Copenhagen) is storage/rounds/cadence.py,
shared with the pulse schedule; this is only what a publication adds to it: `at` (once) is taken
as given, a cadence moves off weekends and holidays when `skip_holidays` says so.
"""

from __future__ import annotations

from datetime import datetime

from storage.prompts.orders import ScheduleIn
from storage.rounds import cadence
from storage.tables.prompts import Publication

__all__ = ["first_slot", "opening_of"]


def first_slot(schedule: ScheduleIn, after: datetime) -> datetime:
    """The first weekday-and-time slot strictly after `after` (not yet moved off holidays)."""
    if schedule.at is not None:
        return schedule.at
    return cadence.first_slot(schedule.weekday, schedule.time, after)


def opening_of(publication: Publication) -> datetime | None:
    """When the planned slot really opens: a cadence moves off weekends and holidays, `at` does not."""
    planned = publication.next_planned_at
    if planned is None or publication.cadence_days is None or publication.local_time is None:
        return planned
    return cadence.opening(planned, publication.local_time, publication.skip_holidays)
