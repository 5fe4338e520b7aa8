"""Rules 3 and 4: the disclosure function, and an auditor that tries every subtraction.

The auditor does not reuse the function's reasoning: it takes every figure that is shown to
anyone, as a set of rounds, and asks by exact linear algebra whether any group of fewer than k
answers can be obtained by adding and subtracting shown figures.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from storage.disclosure import (
    NodeKey,
    Release,
    RoundFacts,
    Suppression,
    release,
    round_decision,
)


def _reduce(basis: list[tuple[int, list[Fraction]]], vector: list[Fraction]) -> list[Fraction]:
    vector = list(vector)
    for pivot, row in basis:
        if vector[pivot]:
            factor = vector[pivot]
            vector = [v - factor * r for v, r in zip(vector, row, strict=True)]
    return vector


def _basis(rows: list[list[Fraction]]) -> list[tuple[int, list[Fraction]]]:
    basis: list[tuple[int, list[Fraction]]] = []
    for row in rows:
        reduced = _reduce(basis, row)
        pivot = next((i for i, v in enumerate(reduced) if v), None)
        if pivot is None:
            continue
        reduced = [v / reduced[pivot] for v in reduced]
        basis = [(p, [a - b * r[pivot] for a, b in zip(r, reduced, strict=True)]) for p, r in basis]
        basis.append((pivot, reduced))
    return basis


def isolatable_small_groups(
    figures: list[frozenset[str]], sizes: dict[str, int], k: int
) -> list[set[str]]:
    """Every union of 'blocks' of rounds with 0 < answers < k that adding/subtracting can isolate."""
    atoms = sorted({a for f in figures for a in f})
    signature = {a: tuple(a in f for f in figures) for a in atoms}
    blocks: dict[tuple[bool, ...], set[str]] = {}
    for atom, sig in signature.items():
        blocks.setdefault(sig, set()).add(atom)
    positive = [b for b in blocks.values() if sum(sizes[a] for a in b) > 0]
    # Blocks without answers are free coordinates: what an attacker adds there reveals nothing.
    rows = [[Fraction(int(any(a in f for a in block))) for block in positive] for f in figures]
    basis = _basis(rows)
    leaks = []
    for size in range(1, k):
        for chosen in combinations(range(len(positive)), size):
            total = sum(sizes[a] for i in chosen for a in positive[i])
            if not 0 < total < k:
                continue
            target = [Fraction(int(i in chosen)) for i in range(len(positive))]
            if not any(_reduce(basis, target)):
                leaks.append(set().union(*(positive[i] for i in chosen)))
    return leaks


def shown_figures(rounds: list[RoundFacts], k: int, complete: bool) -> list[frozenset[str]]:
    result = release(rounds, k, period_complete=complete)
    figures = []
    for kind, key in result.shown:
        if kind == "round":
            figures.append(frozenset({key}))
        else:
            figures.append(frozenset(r.round_id for r in rounds if key in r.ancestry))
    for kind, key in result.shown:  # rule 3 on its own
        assert result.sizes[(kind, key)] >= k
    return figures


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
        rounds.append(RoundFacts(f"r{number}", chain(unit, moved), draw(st.integers(0, 12))))
    return rounds, draw(st.sampled_from([3, 4, 5])), draw(st.booleans())


@settings(max_examples=300, deadline=None)
@given(periods())
def test_no_sum_or_difference_of_shown_figures_isolates_fewer_than_k(period) -> None:
    rounds, k, complete = period
    sizes = {r.round_id: r.responses for r in rounds}
    figures = shown_figures(rounds, k, complete)
    assert isolatable_small_groups(figures, sizes, k) == []


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
    sizes = {r.round_id: r.responses for r in rounds}
    assert isolatable_small_groups(shown_figures(rounds, 5, True), sizes, 5) == []


def test_the_auditor_catches_a_naive_release() -> None:
    """Showing every figure with k answers (rule 3 only) leaks the small team: the auditor sees it."""
    naive = [frozenset({"a"}), frozenset({"b"}), frozenset({"a", "b", "c"})]
    leaks = isolatable_small_groups(naive, {"a": 6, "b": 6, "c": 2}, 5)
    assert leaks == [{"c"}]


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


# --- the step-by-step definition, as it was first written: the fast release must agree with it --


def _reference_build(rounds: list[RoundFacts], k: int) -> Release:
    """Each round walks its own chain of units."""
    above: dict[str, tuple[str, ...]] = {}
    changed: set[str] = set()
    for facts in rounds:
        chain = tuple(facts.ancestry)
        for index, unit in enumerate(chain):
            if above.setdefault(unit, chain[index + 1 :]) != chain[index + 1 :]:
                changed.add(unit)
    result = Release(k=k)
    for facts in rounds:
        key: NodeKey = ("round", facts.round_id)
        nodes: list[NodeKey] = [("unit", u) for u in facts.ancestry if u not in changed]
        result.sizes[key] = facts.responses
        result.parents[key] = nodes[0] if nodes else None
        for index, node in enumerate(nodes):
            result.sizes[node] = result.sizes.get(node, 0) + facts.responses
            result.parents[node] = nodes[index + 1] if index + 1 < len(nodes) else None
    for unit_id in changed:
        result.reasons[("unit", unit_id)] = Suppression.HIERARCHY_CHANGED
    return result


def _children(result: Release) -> dict[NodeKey, list[NodeKey]]:
    children: dict[NodeKey, list[NodeKey]] = {key: [] for key in result.sizes}
    for key, parent in result.parents.items():
        if parent is not None:
            children[parent].append(key)
    return children


def _maximal_shown_below(
    key: NodeKey, children: dict[NodeKey, list[NodeKey]], shown: set[NodeKey]
) -> list[NodeKey]:
    found: list[NodeKey] = []
    stack = list(children[key])
    while stack:
        child = stack.pop()
        if child in shown:
            found.append(child)
        else:
            stack.extend(children[child])
    return sorted(found)


def _region(result: Release, key: NodeKey, children: dict[NodeKey, list[NodeKey]]) -> int:
    below = _maximal_shown_below(key, children, result.shown)
    return result.sizes[key] - sum(result.sizes[d] for d in below)


def reference_release(rounds: list[RoundFacts], k: int, complete: bool) -> Release:
    """Recompute every region after every step: slow, and obviously what the docstring says."""
    result = _reference_build(rounds, k)
    for key, size in result.sizes.items():
        if key in result.reasons:
            continue
        if size < k:
            result.reasons[key] = Suppression.TOO_FEW
        elif key[0] == "unit" and not complete:
            result.reasons[key] = Suppression.PERIOD_OPEN
        else:
            result.shown.add(key)
    children = _children(result)
    while True:
        offender = next(
            (key for key in sorted(result.shown) if 0 < _region(result, key, children) < k),
            None,
        )
        if offender is None:
            return result
        inside = [
            d
            for d in _maximal_shown_below(offender, children, result.shown)
            if d[0] == "unit" and _region(result, d, children) > 0
        ]
        victim = min(inside, key=lambda d: (result.sizes[d], d)) if inside else offender
        result.shown.discard(victim)
        result.reasons[victim] = Suppression.COMPLEMENTARY


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
@given(st.one_of(periods(), big_periods()))
def test_release_decides_exactly_as_the_step_by_step_definition(period) -> None:
    rounds, k, complete = period
    fast = release(rounds, k, period_complete=complete)
    slow = reference_release(rounds, k, complete)
    assert fast.shown == slow.shown
    assert fast.reasons == slow.reasons
    assert fast.sizes == slow.sizes and fast.parents == slow.parents
    for facts in rounds:  # a round is decided by its own size alone
        key = ("round", facts.round_id)
        assert round_decision(facts.responses, k) == fast.reason(key)
        assert (round_decision(facts.responses, k) is None) == fast.is_shown(key)
