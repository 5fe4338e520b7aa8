"""Quiet hours: when the bot may message people, the one policy every send time goes through.

A pulse invitation, a prompt, a reminder or a closing note that arrives on a Saturday evening is a
work message in someone's free time. So nothing the bot pushes lands on a weekend, a Danish public
holiday (`storage.calendar.holidays`) or outside the working hours in Europe/Copenhagen; the send moves to
the next working moment instead. A round opens when it is started (an answer may be given at any
hour while it is open), but its invitations wait; so that its people still get its whole time to
answer, its close moves by as long as the invitations are held (`invitation_delay`): a 1-day
pulse started on a Friday evening is asked on Monday at 08:00 and closes on Tuesday at 08:00,
instead of closing on Saturday before anyone was asked. The round then closes when it says
(its results are released then, rule 5), and the closing note it triggers waits for the next
working moment.

The window is half-open, [start, end): 16:00 itself is after hours. 08:00–16:00 is the default
(`BOT_WORKING_HOURS`); `always` turns quiet hours off, for the local Playground demo and the
end-to-end tests, which must work whatever the hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from storage.calendar.holidays import is_danish_holiday, next_working_day
from storage.calendar.zone import COPENHAGEN

ALWAYS_TEXT = "always"
# Never earlier: the spring-forward gap (02:00–03:00) must not be a start of the day.
EARLIEST_START = time(3, 0)


@dataclass(frozen=True)
class WorkingHours:
    """The hours of a working day (Copenhagen time) when sends may land; `always`: no quiet hours."""

    start: time = time(8, 0)
    end: time = time(16, 0)
    always: bool = False

    def __post_init__(self) -> None:
        if not self.always and not EARLIEST_START <= self.start < self.end:
            raise ValueError("working hours must start at 03:00 or later and end after they start")

    @classmethod
    def parse(cls, text: str) -> WorkingHours:
        """ "08:00-16:00" or "always"; a ValueError names what is wrong."""
        cleaned = text.strip().lower()
        if cleaned == ALWAYS_TEXT:
            return cls(always=True)
        start, sep, end = cleaned.partition("-")
        if not sep:
            raise ValueError("give the working hours as HH:MM-HH:MM, e.g. 08:00-16:00, or 'always'")
        try:
            return cls(start=time.fromisoformat(start.strip()), end=time.fromisoformat(end.strip()))
        except ValueError as error:
            raise ValueError(f"working hours {text!r}: {error}") from None

    def __str__(self) -> str:
        return ALWAYS_TEXT if self.always else f"{self.start:%H:%M}-{self.end:%H:%M}"

    def is_working_moment(self, at: datetime) -> bool:
        """A weekday that is no Danish holiday, within [start, end) local time."""
        local = _aware(at).astimezone(COPENHAGEN)
        if self.always:
            return True
        return (
            local.weekday() < 5
            and not is_danish_holiday(local.date())
            and self.start <= local.time() < self.end
        )

    def next_working_moment(self, at: datetime) -> datetime:
        """`at` itself if it is a working moment, else the start of the next working hours (UTC).

        Before the start of a working day: that day's start. After its end, or on a weekend or a
        holiday: the start of the next working day. The start is combined with the date in local
        time, so 08:00 stays 08:00 across the DST change (07:00 UTC in summer, 08:00 in winter).
        """
        if self.is_working_moment(at):
            return at.astimezone(UTC)
        local = at.astimezone(COPENHAGEN)
        day = local.date()
        working_day = day.weekday() < 5 and not is_danish_holiday(day)
        if not (working_day and local.time() < self.start):
            day = next_working_day(day + timedelta(days=1))
        return datetime.combine(day, self.start, COPENHAGEN).astimezone(UTC)

    def invitation_delay(self, opens_at: datetime) -> timedelta:
        """How long quiet hours hold back the invitations of a round that opens at `opens_at`
        (zero in working hours): the round's close moves by as much (module docstring). Real
        hours: add it to a UTC time (a Copenhagen one would add wall-clock hours across DST)."""
        return self.next_working_moment(opens_at) - _aware(opens_at).astimezone(UTC)

    def reminder_time(
        self, opens_at: datetime, closes_at: datetime, planned: datetime | None
    ) -> datetime | None:
        """When a round's reminder goes out: the planned time moved to a working moment.

        None (no reminder) when none was planned, when it was planned before the round opens, or
        when the next working moment is not before the close: a reminder after the close, or at
        the very moment answers stop, would ask for an answer that can no longer be given.
        """
        if planned is None or planned < opens_at:
            return None
        moved = self.next_working_moment(planned)
        return moved if moved < closes_at else None


WORKING_HOURS = WorkingHours()
"""The default: 08:00–16:00 Copenhagen time, Monday to Friday, off Danish holidays."""
ALWAYS = WorkingHours(always=True)
"""No quiet hours: the demo, and tests that run on the real clock."""


def next_working_moment(at: datetime) -> datetime:
    """`WORKING_HOURS.next_working_moment`: the default policy, for callers without settings."""
    return WORKING_HOURS.next_working_moment(at)


def planned_reminder(closes_at: datetime, hours_before: int) -> datetime | None:
    """The reminder as planned, `hours_before` the close (0: no reminder), before quiet hours."""
    return closes_at - timedelta(hours=hours_before) if hours_before else None


def _aware(at: datetime) -> datetime:
    """A naive time has no place in a send time: which zone it meant is a guess."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("quiet hours need an aware datetime")
    return at
