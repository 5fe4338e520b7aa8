"""A finished month's release is decided once and kept; nothing stale is ever served (both backends).

The decision is kept in the database under (month, version, k) and the month's version is bumped
in the transaction that changes the month's closed rounds. These tests change a month after its
decision was kept — a round of it closes late, retention deletes it — and ask again, from the
process that kept it and from a cold one (another replica): a stale decision would show the old
figure.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

import storage.results.choices as choices_module
from storage.answers.pulse import submit_answer
from storage.db.engine import SessionFactory
from storage.disclosure import Suppression
from storage.privacy.retention import RetentionPolicy, purge
from storage.results.summaries import Summaries
from storage.rounds.lifecycle import Rounds
from storage.rounds.period_versions import period_of
from storage.tables.results import PeriodDecision, PeriodFigure
from tests.conftest import TEST_SECRET
from tests.support.pulse_fixtures import team_with_members
from tests.test_summaries import BANK, CLOSES, OPENS, Clock, _members, department, run_round

DECEMBER = datetime(2026, 12, 1, tzinfo=UTC)
PERIOD = period_of(CLOSES)


async def _kept(factory: SessionFactory, period: str) -> tuple[int, int]:
    async with factory() as session:
        decisions = await session.scalar(
            select(func.count()).where(PeriodDecision.period == period)
        )
        figures = await session.scalar(select(func.count()).where(PeriodFigure.period == period))
    return int(decisions or 0), int(figures or 0)


async def _two_teams(factory: SessionFactory) -> tuple[str, str, str]:
    a = await team_with_members(factory, "19:pa", range(1, 8), name="Team A")
    b = await team_with_members(factory, "19:pb", range(10, 17), name="Team B")
    dept = await department(factory, a, b)
    await run_round(factory, a, [4] * 6)
    await run_round(factory, b, [2] * 5)
    return a, b, dept


async def test_a_round_closing_late_in_a_decided_month_is_never_served_stale(
    session_factory: SessionFactory,
) -> None:
    a, b, dept = await _two_teams(session_factory)
    visible = {a, b, dept}
    first = Summaries(session_factory, BANK, 5, Clock(DECEMBER))
    before = await first.period_summary(dept, PERIOD, visible)
    assert before.figures is not None and before.figures.responses == 11
    assert await _kept(session_factory, PERIOD) == (1, 3)  # the department and both teams
    # A cold process reads the kept decision and agrees.
    cold = await Summaries(session_factory, BANK, 5, Clock(DECEMBER)).period_summary(
        dept, PERIOD, visible
    )
    assert cold.figures == before.figures

    # A late round of the same (finished) month: while it is open the month is not complete...
    rounds = Rounds(session_factory, BANK, TEST_SECRET)
    opens, closes = OPENS + timedelta(days=10), OPENS + timedelta(days=13)
    late = await rounds.create(a, opens, closes, None, "hr")
    await rounds.open_due(opens)
    for user_id in (await _members(session_factory, a))[:6]:
        await submit_answer(
            session_factory,
            BANK,
            TEST_SECRET,
            late.id,
            user_id,
            {i: 1 for i in late.items},
            None,
            opens + timedelta(hours=1),
        )
    waiting = await first.period_summary(dept, PERIOD, visible)
    assert waiting.figures is None and waiting.suppressed is Suppression.PERIOD_OPEN
    # ...and once it closed, the month counts 17 answers, whoever asks.
    await rounds.close(late.id)
    for summaries in (first, Summaries(session_factory, BANK, 5, Clock(DECEMBER))):
        after = await summaries.period_summary(dept, PERIOD, visible)
        assert after.figures is not None and after.figures.responses == 17
        assert after.figures.dimensions != before.figures.dimensions
    assert await _kept(session_factory, PERIOD) == (1, 3)  # the old version's rows are gone


async def test_a_month_deleted_by_retention_is_never_served_from_its_kept_decision(
    session_factory: SessionFactory,
) -> None:
    a, b, dept = await _two_teams(session_factory)
    visible = {a, b, dept}
    later = datetime(2028, 1, 15, tzinfo=UTC)  # a year's retention: November 2026 is over age
    summaries = Summaries(session_factory, BANK, 5, Clock(later))
    assert await summaries.settle(PERIOD)
    assert await summaries.settle(PERIOD)  # a second replica deciding again changes nothing
    kept = await summaries.period_summary(dept, PERIOD, visible)
    assert kept.figures is not None and kept.figures.responses == 11
    assert await _kept(session_factory, PERIOD) == (1, 3)

    policy = RetentionPolicy(years=1, delivery_days=90)
    report = await purge(session_factory, policy, later)
    assert PERIOD in report.periods
    assert await _kept(session_factory, PERIOD) == (0, 0)  # deleted with the month's rounds
    for asking in (summaries, Summaries(session_factory, BANK, 5, Clock(later))):
        gone = await asking.period_summary(dept, PERIOD, visible)
        assert gone.figures is None and gone.suppressed is Suppression.TOO_FEW


async def test_an_unfinished_month_is_not_kept_and_a_finished_one_is_settled(
    session_factory: SessionFactory,
) -> None:
    _, _, dept = await _two_teams(session_factory)
    during = Summaries(session_factory, BANK, 5, Clock(CLOSES + timedelta(days=1)))
    assert not await during.settle(PERIOD)
    summary = await during.period_summary(dept, PERIOD, {dept})
    assert summary.suppressed is Suppression.PERIOD_OPEN
    assert await _kept(session_factory, PERIOD) == (0, 0)
    # The app settles the months that ended last (an empty month has nothing to keep).
    after = Summaries(session_factory, BANK, 5, Clock(DECEMBER))
    assert await after.settle_recent() == [PERIOD, "2026-10"]
    assert await _kept(session_factory, PERIOD) == (1, 3)
    assert await _kept(session_factory, "2026-10") == (0, 0)


async def test_many_units_find_the_same_newest_rounds_by_time(
    session_factory: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An area's or the organisation's leader gets their choices walked by time: the same list."""
    a, b, dept = await _two_teams(session_factory)
    visible = {a, b, dept}
    summaries = Summaries(session_factory, BANK, 5, Clock(DECEMBER))
    by_unit = await summaries.choices(visible)
    latest = await summaries.latest_closed_round(visible)
    monkeypatch.setattr(choices_module, "MANY_UNITS", 0)
    assert await summaries.choices(visible) == by_unit
    assert await summaries.latest_closed_round(visible) == latest
    assert latest is not None and len([c for c in by_unit if c.round_id]) == 2
