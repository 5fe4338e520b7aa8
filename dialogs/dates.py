"""Dates as people in Denmark read them: local time, weekday and month written out."""

from __future__ import annotations

from datetime import datetime

from dialogs.i18n import Language, t
from storage.calendar.zone import COPENHAGEN, local_date


def local_datetime(moment: datetime, language: Language) -> str:
    """'mandag d. 30. november kl. 09:00' / 'Monday 30 November at 09:00'."""
    local = moment.astimezone(COPENHAGEN)
    return t(
        language,
        "date.format",
        weekday=t(language, "date.weekdays").split(",")[local.weekday()],
        day=local.day,
        month=t(language, "date.months").split(",")[local.month - 1],
        time=local.strftime("%H:%M"),
    )


def day_and_month(moment: datetime, language: Language, year_of: datetime | None = None) -> str:
    """'3. november' / '3 November'; with the year when it is not the year of `year_of`."""
    local = moment.astimezone(COPENHAGEN)
    month = t(language, "date.months").split(",")[local.month - 1]
    if year_of is not None and year_of.astimezone(COPENHAGEN).year != local.year:
        return t(language, "date.day_year", day=local.day, month=month, year=local.year)
    return t(language, "date.day", day=local.day, month=month)


def local_moment(moment: datetime, language: Language, now: datetime | None = None) -> str:
    """'i dag kl. 14:32' when it is today (Copenhagen), else the whole date as local_datetime."""
    local = moment.astimezone(COPENHAGEN)
    if now is not None and local_date(now) == local.date():
        return t(language, "date.today_at", time=local.strftime("%H:%M"))
    return local_datetime(moment, language)


def per_second(rate: float, language: Language) -> str:
    """A rate as people read it: whole numbers from 10, one decimal below (a comma in Danish)."""
    text = f"{rate:.0f}" if rate >= 10 else f"{rate:.1f}"
    return text.replace(".", ",") if language == "da" else text
