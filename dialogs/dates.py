"""Dates as people in Denmark read them: local time, weekday and month written out."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from dialogs.i18n import Language, t

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


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
