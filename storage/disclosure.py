"""Rules 3 and 4 at read time: which figures may be shown, and in plain words why the others not.

Every reader of results (summary cards, the HR export) goes through `release`. It works on the
figures of one period (a calendar month): each closed round is a figure, and so is each unit's
aggregate of the rounds below it. Figures are sets of rounds and the hierarchy makes them nested
or disjoint, so everything anyone could compute by adding and subtracting shown figures is a sum
of "regions": a shown figure minus the largest shown figures inside it. A region that holds some
answers but fewer than k would isolate a small group, so a figure is suppressed until no such
region is left (complementary suppression, computed rather than hoped for).

Released rounds stay released: a round's figures are shown when it closes with at least k
answers, before the month is over, so later suppression may only ever remove unit aggregates.
Unit aggregates wait for the month to end, otherwise two views of the same month (before and
after another team's round closed) could be subtracted from each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

NodeKey = tuple[str, str]  # ("round", round id) or ("unit", unit id)


class Suppression(StrEnum):
    TOO_FEW = "too_few"  # fewer than k answers
    COMPLEMENTARY = "complementary"  # could be subtracted from another figure
    PERIOD_OPEN = "period_open"  # a unit aggregate for a month that is not over
    HIERARCHY_CHANGED = "hierarchy_changed"  # the unit moved during the month


@dataclass(frozen=True)
class RoundFacts:
    """What disclosure needs to know about a closed round: where it sat, and how many answered."""

    round_id: str
    ancestry: Sequence[str]  # the round's unit first, then its parents up to the root
    responses: int


@dataclass
class Release:
    """The decision for one period: shown figures, and a reason for each figure not shown."""

    k: int
    sizes: dict[NodeKey, int] = field(default_factory=dict)
    parents: dict[NodeKey, NodeKey | None] = field(default_factory=dict)
    shown: set[NodeKey] = field(default_factory=set)
    reasons: dict[NodeKey, Suppression] = field(default_factory=dict)

    def is_shown(self, key: NodeKey) -> bool:
        return key in self.shown

    def reason(self, key: NodeKey) -> Suppression | None:
        """Why a figure is not shown; None when it is shown (or unknown in this period)."""
        return self.reasons.get(key)


def _round_key(round_id: str) -> NodeKey:
    return ("round", round_id)


def _unit_key(unit_id: str) -> NodeKey:
    return ("unit", unit_id)


def _consistent_units(rounds: Iterable[RoundFacts]) -> tuple[set[str], set[str]]:
    """Units whose position above them was the same for every round of the period, and the rest."""
    above: dict[str, tuple[str, ...]] = {}
    changed: set[str] = set()
    for facts in rounds:
        chain = tuple(facts.ancestry)
        for index, unit in enumerate(chain):
            suffix = chain[index + 1 :]
            if above.setdefault(unit, suffix) != suffix:
                changed.add(unit)
    return set(above) - changed, changed


def _build(rounds: Sequence[RoundFacts], k: int) -> tuple[Release, set[str]]:
    release = Release(k=k)
    consistent, changed = _consistent_units(rounds)
    for facts in rounds:
        key = _round_key(facts.round_id)
        chain = [_unit_key(u) for u in facts.ancestry if u in consistent]
        release.sizes[key] = facts.responses
        release.parents[key] = chain[0] if chain else None
        for index, node in enumerate(chain):
            release.sizes[node] = release.sizes.get(node, 0) + facts.responses
            release.parents[node] = chain[index + 1] if index + 1 < len(chain) else None
    for unit_id in changed:
        release.reasons[_unit_key(unit_id)] = Suppression.HIERARCHY_CHANGED
    return release, changed


def _children(release: Release) -> dict[NodeKey, list[NodeKey]]:
    children: dict[NodeKey, list[NodeKey]] = {key: [] for key in release.sizes}
    for key, parent in release.parents.items():
        if parent is not None:
            children[parent].append(key)
    for keys in children.values():
        keys.sort()
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


def region(release: Release, key: NodeKey, children: dict[NodeKey, list[NodeKey]]) -> int:
    """Answers in a shown figure that no shown figure inside it accounts for."""
    below = _maximal_shown_below(key, children, release.shown)
    return release.sizes[key] - sum(release.sizes[d] for d in below)


def release(rounds: Sequence[RoundFacts], k: int, *, period_complete: bool) -> Release:
    """Decide, for one period, which figures may be shown (the one function every reader uses)."""
    if k < 3:
        raise ValueError("k must be at least 3")
    result, _ = _build(rounds, k)
    for key, size in result.sizes.items():
        if key in result.reasons:
            continue
        if size < k:
            result.reasons[key] = Suppression.TOO_FEW
        elif key[0] == "unit" and not period_complete:
            result.reasons[key] = Suppression.PERIOD_OPEN
        else:
            result.shown.add(key)
    children = _children(result)
    while True:
        offender = next(
            (key for key in sorted(result.shown) if 0 < region(result, key, children) < k),
            None,
        )
        if offender is None:
            return result
        # Prefer hiding the smallest unit figure inside the offender that brings answers of its
        # own; rounds are never hidden again once released. Otherwise hide the offender itself.
        inside = [
            d
            for d in _maximal_shown_below(offender, children, result.shown)
            if d[0] == "unit" and region(result, d, children) > 0
        ]
        victim = min(inside, key=lambda d: (result.sizes[d], d)) if inside else offender
        result.shown.discard(victim)
        result.reasons[victim] = Suppression.COMPLEMENTARY
