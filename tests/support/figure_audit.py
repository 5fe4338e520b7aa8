"""An attacker's auditor of released figures: every number as a vector over answer cells.

It shares nothing with storage/disclosure.py. It knows only what an attacker with the cards and
the export would know, plus the true answers of the world a test built (to check that each
number really is the vector it claims to be). A cell is (round, question, answer value); a
number on a card is a linear function of the cells' counts:

- a distribution entry: the count of one scale position over a set of rounds' questions;
- a score: the mean position of those answers, which together with their count gives the
  position-weighted sum (so it is taken as that sum: the attacker's best case);
- an answer count (responses, response rate): the number of answers in a set of rounds.

An attacker also knows, without any figure, that each round's questions were answered by the
same people (the counts of a round's questions are equal). The attacker learns exactly the span
of the shown vectors plus those known equalities. A set T of rounds is isolated when some
number in that span depends on T's answers alone and is not already known a priori; that is a
question of dimensions, decided by exact rational elimination:

    dim(S ∩ V_T) − dim(C ∩ V_T) > dim(S ∩ V_Z) − dim(C ∩ V_Z)

with S the span, C the known equalities, V_T the cells of T's rounds and Z the rounds without
answers (what is supported on them alone reveals nothing). A leak is such a T holding between
1 and k−1 answers; only maximal such T need checking, since a leak in T is one in any larger T.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import combinations

from storage.question_bank import QuestionBank

Cell = tuple[str, str, int]  # (round id, item id, answer value)
Vector = dict[Cell, int]


@dataclass
class AuditRound:
    """What the auditor knows of a round: where it sat, what it asked, and its true answers."""

    id: str
    unit: str
    sequence: int
    period: str
    chain: tuple[str, ...]  # the unit, then every unit above it (the auditor's own hierarchy)
    items: tuple[str, ...]
    answers: list[dict[str, int]]  # one dict per person who answered

    @property
    def responses(self) -> int:
        return len(self.answers)

    def count(self, item: str, value: int) -> int:
        return sum(1 for a in self.answers if a[item] == value)


@dataclass
class Figure:
    """One number someone was shown, and where."""

    where: str
    vector: Vector
    value: Fraction


@dataclass
class Audit:
    bank: QuestionBank
    rounds: dict[str, AuditRound]
    figures: list[Figure] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)

    # --- the attacker's reading of what a card or export row means ---------------------------

    def positions(self, item: str) -> list[int]:
        """Answer values from least to most favourable (how distributions are documented)."""
        values = list(self.bank.scale_of(item).values())
        return values if self.bank.item(item).higher_is_better else values[::-1]

    def rounds_of(self, unit: str, period: str) -> list[AuditRound]:
        """Every round of the month at or below a unit, by the auditor's own hierarchy."""
        return [r for r in self.rounds.values() if r.period == period and unit in r.chain]

    def _dimension_items(
        self, rounds: Iterable[AuditRound], dimension: str
    ) -> list[tuple[str, str]]:
        return [
            (r.id, item)
            for r in rounds
            for item in r.items
            if self.bank.item(item).dimension == dimension
        ]

    def true_distribution(self, rounds: Iterable[AuditRound], dimension: str) -> list[int]:
        """What an honest release would show: for tests that play a release (or a naive one)."""
        row: list[int] = []
        for round_id, item in self._dimension_items(rounds, dimension):
            points = self.positions(item)
            row += [0] * (len(points) - len(row))
            for position, value in enumerate(points):
                row[position] += self.rounds[round_id].count(item, value)
        return row

    def _check(self, where: str, vector: Vector, shown: Fraction, exact: bool = True) -> None:
        truth = Fraction(
            sum(c * self.rounds[cell[0]].count(cell[1], cell[2]) for cell, c in vector.items())
        )
        if exact and truth != shown:
            self.mismatches.append(f"{where}: shown {shown}, the cells give {truth}")

    def add_count(self, where: str, rounds: Sequence[AuditRound], shown: int) -> None:
        vector: Vector = {}
        for r in rounds:
            first = r.items[0]
            for value in self.bank.scale_of(first).values():
                vector[(r.id, first, value)] = 1
        self._check(where, vector, Fraction(shown))
        self.figures.append(Figure(where, vector, Fraction(shown)))

    def add_distribution(
        self, where: str, rounds: Sequence[AuditRound], dimension: str, shown: Sequence[int]
    ) -> None:
        pairs = self._dimension_items(rounds, dimension)
        for position, count in enumerate(shown):
            vector: Vector = {}
            for round_id, item in pairs:
                points = self.positions(item)
                if position < len(points):
                    vector[(round_id, item, points[position])] = 1
            self._check(f"{where} position {position}", vector, Fraction(count))
            self.figures.append(Figure(f"{where} position {position}", vector, Fraction(count)))

    def add_score(
        self, where: str, rounds: Sequence[AuditRound], dimension: str, score: float
    ) -> None:
        """A score as the weighted sum it gives away, after checking it is the pooled mean."""
        pairs = self._dimension_items(rounds, dimension)
        weighted: Vector = {}
        answers = 0
        total = Fraction(0)
        for round_id, item in pairs:
            points = self.positions(item)
            top = len(points) - 1
            for position, value in enumerate(points):
                weighted[(round_id, item, value)] = position
                n = self.rounds[round_id].count(item, value)
                answers += n
                total += Fraction(position * n, top)
        if not answers:
            self.mismatches.append(f"{where}: a score of {score} from no answers")
            return
        exact = total / answers * 100
        if abs(float(exact) - score) > 0.05 + 1e-9:
            self.mismatches.append(
                f"{where}: score {score} is not the mean of the answers' positions ({float(exact):.2f})"
            )
        self.figures.append(Figure(f"{where} score", weighted, Fraction(0)))

    def add_item_score(self, where: str, round_: AuditRound, item: str, score: float) -> None:
        """One question's score in one round: the weighted sum of that question's answers."""
        points = self.positions(item)
        top = len(points) - 1
        weighted: Vector = {}
        answers = 0
        total = Fraction(0)
        for position, value in enumerate(points):
            weighted[(round_.id, item, value)] = position
            n = round_.count(item, value)
            answers += n
            total += Fraction(position * n, top)
        if not answers:
            self.mismatches.append(f"{where}: a score of {score} from no answers")
            return
        exact = total / answers * 100
        if abs(float(exact) - score) > 0.05 + 1e-9:
            self.mismatches.append(
                f"{where}: score {score} is not the mean of the answers' positions ({float(exact):.2f})"
            )
        self.figures.append(Figure(f"{where} score", weighted, Fraction(0)))

    # --- the span and its small supports ----------------------------------------------------

    def known_equalities(self) -> list[Vector]:
        rows = []
        for r in self.rounds.values():
            first = r.items[0]
            for item in r.items[1:]:
                row: Vector = {}
                for value in self.bank.scale_of(item).values():
                    row[(r.id, item, value)] = 1
                for value in self.bank.scale_of(first).values():
                    row[(r.id, first, value)] = -1
                rows.append(row)
        return rows

    def leaks(self, k: int) -> list[tuple[set[str], list[str]]]:
        """Every maximal set of rounds with 1..k−1 answers that the shown figures isolate."""
        rows = [f.vector for f in self.figures] + self.known_equalities()
        unique = list({tuple(sorted(r.items())): r for r in rows if r}.values())
        full = rank(unique, set())
        zero = {r.id for r in self.rounds.values() if r.responses == 0}
        small = sorted(r.id for r in self.rounds.values() if 0 < r.responses < k)

        def excess(drop: set[str]) -> int:
            inside = full - rank(unique, drop)
            return inside - sum(len(self.rounds[r].items) - 1 for r in drop)

        base = excess(zero)
        candidates: list[set[str]] = []
        for size in range(len(small), 0, -1):
            for chosen in combinations(small, size):
                total = sum(self.rounds[r].responses for r in chosen)
                if total >= k or any(set(chosen) <= c for c in candidates):
                    continue
                candidates.append(set(chosen))
        found = []
        for chosen_set in candidates:
            if excess(chosen_set | zero) > base:
                found.append((chosen_set, self.explain(chosen_set | zero)))
        return found

    def explain(self, rounds: set[str]) -> list[str]:
        """The shown figures that touch these rounds (for a readable failure)."""
        return sorted({f.where for f in self.figures if any(c[0] in rounds for c in f.vector)})


def rank(rows: Sequence[Mapping[Cell, int]], drop: set[str]) -> int:
    """The rank over the rationals of the rows restricted to the cells of rounds not in `drop`."""
    pivots: dict[Cell, dict[Cell, Fraction]] = {}
    for row in rows:
        vector = {c: Fraction(v) for c, v in row.items() if v and c[0] not in drop}
        while vector:
            column = min(vector)
            pivot = pivots.get(column)
            if pivot is None:
                scale = 1 / vector[column]
                pivots[column] = {c: v * scale for c, v in vector.items()}
                break
            factor = vector[column]
            for c, v in pivot.items():
                updated = vector.get(c, 0) - factor * v
                if updated:
                    vector[c] = updated
                else:
                    vector.pop(c, None)
    return len(pivots)
