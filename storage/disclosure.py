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

import heapq
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


def _consistent_units(chains: Iterable[tuple[str, ...]]) -> tuple[set[str], set[str]]:
    """Units whose position above them was the same for every round of the period, and the rest."""
    above: dict[str, tuple[str, ...]] = {}
    changed: set[str] = set()
    for chain in chains:
        for index, unit in enumerate(chain):
            suffix = chain[index + 1 :]
            if above.setdefault(unit, suffix) != suffix:
                changed.add(unit)
    return set(above) - changed, changed


def _build(rounds: Sequence[RoundFacts], k: int) -> tuple[Release, set[str]]:
    release = Release(k=k)
    # Rounds under the same chain of units (a team's rounds in a month) share their walk up it.
    answers: dict[tuple[str, ...], int] = {}
    for facts in rounds:
        chain = tuple(facts.ancestry)
        answers[chain] = answers.get(chain, 0) + facts.responses
    consistent, changed = _consistent_units(answers)
    first: dict[tuple[str, ...], NodeKey | None] = {}
    for chain, responses in answers.items():
        nodes = [_unit_key(u) for u in chain if u in consistent]
        first[chain] = nodes[0] if nodes else None
        for index, node in enumerate(nodes):
            release.sizes[node] = release.sizes.get(node, 0) + responses
            release.parents[node] = nodes[index + 1] if index + 1 < len(nodes) else None
    for facts in rounds:
        key = _round_key(facts.round_id)
        release.sizes[key] = facts.responses
        release.parents[key] = first[tuple(facts.ancestry)]
    for unit_id in changed:
        release.reasons[_unit_key(unit_id)] = Suppression.HIERARCHY_CHANGED
    return release, changed


def round_decision(responses: int, k: int) -> Suppression | None:
    """A round's own figure, decided without the rest of its period: None when it is shown.

    `release` never hides a round for any reason but its size: a round has nothing below it, so
    its region is its size and it can never be an offender, and victims are unit figures or
    the offender itself. Readers that need only rounds (a team's card, its trend) ask this,
    rather than deciding a whole organisation's month; tests/test_disclosure.py checks that it
    agrees with `release` on every period it generates.
    """
    if k < 3:
        raise ValueError("k must be at least 3")
    return None if responses >= k else Suppression.TOO_FEW


def release(rounds: Sequence[RoundFacts], k: int, *, period_complete: bool) -> Release:
    """Decide, for one period, which figures may be shown (the one function every reader uses).

    Complementary suppression repeats one step until nothing is left to do: take the first shown
    figure (in key order) whose region holds answers but fewer than k, and hide the smallest
    unit figure inside it that brings answers of its own, or else the figure itself. Hiding a
    figure changes only one region, that of its nearest shown ancestor, which adds the hidden
    figure's region to its own; so the regions are kept up to date step by step, and the next
    offender comes off a heap, instead of recomputing every region after every step (which
    took seconds for the month of a large organisation).
    """
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
    shown = result.shown
    parents = result.parents

    def nearest_shown_above(key: NodeKey) -> NodeKey | None:
        current = parents.get(key)
        seen = 0
        while current is not None and current not in shown:
            current = parents.get(current)
            seen += 1
            if seen > len(parents):  # cannot happen: _build makes chains, never cycles
                return None
        return current

    above: dict[NodeKey, NodeKey | None] = {}
    below: dict[NodeKey, set[NodeKey]] = {key: set() for key in shown}
    for key in shown:
        holder = above[key] = nearest_shown_above(key)
        if holder is not None:
            below[holder].add(key)
    regions = {key: result.sizes[key] - sum(result.sizes[d] for d in below[key]) for key in shown}
    offenders = [key for key in shown if 0 < regions[key] < k]
    heapq.heapify(offenders)
    while offenders:
        offender = offenders[0]
        if offender not in shown or not 0 < regions[offender] < k:
            heapq.heappop(offenders)  # settled since it was pushed
            continue
        # Prefer hiding the smallest unit figure inside the offender that brings answers of its
        # own; rounds are never hidden again once released. Otherwise hide the offender itself.
        inside = [d for d in below[offender] if d[0] == "unit" and regions[d] > 0]
        victim = min(inside, key=lambda d: (result.sizes[d], d)) if inside else offender
        shown.discard(victim)
        result.reasons[victim] = Suppression.COMPLEMENTARY
        holder = above.pop(victim)
        moved = below.pop(victim)
        gained = regions.pop(victim)
        for key in moved:
            above[key] = holder
        if holder is not None:
            below[holder].discard(victim)
            below[holder].update(moved)
            regions[holder] += gained
            if 0 < regions[holder] < k:
                heapq.heappush(offenders, holder)
    return result
