"""Copenhagen's clock: the one zone every local date, time and month of the bot is read in.

The bot serves Danish workplaces. A round's month, the date a team agreed an action, the weekday a
cadence opens on and the hour quiet hours end are all Copenhagen's, whatever zone a moment was
stored in (UTC in the database). Every module reads them through here, so a month can never be
cut at one midnight in one place and at another midnight elsewhere.

A month is written as people and links name it: "2026-11".
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

__all__ = ["COPENHAGEN", "local", "local_date", "month_bounds", "month_of", "month_start"]

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def local(moment: datetime) -> datetime:
    """`moment` on Copenhagen's clock (an aware moment; a naive one is taken as the machine's)."""
    return moment.astimezone(COPENHAGEN)


def local_date(moment: datetime) -> date:
    """The calendar date in Copenhagen at `moment`: 23:30 UTC on 30 November is 1 December."""
    return local(moment).date()


def month_of(moment: datetime) -> str:
    """The calendar month (Copenhagen time) `moment` falls in, e.g. '2026-11'."""
    at = local(moment)
    return f"{at.year:04d}-{at.month:02d}"


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[start, end) of a month 'YYYY-MM': local midnight on its first day and on the next's."""
    year, number = (int(part) for part in month.split("-"))
    start = datetime(year, number, 1, tzinfo=COPENHAGEN)
    end = datetime(year + (number == 12), number % 12 + 1, 1, tzinfo=COPENHAGEN)
    return start, end


def month_start(moment: datetime, years_back: int = 0) -> datetime:
    """Local midnight on the first day of `moment`'s month, `years_back` years earlier."""
    at = local(moment)
    return datetime(at.year - years_back, at.month, 1, tzinfo=COPENHAGEN)
