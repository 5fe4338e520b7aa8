"""The question bank's content rules, the rotation, Danish holidays and schedules."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from storage.calendar.holidays import danish_holidays, easter_sunday, next_working_day
from storage.calendar.zone import COPENHAGEN as CPH
from storage.db.engine import SessionFactory
from storage.errors import PulseAlreadyRunning
from storage.question_bank import (
    SOCIAL_CAPITAL,
    default_bank,
    default_template,
    load_bank,
    rotation_length,
)
from storage.rounds.lifecycle import Rounds
from storage.rounds.schedules import Cadence, Schedules, first_opening
from storage.tables.pulses import RoundState
from tests.conftest import TEST_SECRET
from tests.support.pulse_fixtures import team_with_members

BANK = default_bank()


def test_bank_covers_every_dimension_in_both_languages() -> None:
    per_dimension = {d: len(BANK.by_dimension(d)) for d in BANK.dimensions}
    for dimension in SOCIAL_CAPITAL:
        assert per_dimension[dimension] >= 3, dimension
    assert per_dimension["wellbeing"] >= 1 and per_dimension["workload"] >= 1
    for item in BANK.items:
        assert item.text.da and item.text.en and item.text.da != item.text.en
        scale = BANK.scales[item.scale]
        assert len(scale.labels["da"]) == len(scale.labels["en"]) == len(scale.values())
    danish = " ".join(item.text.da for item in BANK.items)
    assert "æ" in danish and "ø" in danish and "å" in danish


def test_broken_bank_is_refused(tmp_path: Path) -> None:
    text = Path("storage/content/question_bank.yaml").read_text(encoding="utf-8")
    (tmp_path / "bank.yaml").write_text(text.replace("id: tk2", "id: tk1"), encoding="utf-8")
    with pytest.raises(ValidationError, match="duplicate item ids"):
        load_bank(tmp_path / "bank.yaml")


@given(start=st.integers(0, 500))
def test_rotation_covers_every_dimension_each_round_and_every_item_in_a_cycle(start: int) -> None:
    length = rotation_length(BANK)
    seen: set[str] = set()
    for sequence in range(start, start + length):
        items = default_template(BANK, sequence)
        assert 3 <= len(items) <= 5 and len(set(items)) == len(items)
        dimensions = {BANK.item(i).dimension for i in items}
        assert set(SOCIAL_CAPITAL) <= dimensions
        seen |= set(items)
    assert seen == {item.id for item in BANK.items}


def test_every_item_at_least_once_per_quarter_at_a_fortnightly_cadence() -> None:
    rounds_per_quarter = 91 // 14  # the fewest fortnightly rounds any quarter holds
    assert rotation_length(BANK) <= rounds_per_quarter


def test_easter_and_holidays() -> None:
    assert easter_sunday(2026) == date(2026, 4, 5)
    assert easter_sunday(2027) == date(2027, 3, 28)
    holidays = danish_holidays(2026)
    assert date(2026, 4, 2) in holidays  # skærtorsdag
    assert date(2026, 5, 14) in holidays  # Kristi himmelfartsdag
    assert date(2026, 5, 25) in holidays  # 2. pinsedag
    assert date(2026, 5, 1) not in holidays  # store bededag is gone since 2024
    assert date(2023, 5, 5) in danish_holidays(2023)  # … but it was one in 2023
    assert next_working_day(date(2026, 12, 24)) == date(2026, 12, 28)


def test_first_opening_is_local_time_and_skips_holidays() -> None:
    cadence = Cadence(cadence_days=14, weekday=0, local_time="09:00")
    # Sunday 29 March 2026, the day summer time starts: Monday 30 March at 09:00 local time.
    opening = first_opening(cadence, datetime(2026, 3, 29, 12, 0, tzinfo=UTC))
    assert opening.astimezone(CPH).replace(tzinfo=None) == datetime(2026, 3, 30, 9, 0)
    # Monday 6 April 2026 is 2. påskedag: the round opens Tuesday at 09:00.
    easter = first_opening(cadence, datetime(2026, 4, 3, 12, 0, tzinfo=UTC))
    assert easter.astimezone(CPH).replace(tzinfo=None) == datetime(2026, 4, 7, 9, 0)
    with pytest.raises(ValidationError):
        Cadence(local_time="25:00")


async def test_schedule_creates_each_round_once_and_skips_holidays(
    session_factory: SessionFactory,
) -> None:
    unit = await team_with_members(session_factory, "19:s", range(1, 6))
    rounds = Rounds(session_factory, BANK, TEST_SECRET)
    schedules = Schedules(session_factory, rounds)
    start = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)  # a Friday
    first = await schedules.set(unit, Cadence(cadence_days=14, weekday=0), start)
    assert first.astimezone(CPH).replace(tzinfo=None) == datetime(2026, 3, 23, 9, 0)
    moment = start
    created_at = []
    while moment < start + timedelta(days=60):
        for info in await schedules.create_due_rounds(moment):
            created_at.append(info.opens_at.astimezone(CPH).replace(tzinfo=None))
        assert await schedules.create_due_rounds(moment) == []  # idempotent
        moment += timedelta(hours=6)
    # 23 March, 6 April is 2. påskedag → Tuesday 7 April, then back on the grid: 20 April, …
    assert created_at == [
        datetime(2026, 3, 23, 9, 0),
        datetime(2026, 4, 7, 9, 0),
        datetime(2026, 4, 20, 9, 0),
        datetime(2026, 5, 4, 9, 0),
        datetime(2026, 5, 18, 9, 0),
    ]
    infos = await rounds.for_unit(unit)
    assert [i.sequence for i in infos] == [1, 2, 3, 4, 5]
    assert all(i.state is RoundState.SCHEDULED for i in infos)
    assert infos[0].items != infos[1].items  # the rotation moves on
    assert all(i.closes_at - i.opens_at == timedelta(days=5) for i in infos)
    # A day before the close, except the round of Tuesday 7 April: it closes Sunday 12 April, the day
    # before is a Saturday and the next working moment is after the close, so no reminder at all.
    assert [i.remind_at for i in infos] == [
        None if i.opens_at.day == 7 else i.closes_at - timedelta(hours=24) for i in infos
    ]


async def test_round_lifecycle_counts_eligible_at_opening(session_factory: SessionFactory) -> None:
    unit = await team_with_members(session_factory, "19:l", range(1, 8))
    rounds = Rounds(session_factory, BANK, TEST_SECRET)
    now = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    info = await rounds.create(unit, now, now + timedelta(days=2), now + timedelta(days=1), "hr")
    assert info.state is RoundState.SCHEDULED and info.eligible_count is None
    assert await rounds.open_due(now - timedelta(minutes=1)) == []
    (opened,) = await rounds.open_due(now)
    assert opened.eligible_count == 7 and opened.state is RoundState.OPEN
    assert await rounds.open_due(now) == []
    assert await rounds.enqueue_due_reminders(now) == 0
    assert await rounds.enqueue_due_reminders(now + timedelta(days=1)) == 7
    assert await rounds.enqueue_due_reminders(now + timedelta(days=1)) == 0  # only one reminder
    assert await rounds.close_due(now + timedelta(days=1)) == []
    (closed,) = await rounds.close_due(now + timedelta(days=2))
    assert closed.state is RoundState.CLOSED
    assert await rounds.close(closed.id) is None


async def test_starting_a_pulse_now_twice_starts_one_round(
    session_factory: SessionFactory, backend: str
) -> None:
    """HR's press arriving twice (a double click, Teams retrying, two replicas) starts one round."""
    rounds = Rounds(session_factory, BANK, TEST_SECRET)
    now = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    closes = now + timedelta(days=5)
    unit = await team_with_members(session_factory, "19:twice", range(1, 4), name="To gange")
    first = await rounds.start_now(unit, now, closes, None)
    with pytest.raises(PulseAlreadyRunning) as refused:
        await rounds.start_now(unit, now, now + timedelta(days=9), None)  # not yet opened
    assert (refused.value.unit_name, refused.value.closes_at) == ("To gange", closes)
    with pytest.raises(PulseAlreadyRunning):
        # The same press at another replica read its clock a moment before the first committed.
        await rounds.start_now(unit, now - timedelta(seconds=2), closes, None)
    await rounds.open_due(now)
    with pytest.raises(PulseAlreadyRunning):
        await rounds.start_now(unit, now + timedelta(hours=1), closes, None)  # open
    await rounds.close(first.id)
    later = await rounds.start_now(unit, now + timedelta(days=1), closes + timedelta(days=1), None)
    assert [r.id for r in await rounds.for_unit(unit)] == [first.id, later.id]
    if backend == "postgresql":  # replicas run on PostgreSQL: presses at the same moment
        other = await team_with_members(session_factory, "19:race", range(1, 4))
        results = await asyncio.gather(
            *(rounds.start_now(other, now, closes, None) for _ in range(4)),
            return_exceptions=True,
        )
        assert sum(isinstance(r, PulseAlreadyRunning) for r in results) == 3, results
        assert len(await rounds.for_unit(other)) == 1


async def test_racing_schedulers_create_and_open_each_round_once(
    session_factory: SessionFactory,
) -> None:
    """Several replicas' scheduler passes at the same instant over the same due schedules."""
    rounds = Rounds(session_factory, BANK, TEST_SECRET)
    schedules = Schedules(session_factory, rounds)
    start = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)  # a Friday; due Monday 23 March 09:00
    units = [
        await team_with_members(session_factory, f"19:race-{n}", range(1, 4), f"Hold {n}")
        for n in range(5)
    ]
    for unit in units:
        await schedules.set(unit, Cadence(cadence_days=14, weekday=0), start)
    monday = datetime(2026, 3, 23, 9, 30, tzinfo=UTC)
    created = await asyncio.gather(*(schedules.create_due_rounds(monday) for _ in range(4)))
    opened = await asyncio.gather(*(rounds.open_due(monday) for _ in range(4)))
    assert sorted(r.unit_id for batch in created for r in batch) == sorted(units)
    assert sum(len(batch) for batch in opened) == len(units)
    for unit in units:
        (info,) = await rounds.for_unit(unit)
        assert info.state is RoundState.OPEN and info.eligible_count == 3


async def test_a_round_closed_early_says_it_closed_when_it_did(
    session_factory: SessionFactory,
) -> None:
    """`pulse close` before the planned time: the round closed then, and says so (cards, notes
    and the month it counts in), not at the time it was planned to close."""
    from storage.rounds.period_versions import period_of

    rounds = Rounds(session_factory, BANK, TEST_SECRET)
    opens = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    planned = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)  # planned to close in December
    early = datetime(2026, 11, 27, 13, 0, tzinfo=UTC)  # closed by HR in November
    unit = await team_with_members(session_factory, "19:early", range(1, 4), name="Tidligt")
    info = await rounds.create(unit, opens, planned, None, "hr")
    await rounds.open_due(opens)
    closed = await rounds.close(info.id, early)
    assert closed is not None and closed.closes_at == early
    assert (await rounds.get(info.id)).closes_at == early and period_of(early) == "2026-11"
    late = await rounds.create(unit, planned, planned + timedelta(days=2), None, "hr")
    await rounds.open_due(planned)
    on_time = await rounds.close(late.id, planned + timedelta(days=3))  # the scheduler: later
    assert on_time is not None and on_time.closes_at == planned + timedelta(days=2)
