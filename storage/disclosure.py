"""Rules 3 and 4 at read time: which figures may be shown, and in plain words why the others not.

Every reader of results (summary cards, their parent comparison and trend, the HR export) goes
through `release`. It decides per *figure*, not per round, because a round does not ask every
dimension (wellbeing and workload take turns, the follow-up item is asked only after an agreed
action, HR may choose the items), so a unit's month holds different answers per dimension.

A figure is a set of answers, written as the rounds it takes answers from:
- ("round", id): every figure of one closed round (its dimensions, its answer count);
- ("unit", id): a unit's month, its answer count and response rate (every round below it);
- ("unit", id, dimension): a unit's month, one dimension's distribution and score (the rounds
  below it that asked that dimension, each weighted by how many of its questions it asked).

What anyone can compute by adding and subtracting shown figures is, per round, the same linear
function of that round's answers for every round that lies in exactly the same shown figures
with the same weights. So the rounds fall into "atoms" (rounds with the same membership), and
every derivable number is a combination of whole atoms. An atom with some but fewer than k
answers could be isolated; a unit figure around it is hidden until none is left (complementary
suppression, computed rather than hoped for). tests/test_disclosure_audit.py proves the result
by exact linear algebra over (round, question, value) cells, without this module's reasoning.

Released rounds stay released: a round's figures are shown when it closes with at least k
answers, before the month is over, so later suppression only ever removes unit figures. Unit
figures wait for the month to end, otherwise two views of the same month (before and after
another team's round closed) could be subtracted from each other.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

FigureKey = tuple[str, ...]  # ("round", id) | ("unit", id) | ("unit", id, dimension)
NodeKey = FigureKey  # the older name, kept for readers that only ask rounds and units


class Suppression(StrEnum):
    TOO_FEW = "too_few"  # fewer than k answers
    COMPLEMENTARY = "complementary"  # could be subtracted from another figure
    PERIOD_OPEN = "period_open"  # a unit aggregate for a month that is not over
    HIERARCHY_CHANGED = "hierarchy_changed"  # the unit moved during the month


@dataclass(frozen=True)
class RoundFacts:
    """What disclosure needs to know about a closed round: where it sat, how many answered,
    and how many questions of each dimension it asked."""

    round_id: str
    ancestry: Sequence[str]  # the round's unit first, then its parents up to the root
    responses: int
    asked: Mapping[str, int] = field(default_factory=dict)  # dimension → questions asked


@dataclass
class Release:
    """The decision for one period: shown figures, and a reason for each figure not shown."""

    k: int
    sizes: dict[FigureKey, int] = field(default_factory=dict)  # answers each figure is made of
    shown: set[FigureKey] = field(default_factory=set)
    reasons: dict[FigureKey, Suppression] = field(default_factory=dict)
    _by_unit: dict[str, list[FigureKey]] = field(default_factory=dict, repr=False)

    def is_shown(self, key: FigureKey) -> bool:
        return key in self.shown

    def reason(self, key: FigureKey) -> Suppression | None:
        """Why a figure is not shown; None when it is shown (or unknown in this period).

        A unit's dimension that was never decided on its own has its unit month's reason."""
        found = self.reasons.get(key)
        if found is None and len(key) == 3 and key not in self.shown:
            return self.reasons.get(key[:2])
        return found

    def _dimensions(self, unit_id: str) -> list[FigureKey]:
        """The dimension figures of a unit's month (indexed once: a month has thousands)."""
        if not self._by_unit:
            for key in self.sizes:
                if len(key) == 3:
                    self._by_unit.setdefault(key[1], []).append(key)
        return self._by_unit.get(unit_id, [])

    def withheld(self, unit_id: str) -> dict[str, Suppression]:
        """The dimensions asked below a shown unit month that are not shown, with the reason."""
        if ("unit", unit_id) not in self.shown:
            return {}
        return {
            key[2]: self.reasons[key] for key in self._dimensions(unit_id) if key in self.reasons
        }

    def dimensions_shown(self, unit_id: str) -> set[str]:
        """The dimensions of a unit's month that may be shown (none unless the month is)."""
        if ("unit", unit_id) not in self.shown:
            return set()
        return {key[2] for key in self._dimensions(unit_id) if key in self.shown}


def round_key(round_id: str) -> FigureKey:
    return ("round", round_id)


def unit_key(unit_id: str, dimension: str | None = None) -> FigureKey:
    return ("unit", unit_id) if dimension is None else ("unit", unit_id, dimension)


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


def round_decision(responses: int, k: int) -> Suppression | None:
    """A round's own figures, decided without the rest of its period: None when they are shown.

    `release` never hides a round for any reason but its size: a shown round is an atom of its
    own (no other figure is only that round), so it can never be isolated from anything smaller
    than itself, and victims are always unit figures. Readers that need only rounds (a team's
    card, its trend) ask this rather than deciding a whole organisation's month;
    tests/test_disclosure.py checks that it agrees with `release`.
    """
    if k < 3:
        raise ValueError("k must be at least 3")
    return None if responses >= k else Suppression.TOO_FEW


Signature = frozenset[tuple[FigureKey, int]]


class _Atoms:
    """The unshown rounds grouped by the shown unit figures they lie in (with their weights).

    Offending atoms come off a heap in one fixed order (lazily: an entry is checked when it
    comes up), so the decision does not depend on the order the rounds were read in."""

    def __init__(
        self, members: dict[str, dict[FigureKey, int]], responses: dict[str, int], k: int
    ) -> None:
        self._members = members
        self._responses = responses
        self._k = k
        self.of: dict[str, Signature] = {}
        self.size: dict[Signature, int] = {}
        self._rounds: dict[Signature, int] = {}
        self._heap: list[tuple[tuple[tuple[FigureKey, int], ...], Signature]] = []

    def place(self, round_id: str, shown: set[FigureKey]) -> None:
        old = self.of.get(round_id)
        if old is not None:
            self.size[old] -= self._responses[round_id]
            self._rounds[old] -= 1
            if not self._rounds[old]:  # rounds without answers keep an atom of size 0
                del self.size[old], self._rounds[old]
            self._watch(old)
        new = frozenset((key, w) for key, w in self._members[round_id].items() if key in shown)
        self.of[round_id] = new
        self.size[new] = self.size.get(new, 0) + self._responses[round_id]
        self._rounds[new] = self._rounds.get(new, 0) + 1
        self._watch(new)

    def _watch(self, sig: Signature) -> None:
        if sig and 0 < self.size.get(sig, 0) < self._k:
            heapq.heappush(self._heap, (tuple(sorted(sig)), sig))

    def next_offender(self) -> Signature | None:
        while self._heap:
            _, sig = self._heap[0]
            if 0 < self.size.get(sig, 0) < self._k:
                return sig
            heapq.heappop(self._heap)
        return None


def release(rounds: Sequence[RoundFacts], k: int, *, period_complete: bool) -> Release:
    """Decide, for one period, which figures may be shown (the one function every reader uses).

    Rule 3 first: a figure with fewer than k answers is hidden. Then rule 4 repeats one step
    until no atom (see the module docstring) holds between 1 and k−1 answers: take the offending
    atom that sorts first, and hide one unit figure it lies in: one whose removal merges it with
    enough answers if there is one, else the smallest. Hiding a unit's month hides its
    dimensions too. Only the rounds of the hidden figure change atoms, so each step is local.
    """
    if k < 3:
        raise ValueError("k must be at least 3")
    result = Release(k=k)
    sizes = result.sizes
    consistent, changed = _consistent_units(tuple(f.ancestry) for f in rounds)
    members: dict[str, dict[FigureKey, int]] = {}
    responses: dict[str, int] = {}
    for facts in rounds:
        sizes[round_key(facts.round_id)] = facts.responses
        responses[facts.round_id] = facts.responses
        inside: dict[FigureKey, int] = {}
        for unit in dict.fromkeys(facts.ancestry):
            if unit not in consistent:
                continue
            inside[unit_key(unit)] = 1
            for dimension, count in facts.asked.items():
                if count > 0:
                    inside[unit_key(unit, dimension)] = count
        for key in inside:
            sizes[key] = sizes.get(key, 0) + facts.responses
        members[facts.round_id] = inside
    for unit_id in changed:
        result.reasons[unit_key(unit_id)] = Suppression.HIERARCHY_CHANGED
    for key in sorted(sizes, key=len):  # rounds and unit months before the units' dimensions
        parent_reason = result.reasons.get(key[:2]) if len(key) == 3 else None
        if parent_reason is not None:
            result.reasons[key] = parent_reason
        elif sizes[key] < k:
            result.reasons[key] = Suppression.TOO_FEW
        elif key[0] == "unit" and not period_complete:
            result.reasons[key] = Suppression.PERIOD_OPEN
        else:
            result.shown.add(key)
    _suppress_complementary(result, members, responses)
    return result


def _suppress_complementary(
    result: Release, members: dict[str, dict[FigureKey, int]], responses: dict[str, int]
) -> None:
    shown, sizes, k = result.shown, result.sizes, result.k
    hidden_rounds = [r for r in members if round_key(r) not in shown]
    rounds_in: dict[FigureKey, list[str]] = {}
    atoms = _Atoms(members, responses, k)
    dimensions_of: dict[FigureKey, list[FigureKey]] = {}
    for key in sizes:
        if len(key) == 3:
            dimensions_of.setdefault(key[:2], []).append(key)
    for round_id in hidden_rounds:
        atoms.place(round_id, shown)
        for key in members[round_id]:
            rounds_in.setdefault(key, []).append(round_id)
    while (offender := atoms.next_offender()) is not None:
        victims = _cheapest_merge(offender, atoms, rounds_in, sizes, k)
        for key in list(victims):
            if len(key) == 2:  # a unit's month: its dimensions go with it
                victims.update(d for d in dimensions_of.get(key, ()) if d in shown)
        touched: set[str] = set()
        for key in victims:
            shown.discard(key)
            result.reasons[key] = Suppression.COMPLEMENTARY
            touched.update(rounds_in.get(key, ()))
        for round_id in touched:
            atoms.place(round_id, shown)


def _cheapest_merge(
    offender: Signature,
    atoms: _Atoms,
    rounds_in: dict[FigureKey, list[str]],
    sizes: dict[FigureKey, int],
    k: int,
) -> set[FigureKey]:
    """The unit figures to hide so that the offending atom joins another one (or, when no atom
    will do, leaves every shown figure). Joining atom B means hiding every figure that tells the
    two apart; options that reach k answers come first, then the fewest figures hidden (a
    unit's month counts with its dimensions), then the key order, so the choice is fixed."""
    size = atoms.size[offender]
    # Partners come from the smallest figure around the offender that holds another atom: they
    # share the most figures with it (looking further only costs time on a large month).
    neighbours: set[Signature] = set()
    for key in sorted((key for key, _ in offender), key=lambda key: (sizes[key], key)):
        neighbours = {atoms.of[r] for r in rounds_in.get(key, ())}
        neighbours.discard(offender)
        if neighbours:
            break
    options = [({key for key, _ in offender}, True)]
    for other in neighbours:
        apart = {key for key, _ in offender ^ other}
        options.append((apart, size + atoms.size.get(other, 0) >= k))

    def cost(option: tuple[set[FigureKey], bool]) -> tuple[bool, int, int, list[FigureKey]]:
        keys, resolves = option
        figures = sum(1 if len(key) == 3 else 8 for key in keys)
        return (not resolves, figures, sum(sizes[key] for key in keys), sorted(keys))

    return set(min(options, key=cost)[0])
