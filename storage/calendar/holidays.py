"""Danish public holidays, so a scheduled pulse never lands on a day off."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache


def easter_sunday(year: int) -> date:
    """Gregorian Easter (the anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


@cache
def danish_holidays(year: int) -> frozenset[date]:
    """Public holidays plus the days most workplaces close (Grundlovsdag, Christmas and New Year's Eve).

    Store Bededag is not a holiday from 2024 on.
    """
    easter = easter_sunday(year)
    movable = [-3, -2, 0, 1, 39, 49, 50]  # skærtorsdag … 2. pinsedag
    if year < 2024:
        movable.append(26)  # store bededag
    days = {easter + timedelta(days=offset) for offset in movable}
    days |= {
        date(year, 1, 1),
        date(year, 6, 5),
        date(year, 12, 24),
        date(year, 12, 25),
        date(year, 12, 26),
        date(year, 12, 31),
    }
    return frozenset(days)


def is_danish_holiday(day: date) -> bool:
    return day in danish_holidays(day.year)


def next_working_day(day: date) -> date:
    """The day itself, or the first later day that is neither a weekend nor a holiday."""
    while day.weekday() >= 5 or is_danish_holiday(day):
        day += timedelta(days=1)
    return day
