"""Copenhagen's clock and the cadence grid: one copy each.

- storage/calendar/zone.py is the only place the zone is named; a month is cut at the same local
  midnight wherever it is read.
- storage/rounds/cadence.py is the grid of both cadences: a unit's pulse schedule and HR's
  repeated publication open on the same days for the same cadence, and take the same times of day.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from storage.calendar.zone import COPENHAGEN, local_date, month_bounds, month_of, month_start
from storage.db.engine import SessionFactory
from storage.prompts.orders import PublicationIn, ScheduleIn
from storage.prompts.publisher import Publisher
from storage.question_bank import default_bank
from storage.rounds.lifecycle import Rounds
from storage.rounds.period_versions import period_of
from storage.rounds.schedules import Cadence, Schedules
from tests.conftest import TEST_SECRET
from tests.support.pulse_fixtures import team_with_members

ROOT = Path(__file__).resolve().parents[1]
MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
)


def test_the_zone_is_named_once() -> None:
    named = sorted(
        str(path.relative_to(ROOT))
        for package in ("bot", "dialogs", "storage")
        for path in (ROOT / package).rglob("*.py")
        if re.search(r"ZoneInfo\(", path.read_text(encoding="utf-8"))
    )
    assert named == ["storage/calendar/zone.py"]


@given(MOMENTS)
def test_a_moment_lies_in_its_month_cut_at_copenhagen_midnight(moment: datetime) -> None:
    start, end = month_bounds(month_of(moment))
    assert start <= moment < end
    assert (start.astimezone(COPENHAGEN).hour, start.day, end.day) == (0, 1, 1)
    assert period_of(moment) == month_of(moment) == f"{local_date(moment):%Y-%m}"
    assert month_start(moment) == start
    assert month_of(start - timedelta(microseconds=1)) < month_of(moment)


def test_new_year_is_local() -> None:
    moment = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 January in Copenhagen
    assert (month_of(moment), local_date(moment).isoformat()) == ("2027-01", "2027-01-01")
    assert month_start(moment, years_back=5) == datetime(2022, 1, 1, tzinfo=COPENHAGEN)


@given(
    st.one_of(
        st.from_regex(r"[0-9T:Z+. -]{0,9}", fullmatch=True),
        st.sampled_from(["09:00", "9:00", "0900", "09", "09:00:00", "T09:00", "23:59", "24:00"]),
    )
)
def test_both_cadences_take_the_same_times_of_day(value: str) -> None:
    def accepted(build) -> str | None:  # noqa: ANN001
        try:
            return str(build())
        except ValidationError:
            return None

    pulse = accepted(lambda: Cadence(local_time=value).local_time)
    publication = accepted(lambda: ScheduleIn(every_days=14, time=value).time)
    assert pulse == publication
    assert pulse is None or re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", pulse)


async def test_a_schedule_and_a_publication_open_on_the_same_days(
    session_factory: SessionFactory,
) -> None:
    """Every 14 days on Mondays from Friday 3 April 2026: the first Monday is 2. påskedag, so
    both open on Tuesday 7 April and are back on the Monday grid after it."""
    scheduled = await team_with_members(session_factory, "19:grid-a", range(1, 4), "A")
    published = await team_with_members(session_factory, "19:grid-b", range(1, 4), "B")
    rounds = Rounds(session_factory, default_bank(), TEST_SECRET)
    schedules = Schedules(session_factory, rounds)
    publisher = Publisher(session_factory, rounds, TEST_SECRET, 24)
    start = datetime(2026, 4, 3, 12, 0, tzinfo=UTC)
    first = await schedules.set(scheduled, Cadence(cadence_days=14, weekday=0), start)
    order = PublicationIn(
        content="pulse", units=[published], schedule={"every_days": 14, "weekday": 0}
    )
    assert (await publisher.publish(order, start)).scheduled_for == first

    from_schedule: list[datetime] = []
    from_publication: list[datetime] = []
    moment = start
    while moment < start + timedelta(days=46):
        (view,) = await publisher.list_publications()
        assert view.next_at is not None
        if await publisher.run_due(moment):
            from_publication.append(view.next_at)
        from_schedule += [info.opens_at for info in await schedules.create_due_rounds(moment)]
        moment += timedelta(hours=6)
    local = [opening.astimezone(COPENHAGEN).replace(tzinfo=None) for opening in from_schedule]
    assert local == [
        datetime(2026, 4, 7, 9, 0),
        datetime(2026, 4, 20, 9, 0),
        datetime(2026, 5, 4, 9, 0),
        datetime(2026, 5, 18, 9, 0),
    ]
    assert from_publication == from_schedule
