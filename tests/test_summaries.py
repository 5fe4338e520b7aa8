"""Leader summaries on a real database: released figures, formula, access, open rounds, actions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from storage.answers.pulse import submit_answer
from storage.db.engine import SessionFactory
from storage.disclosure import Suppression
from storage.errors import NotAllowed
from storage.question_bank import default_bank
from storage.results.figures import figures_from, item_score
from storage.results.summaries import RoundStillOpen, Summaries
from storage.rounds.lifecycle import Rounds
from storage.rounds.period_versions import period_of
from storage.tables.directory import Unit
from tests.conftest import TEST_SECRET
from tests.support.pulse_fixtures import team_with_members

BANK = default_bank()
OPENS = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
CLOSES = OPENS + timedelta(days=3)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def run_round(
    factory: SessionFactory, unit_id: str, answers: list[int], comments: bool = True
) -> str:
    rounds = Rounds(factory, BANK, TEST_SECRET)
    info = await rounds.create(unit_id, OPENS, CLOSES, None, "hr")
    await rounds.open_due(OPENS)
    members = await _members(factory, unit_id)
    for user_id, value in zip(members, answers, strict=False):
        await submit_answer(
            factory,
            BANK,
            TEST_SECRET,
            info.id,
            user_id,
            {i: value for i in info.items},
            f"kommentar {value}" if comments else None,
            OPENS + timedelta(hours=1),
        )
    await rounds.close(info.id)
    return info.id


async def _members(factory: SessionFactory, unit_id: str) -> list[str]:
    from sqlalchemy import select

    from storage.tables.directory import Membership

    async with factory() as session:
        rows = await session.execute(
            select(Membership.user_id)
            .where(Membership.unit_id == unit_id)
            .order_by(Membership.user_id)
        )
        return list(rows.scalars())


async def department(factory: SessionFactory, *teams: str) -> str:
    async with factory.begin() as session:
        dept = Unit(name="Område Syd", bot_installed=False)
        session.add(dept)
        await session.flush()
        await session.execute(update(Unit).where(Unit.id.in_(teams)).values(parent_id=dept.id))
        return dept.id


def test_score_formula() -> None:
    assert item_score(BANK, "tk1", {4: 10}) == 75.0
    assert item_score(BANK, "tk1", {1: 1, 5: 1}) == 50.0
    assert item_score(BANK, "tk1", {5: 3}) == 100.0
    figures = figures_from(BANK, {"tk1": {4: 2}, "tk2": {2: 2}, "rf1": {1: 2}}, 2, 4)
    scores = {d.dimension: d.score for d in figures.dimensions}
    assert scores == {"trust_colleagues": 50.0, "justice": 0.0}
    assert figures.weakest() == "justice" and figures.response_rate == 0.5
    trust = next(d for d in figures.dimensions if d.dimension == "trust_colleagues")
    assert trust.distribution == [0, 2, 0, 2, 0]


async def test_open_round_results_are_shown_to_nobody(session_factory: SessionFactory) -> None:
    unit = await team_with_members(session_factory, "19:o", range(1, 7))
    rounds = Rounds(session_factory, BANK, TEST_SECRET)
    info = await rounds.create(unit, OPENS, CLOSES, None, "hr")
    await rounds.open_due(OPENS)
    summaries = Summaries(session_factory, BANK, 5, Clock(OPENS + timedelta(hours=2)))
    with pytest.raises(RoundStillOpen):
        await summaries.round_summary(info.id, {unit})
    assert await summaries.choices({unit}) == []  # not offered either


async def test_below_k_shows_nothing_and_says_why(session_factory: SessionFactory) -> None:
    unit = await team_with_members(session_factory, "19:few", range(1, 7))
    round_id = await run_round(session_factory, unit, [4, 4, 3, 5])
    summary = await Summaries(session_factory, BANK, 5, Clock(CLOSES)).round_summary(
        round_id, {unit}
    )
    assert summary.figures is None and summary.suppressed is Suppression.TOO_FEW
    assert summary.comments == [] and summary.trend == []


async def test_released_round_has_scores_and_rate_and_holds_comments_back_below_the_threshold(
    session_factory: SessionFactory,
) -> None:
    unit = await team_with_members(session_factory, "19:ok", range(1, 8))
    round_id = await run_round(session_factory, unit, [4, 4, 4, 4, 5, 3])
    summary = await Summaries(session_factory, BANK, 5, Clock(CLOSES)).round_summary(
        round_id, {unit}
    )
    assert summary.suppressed is None and summary.figures is not None
    assert (summary.figures.responses, summary.figures.eligible) == (6, 7)
    assert {d.score for d in summary.figures.dimensions} == {75.0}
    assert [p.label for p in summary.trend] == ["1"]
    # Six answered: enough for the figures (k = 5), not for the comments (7 by default).
    assert summary.comments == [] and summary.comments_held_back
    assert summary.comment_threshold == 7


async def test_comments_are_shown_from_the_comment_threshold_in_random_order(
    session_factory: SessionFactory,
) -> None:
    unit = await team_with_members(session_factory, "19:seven", range(1, 8))
    answers = [4, 4, 4, 4, 5, 3, 2]
    round_id = await run_round(session_factory, unit, answers)
    summaries = Summaries(session_factory, BANK, 5, Clock(CLOSES))
    summary = await summaries.round_summary(round_id, {unit})
    assert not summary.comments_held_back
    assert sorted(summary.comments) == sorted(f"kommentar {v}" for v in answers)
    orders = set()
    for _ in range(20):  # 7! orders: twenty reads all in one order would be a stored order
        orders.add(tuple((await summaries.round_summary(round_id, {unit})).comments))
    assert len(orders) > 1
    stricter = Summaries(session_factory, BANK, 5, Clock(CLOSES), min_comment_group_size=8)
    held = await stricter.round_summary(round_id, {unit})
    assert held.figures is not None and held.comments == [] and held.comments_held_back
    assert held.comment_threshold == 8


async def test_the_comment_threshold_is_never_below_k(session_factory: SessionFactory) -> None:
    unit = await team_with_members(session_factory, "19:low", range(1, 8))
    round_id = await run_round(session_factory, unit, [4, 4, 4, 4])  # below k = 5
    summaries = Summaries(session_factory, BANK, 5, Clock(CLOSES), min_comment_group_size=3)
    summary = await summaries.round_summary(round_id, {unit})
    assert summary.figures is None and summary.comments == []
    assert summary.comment_threshold == 5
    # Hidden figures are not "figures shown, comments held back": the card says too few instead.
    assert not summary.comments_held_back


async def test_a_leader_cannot_see_a_unit_they_do_not_lead(session_factory: SessionFactory) -> None:
    mine = await team_with_members(session_factory, "19:mine", range(1, 7))
    theirs = await team_with_members(session_factory, "19:theirs", range(10, 17))
    round_id = await run_round(session_factory, theirs, [4] * 6)
    summaries = Summaries(session_factory, BANK, 5, Clock(CLOSES))
    with pytest.raises(NotAllowed):
        await summaries.round_summary(round_id, {mine})
    with pytest.raises(NotAllowed):
        await summaries.period_summary(theirs, period_of(CLOSES), {mine})
    with pytest.raises(NotAllowed):
        await summaries.record_action(theirs, None, "Noget", {mine})
    assert await summaries.choices({mine}) == []
    assert await summaries.export_rows({mine}) == []  # an employee sees nothing: no units


async def test_department_waits_for_month_end_and_uses_complementary_suppression(
    session_factory: SessionFactory,
) -> None:
    a = await team_with_members(session_factory, "19:a", range(1, 8))
    b = await team_with_members(session_factory, "19:b", range(10, 17))
    c = await team_with_members(session_factory, "19:c", range(20, 24))
    dept = await department(session_factory, a, b, c)
    await run_round(session_factory, a, [4] * 6)
    await run_round(session_factory, b, [2] * 6)
    await run_round(session_factory, c, [1, 1])  # below k
    period = period_of(CLOSES)
    visible = {a, b, c, dept}
    during = Summaries(session_factory, BANK, 5, Clock(CLOSES + timedelta(days=1)))
    assert (
        await during.period_summary(dept, period, visible)
    ).suppressed is Suppression.PERIOD_OPEN
    after = Summaries(session_factory, BANK, 5, Clock(datetime(2026, 12, 1, tzinfo=UTC)))
    summary = await after.period_summary(dept, period, visible)
    # 14 answers, but 14 − 6 − 6 = 2 would be team c: the department is suppressed too.
    assert summary.figures is None and summary.suppressed is Suppression.COMPLEMENTARY
    exported = await after.export_rows(visible)
    assert {row["unit"] for row in exported} == {"Team"}
    assert {row["responses"] for row in exported} == {6}


async def test_department_shown_when_no_small_remainder(session_factory: SessionFactory) -> None:
    a = await team_with_members(session_factory, "19:a", range(1, 8), name="Team A")
    b = await team_with_members(session_factory, "19:b", range(10, 17), name="Team B")
    dept = await department(session_factory, a, b)
    round_a = await run_round(session_factory, a, [4] * 6)
    await run_round(session_factory, b, [2] * 5)
    after = Summaries(session_factory, BANK, 5, Clock(datetime(2026, 12, 1, tzinfo=UTC)))
    summary = await after.period_summary(dept, period_of(CLOSES), {dept, a, b})
    assert summary.figures is not None and summary.figures.responses == 11
    team = await after.round_summary(round_a, {a})
    assert team.parent is not None and team.parent.unit_name == "Område Syd"
    assert team.parent.scores is not None


async def test_recorded_action_adds_the_follow_up_to_the_next_pulse(
    session_factory: SessionFactory,
) -> None:
    unit = await team_with_members(session_factory, "19:act", range(1, 7))
    round_id = await run_round(session_factory, unit, [3] * 5)
    summaries = Summaries(session_factory, BANK, 5, Clock(CLOSES))
    await summaries.record_action(unit, round_id, "  Fast tavlemøde   hver mandag ", {unit})
    summary = await summaries.round_summary(round_id, {unit})
    assert summary.actions == ["Fast tavlemøde hver mandag"]
    rounds = Rounds(session_factory, BANK, TEST_SECRET)
    following = await rounds.create(unit, CLOSES, CLOSES + timedelta(days=3), None, "hr")
    assert following.items[-1] == "fu1" and len(following.items) == 6
    after = await rounds.create(unit, CLOSES, CLOSES + timedelta(days=3), None, "hr")
    assert "fu1" not in after.items  # asked once per recorded action


async def test_hr_csv_export_holds_only_released_figures(
    session_factory: SessionFactory, database_url: str, tmp_path
) -> None:
    from bot.cli.results import export_csv
    from tests.conftest import make_settings

    a = await team_with_members(session_factory, "19:ea", range(1, 8), name="Team A")
    c = await team_with_members(session_factory, "19:ec", range(20, 24), name="Team C")
    await run_round(session_factory, a, [4] * 5)
    await run_round(session_factory, c, [1, 1, 1])
    settings = make_settings(tmp_path / "unused.db", BOT_DATABASE_URL=database_url)
    # November is not over on this clock, so no unit month is released (only Team A's round).
    text = await export_csv(settings, Clock(CLOSES + timedelta(days=1)))
    lines = text.strip().splitlines()
    assert lines[0] == "period,unit,figure,responses,eligible,dimension,answers,score"
    assert len(lines) == 1 + 5  # five dimensions of Team A's round
    assert all(",Team A,round 1,5,7," in line for line in lines[1:])
    assert "Team C" not in text
