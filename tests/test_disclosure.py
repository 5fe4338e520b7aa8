"""Rules 3 and 4: the disclosure function, and an auditor that tries every subtraction.

The auditor does not reuse the function's reasoning: it takes every figure that is shown to
anyone, as a set of rounds, and asks by exact linear algebra whether any group of fewer than k
answers can be obtained by adding and subtracting shown figures.
"""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from storage.disclosure import (
    Release,
    RoundFacts,
    Suppression,
    release,
    round_decision,
)
from storage.question_bank import default_bank
from tests.support.figure_audit import Audit, AuditRound

BANK = default_bank()
DIMENSIONS = ["trust_colleagues", "justice", "wellbeing", "workload", "follow_up"]
asked = st.dictionaries(st.sampled_from(DIMENSIONS), st.integers(1, 2), min_size=1, max_size=4)


def synthetic_audit(rounds: list[RoundFacts], seed: int) -> Audit:
    """Rounds with answers made up for the auditor: each dimension asked as often as `asked`
    says, with its own items, so a round's dimensions are told apart as on a card."""
    chooser = random.Random(seed)
    audit = Audit(BANK, {})
    for facts in rounds:
        items: list[str] = []
        for dimension, count in facts.asked.items():
            items += [i.id for i in BANK.all_items() if i.dimension == dimension][:count]
        if not items:  # facts without dimensions (tests of counts alone): one question
            items = ["tk1"]
        answers = [
            {item: chooser.choice(list(BANK.scale_of(item).values())) for item in items}
            for _ in range(facts.responses)
        ]
        audit.rounds[facts.round_id] = AuditRound(
            facts.round_id, facts.ancestry[0], 1, "p", tuple(facts.ancestry), tuple(items), answers
        )
    return audit


def add_shown(audit: Audit, decision: Release) -> None:
    """Each shown figure as the auditor reads its key, from the rounds' own ancestry."""
    for key in sorted(decision.shown):
        if key[0] == "round":
            inside = [audit.rounds[key[1]]]
        else:
            inside = [r for r in audit.rounds.values() if key[1] in r.chain]
        if len(key) == 2:
            audit.add_count(str(key), inside, sum(r.responses for r in inside))
        dimensions = [key[2]] if len(key) == 3 else []
        if key[0] == "round":
            dimensions = sorted({BANK.item(i).dimension for i in inside[0].items})
        for dimension in dimensions:
            row = audit.true_distribution(inside, dimension)
            audit.add_distribution(f"{key} {dimension}", inside, dimension, row)
        assert decision.sizes[key] >= decision.k  # rule 3 on its own


@st.composite
def periods(draw: st.DrawFn) -> tuple[list[RoundFacts], int, bool]:
    units = draw(st.integers(1, 7))
    parents = [None] + [draw(st.integers(0, i - 1)) for i in range(1, units)]
    moved_parent = {u: draw(st.integers(0, max(0, u - 1))) for u in range(1, units)}

    def chain(unit: int, moved: bool) -> list[str]:
        result = []
        current: int | None = unit
        first = True
        while current is not None:
            result.append(f"u{current}")
            parent = parents[current]
            if first and moved and current > 0:
                parent = moved_parent[current]  # the unit was moved during the month
            first = False
            current = parent
        return result

    rounds = []
    for number in range(draw(st.integers(0, 9))):
        unit = draw(st.integers(0, units - 1))
        moved = draw(st.booleans()) and draw(st.booleans())
        rounds.append(
            RoundFacts(
                f"r{number}",
                chain(unit, moved),
                draw(st.integers(0, 12)),
                {
                    d: min(n, sum(i.dimension == d for i in BANK.all_items()))
                    for d, n in draw(asked).items()
                },
            )
        )
    return rounds, draw(st.sampled_from([3, 4, 5])), draw(st.booleans())


@settings(max_examples=300, deadline=None)
@given(periods(), st.integers(0, 1000))
def test_no_sum_or_difference_of_shown_figures_isolates_fewer_than_k(period, seed) -> None:
    """Per figure: rounds ask different dimensions, some two questions of one."""
    rounds, k, complete = period
    audit = synthetic_audit(rounds, seed)
    add_shown(audit, release(rounds, k, period_complete=complete))
    assert audit.mismatches == []
    assert audit.leaks(k) == []


def test_department_minus_teams_is_suppressed_complementarily() -> None:
    """Three teams of 6, 6 and 2 answers: the department (14) minus the two shown teams is 2."""
    rounds = [
        RoundFacts("a", ["team-a", "dept"], 6),
        RoundFacts("b", ["team-b", "dept"], 6),
        RoundFacts("c", ["team-c", "dept"], 2),
    ]
    result = release(rounds, 5, period_complete=True)
    assert result.reason(("round", "c")) is Suppression.TOO_FEW
    # Rounds stay released; the team aggregates and the department cannot all be shown.
    assert result.is_shown(("round", "a")) and result.is_shown(("round", "b"))
    assert not result.is_shown(("unit", "dept"))
    assert result.reason(("unit", "dept")) is Suppression.COMPLEMENTARY
    audit = synthetic_audit(rounds, 1)
    add_shown(audit, result)
    assert audit.leaks(5) == []


def test_the_auditor_catches_a_naive_release() -> None:
    """Showing every figure with k answers (rule 3 only) leaks the small team: the auditor sees it."""
    rounds = [
        RoundFacts("a", ["team-a", "dept"], 6),
        RoundFacts("b", ["team-b", "dept"], 6),
        RoundFacts("c", ["team-c", "dept"], 2),
    ]
    naive = Release(k=5, sizes={("round", "a"): 6, ("round", "b"): 6, ("unit", "dept"): 14})
    naive.shown = set(naive.sizes)
    audit = synthetic_audit(rounds, 1)
    add_shown(audit, naive)
    assert [found for found, _ in audit.leaks(5)] == [{"c"}]


def test_a_department_whose_teams_asked_different_dimensions() -> None:
    """The outsider's example: A 10 (wellbeing), B 3 (wellbeing), C 3 (workload), k = 5."""
    social = {"trust_colleagues": 1, "justice": 1}
    rounds = [
        RoundFacts("a", ["A", "D"], 10, {**social, "wellbeing": 1}),
        RoundFacts("b", ["B", "D"], 3, {**social, "wellbeing": 1}),
        RoundFacts("c", ["C", "D"], 3, {**social, "workload": 1}),
    ]
    result = release(rounds, 5, period_complete=True)
    assert result.dimensions_shown("D") == {"trust_colleagues", "justice"}
    assert result.reason(("unit", "D", "workload")) is Suppression.TOO_FEW
    assert result.reason(("unit", "D", "wellbeing")) is Suppression.COMPLEMENTARY
    assert result.sizes[("unit", "D")] == 16 and result.sizes[("unit", "D", "wellbeing")] == 13
    audit = synthetic_audit(rounds, 2)
    add_shown(audit, result)
    assert audit.leaks(5) == []


def test_counts_that_cross_between_dimensions_are_caught() -> None:
    """Three hidden teams of 3, each pair asked one dimension together: every figure holds 6,
    yet the three pairs' counts solve each team's. The release must not show all three."""
    rounds = [
        RoundFacts("x", ["X", "D"], 3, {"trust_colleagues": 1, "justice": 1}),
        RoundFacts("y", ["Y", "D"], 3, {"trust_colleagues": 1, "wellbeing": 1}),
        RoundFacts("z", ["Z", "D"], 3, {"justice": 1, "wellbeing": 1}),
    ]
    naive = Release(k=5)
    for key in (
        ("unit", "D", "trust_colleagues"),
        ("unit", "D", "justice"),
        ("unit", "D", "wellbeing"),
    ):
        naive.sizes[key] = 6
        naive.shown.add(key)
    audit = synthetic_audit(rounds, 3)
    add_shown(audit, naive)
    assert audit.leaks(5)
    result = release(rounds, 5, period_complete=True)
    checked = synthetic_audit(rounds, 3)
    add_shown(checked, result)
    assert checked.leaks(5) == []


def test_unit_aggregates_wait_for_the_month_to_end() -> None:
    rounds = [RoundFacts("a", ["team-a", "dept"], 6), RoundFacts("b", ["team-b", "dept"], 7)]
    open_month = release(rounds, 5, period_complete=False)
    assert open_month.is_shown(("round", "a"))
    assert open_month.reason(("unit", "dept")) is Suppression.PERIOD_OPEN
    assert release(rounds, 5, period_complete=True).is_shown(("unit", "dept"))


def test_a_unit_moved_during_the_month_gets_no_aggregate() -> None:
    rounds = [
        RoundFacts("a1", ["team-a", "dept-1", "org"], 6),
        RoundFacts("a2", ["team-a", "dept-2", "org"], 6),
        RoundFacts("b", ["team-b", "dept-1", "org"], 6),
    ]
    result = release(rounds, 5, period_complete=True)
    assert result.reason(("unit", "team-a")) is Suppression.HIERARCHY_CHANGED
    assert result.is_shown(("unit", "org"))


# --- large periods: rule 3, the rounds, and an order-free decision -----------------------------


@st.composite
def big_periods(draw: st.DrawFn) -> tuple[list[RoundFacts], int, bool]:
    """Deeper trees and more rounds than the auditor can afford, many of them small."""
    units = draw(st.integers(1, 40))
    parents = [None] + [draw(st.integers(0, i - 1)) for i in range(1, units)]

    def chain(unit: int) -> list[str]:
        result, current = [], unit
        while current is not None:
            result.append(f"u{current:02d}")
            current = parents[current]
        return result

    rounds = [
        RoundFacts(f"r{n:03d}", chain(draw(st.integers(0, units - 1))), draw(st.integers(0, 9)))
        for n in range(draw(st.integers(0, 80)))
    ]
    return rounds, draw(st.sampled_from([3, 5])), draw(st.booleans())


@settings(max_examples=150, deadline=None)
@given(st.one_of(periods(), big_periods()), st.randoms(use_true_random=False))
def test_release_is_rule_3_per_figure_and_does_not_depend_on_the_order_read(
    period, shuffler: random.Random
) -> None:
    rounds, k, complete = period
    decision = release(rounds, k, period_complete=complete)
    for key in decision.shown:
        assert decision.sizes[key] >= k
    shuffled = list(rounds)
    shuffler.shuffle(shuffled)
    again = release(shuffled, k, period_complete=complete)
    assert again.shown == decision.shown and again.reasons == decision.reasons
    for facts in rounds:  # a round is decided by its own size alone
        key = ("round", facts.round_id)
        assert round_decision(facts.responses, k) == decision.reason(key)
        assert (round_decision(facts.responses, k) is None) == decision.is_shown(key)
