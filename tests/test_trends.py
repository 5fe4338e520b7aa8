"""Trends that compare like with like: a question only against the same question asked before.

On a real database (both backends) through real rounds: the items rotate, so round 3's questions
meet their own earlier askings (round 1 or 2), never another question of the same dimension; a
question with no earlier asking has no comparison; an earlier round below k is named as hidden,
is no point of the line, and its counters are not read. A property test over random histories
holds the rule for any rotation and any sizes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from storage.answers.pulse import submit_answer
from storage.db.engine import SessionFactory
from storage.disclosure import Suppression
from storage.question_bank import default_bank
from storage.results.figures import item_score
from storage.results.summaries import Summaries
from storage.results.trends import (
    TREND_POINTS,
    Asking,
    question_trends,
    rounds_to_read,
)
from storage.rounds.lifecycle import Rounds
from tests.conftest import TEST_SECRET
from tests.support.pulse_fixtures import team_with_members

BANK = default_bank()
START = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
K = 5


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def asked_round(
    factory: SessionFactory,
    unit_id: str,
    weeks: int,
    items: list[str],
    values: list[int],
    members: list[str],
) -> str:
    """A round opened `weeks` after START that asks `items`; member n answers values[n] to all."""
    rounds = Rounds(factory, BANK, TEST_SECRET)
    opens = START + timedelta(weeks=weeks)
    info = await rounds.create(unit_id, opens, opens + timedelta(days=3), None, "hr", items)
    await rounds.open_due(opens)
    for user_id, value in zip(members, values, strict=False):
        await submit_answer(
            factory,
            BANK,
            TEST_SECRET,
            info.id,
            user_id,
            {item: value for item in info.items},
            None,
            opens + timedelta(hours=1),
        )
    await rounds.close(info.id, opens + timedelta(days=3))
    return info.id


MEMBERS = [f"29:user-{n}" for n in range(1, 9)]
FIRST = ["tk1", "tl1", "rf1", "sa1", "tr1"]
SECOND = ["tk2", "tl2", "rf2", "sa2", "ba1"]
THIRD = ["tk1", "tl2", "rf3", "sa1", "tr1"]  # tk1, sa1, tr1 as round 1; tl2 as round 2; rf3 new


async def test_each_question_is_compared_with_its_own_last_asking_and_nothing_else(
    session_factory: SessionFactory,
) -> None:
    unit = await team_with_members(session_factory, "19:like", range(1, 9))
    await asked_round(session_factory, unit, 0, FIRST, [3] * 6, MEMBERS)  # every score 50
    await asked_round(session_factory, unit, 2, SECOND, [5] * 6, MEMBERS)  # every score 100
    third = await asked_round(session_factory, unit, 4, THIRD, [4] * 6, MEMBERS)  # 75
    summaries = Summaries(session_factory, BANK, K, Clock(START + timedelta(weeks=6)))
    summary = await summaries.round_summary(third, {unit})
    trends = {trend.item_id: trend for trend in summary.question_trends}
    assert list(trends) == THIRD
    # tk1 was asked in round 1 (50), not in round 2; round 2's tk2 (100) is another question.
    tk1 = trends["tk1"]
    assert [(p.sequence, p.score) for p in tk1.points] == [(1, 50.0), (3, 75.0)]
    assert tk1.last_asked is not None and tk1.last_asked.sequence == 1
    assert tk1.last_asked.suppressed is None and tk1.change == 25.0
    # tl2 was asked in round 2 (100): compared with that, not with round 1's tl1.
    tl2 = trends["tl2"]
    assert [(p.sequence, p.score) for p in tl2.points] == [(2, 100.0), (3, 75.0)]
    assert tl2.change == -25.0
    assert tl2.last_asked is not None and tl2.last_asked.closes_at == START + timedelta(
        weeks=2, days=3
    )
    # rf3 was never asked before: no earlier point, nothing named as the last asking.
    rf3 = trends["rf3"]
    assert len(rf3.points) == 1 and rf3.last_asked is None and rf3.compared is None
    assert rf3.change is None
    # The dimension trend of before set round 3's justice (rf3) against round 1's rf1: the very
    # comparison of different questions the question trend does not make.
    assert [p.label for p in summary.trend] == ["1", "2", "3"]


async def test_an_earlier_round_below_k_is_named_hidden_and_never_a_point(
    session_factory: SessionFactory,
) -> None:
    unit = await team_with_members(session_factory, "19:hidden", range(1, 9))
    first = await asked_round(session_factory, unit, 0, FIRST, [2] * 6, MEMBERS)  # score 25
    few = await asked_round(session_factory, unit, 2, FIRST, [5] * 3, MEMBERS)  # 3 < k
    third = await asked_round(session_factory, unit, 4, FIRST, [4] * 6, MEMBERS)
    summaries = Summaries(session_factory, BANK, K, Clock(START + timedelta(weeks=6)))
    summary = await summaries.round_summary(third, {unit})
    for trend in summary.question_trends:
        assert trend.last_asked is not None
        assert trend.last_asked.sequence == 2
        assert trend.last_asked.suppressed is Suppression.TOO_FEW
        # The line and the comparison skip the hidden round: round 1, then this one.
        assert [p.sequence for p in trend.points] == [1, 3]
        assert trend.compared is not None and trend.compared.score == 25.0
        assert 100.0 not in [p.score for p in trend.points]
    # The hidden round's counters are not even read for the trend.
    earlier = [
        Asking(few, 2, START, 3, tuple(FIRST)),
        Asking(first, 1, START, 6, tuple(FIRST)),
    ]
    this = Asking(third, 3, START, 6, tuple(FIRST))
    assert rounds_to_read(BANK, this, earlier, K) == [third, first]


async def test_only_hidden_earlier_askings_leave_nothing_to_compare(
    session_factory: SessionFactory,
) -> None:
    unit = await team_with_members(session_factory, "19:only-hidden", range(1, 9))
    await asked_round(session_factory, unit, 0, FIRST, [5] * 4, MEMBERS)  # 4 < k
    second = await asked_round(session_factory, unit, 2, FIRST, [4] * 6, MEMBERS)
    summaries = Summaries(session_factory, BANK, K, Clock(START + timedelta(weeks=6)))
    summary = await summaries.round_summary(second, {unit})
    assert summary.question_trends
    for trend in summary.question_trends:
        assert trend.last_asked is not None and trend.last_asked.suppressed is Suppression.TOO_FEW
        assert len(trend.points) == 1 and trend.compared is None


async def test_a_hidden_round_has_no_question_trend(session_factory: SessionFactory) -> None:
    unit = await team_with_members(session_factory, "19:this-hidden", range(1, 9))
    await asked_round(session_factory, unit, 0, FIRST, [4] * 6, MEMBERS)
    few = await asked_round(session_factory, unit, 2, FIRST, [4] * 2, MEMBERS)
    summaries = Summaries(session_factory, BANK, K, Clock(START + timedelta(weeks=6)))
    summary = await summaries.round_summary(few, {unit})
    assert summary.figures is None and summary.question_trends == []


async def test_the_follow_up_question_and_a_long_history_are_bounded(
    session_factory: SessionFactory,
) -> None:
    unit = await team_with_members(session_factory, "19:long", range(1, 9))
    last = ""
    for week in range(6):
        items = ["tk1", "tl1", "rf1", "fu1"]
        last = await asked_round(session_factory, unit, week, items, [4] * 6, MEMBERS)
    summaries = Summaries(session_factory, BANK, K, Clock(START + timedelta(weeks=8)))
    summary = await summaries.round_summary(last, {unit})
    # The follow-up question has no history of its own (a new agreed action each time).
    assert [trend.item_id for trend in summary.question_trends] == ["tk1", "tl1", "rf1"]
    for trend in summary.question_trends:
        assert [p.sequence for p in trend.points] == [3, 4, 5, 6][-TREND_POINTS:]
        assert trend.last_asked is not None and trend.last_asked.sequence == 5


SCORE = lambda item_id, values: item_score(BANK, item_id, values)  # noqa: E731
ITEMS = ["tk1", "tk2", "tl1", "rf1"]


@st.composite
def histories(draw: st.DrawFn) -> tuple[Asking, list[Asking], dict[str, dict[str, dict[int, int]]]]:
    n = draw(st.integers(min_value=0, max_value=8))
    earlier = []
    counts: dict[str, dict[str, dict[int, int]]] = {}
    for index in range(n):
        items = tuple(draw(st.lists(st.sampled_from(ITEMS), min_size=1, max_size=3, unique=True)))
        responses = draw(st.integers(min_value=0, max_value=9))
        round_id = f"r{index}"
        earlier.append(
            Asking(round_id, n - index, START - timedelta(weeks=index + 1), responses, items)
        )
        counts[round_id] = {
            item: {draw(st.integers(1, 5)): responses} for item in items if responses
        }
    this = Asking("now", n + 1, START, draw(st.integers(min_value=K, max_value=9)), tuple(ITEMS))
    counts["now"] = {item: {4: this.responses} for item in ITEMS}
    return this, earlier, counts


@given(histories())
def test_no_point_from_a_hidden_round_and_only_the_same_question(
    history: tuple[Asking, list[Asking], dict[str, dict[str, dict[int, int]]]],
) -> None:
    """Whatever counters are passed in (even a hidden round's), a point is the same question
    in a shown round, the comparison is its newest shown earlier asking, and the last asking
    named is the newest round that asked it."""
    this, earlier, counts = history
    by_sequence = {asking.sequence: asking for asking in [this, *earlier]}
    for trend in question_trends(BANK, this, earlier, counts, K, SCORE):
        assert trend.points[-1].sequence == this.sequence
        assert len(trend.points) <= TREND_POINTS
        for point in trend.points:
            asking = by_sequence[point.sequence]
            assert trend.item_id in asking.items and asking.responses >= K
        asked = [a for a in earlier if trend.item_id in a.items]
        shown = [a for a in asked if a.responses >= K]
        if trend.compared is None:
            assert not shown
        else:
            assert trend.compared.sequence == shown[0].sequence
        if asked:
            assert trend.last_asked is not None
            assert trend.last_asked.sequence == asked[0].sequence
            hidden = asked[0].responses < K
            assert (trend.last_asked.suppressed is Suppression.TOO_FEW) is hidden
        else:
            assert trend.last_asked is None
        wanted = rounds_to_read(BANK, this, earlier, K)
        assert all(by_id.responses >= K for by_id in earlier if by_id.id in wanted)
