"""A figure's values and its maths: each dimension's pooled distribution and score, from counters.

Score: a dimension's score is the mean of every answer to its questions in the figure, each
answer rescaled to 0–100 by its position on the scale, (value − min) / (max − min) × 100
(reversed for the rare question where lower is better). So the score is computed from the
dimension's distribution alone (one linear combination of the same counts) and cannot be played
against it, however the questions of a dimension rotate between rounds and teams.

Pure: no database. Which counters may become a figure is decided elsewhere (storage.disclosure).
"""

from __future__ import annotations

from collections.abc import Collection

from pydantic import BaseModel, ConfigDict

from storage.disclosure import Suppression
from storage.question_bank import QuestionBank
from storage.scores import distribution_score


class DimensionResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    dimension: str
    score: float
    # Answers per scale position, least favourable first (lowest first but for a reversed item).
    distribution: list[int]

    @property
    def answers(self) -> int:
        """Answers to the dimension's questions in this figure (rounds that asked it only)."""
        return sum(self.distribution)


class Figures(BaseModel):
    model_config = ConfigDict(frozen=True)

    responses: int
    eligible: int
    dimensions: list[DimensionResult]
    # A unit's month: dimensions asked below it but not shown, and why (never their numbers).
    withheld: dict[str, Suppression] = {}

    @property
    def response_rate(self) -> float:
        return self.responses / self.eligible if self.eligible else 0.0

    def weakest(self) -> str | None:
        ranked = [d for d in self.dimensions if d.dimension != "follow_up"]
        return min(ranked, key=lambda d: d.score).dimension if ranked else None


def item_score(bank: QuestionBank, item_id: str, counts: dict[int, int]) -> float | None:
    total = sum(counts.values())
    if not total:
        return None
    scale = bank.scale_of(item_id)
    mean = sum(value * count for value, count in counts.items()) / total
    score = (mean - scale.min) / (scale.max - scale.min) * 100
    return score if bank.item(item_id).higher_is_better else 100 - score


def figures_from(
    bank: QuestionBank, counts: dict[str, dict[int, int]], responses: int, eligible: int
) -> Figures:
    """Counters in, each dimension's pooled distribution and its score out (module docstring)."""
    distributions: dict[str, list[int]] = {}
    for item_id, values in counts.items():
        try:
            item = bank.item(item_id)
        except KeyError:  # an item retired from the bank: its counts stay, it is not scored
            continue
        positions = list(bank.scale_of(item_id).values())
        if not item.higher_is_better:
            positions.reverse()
        # The bank gives every question of a dimension the same number of scale points.
        row = distributions.setdefault(item.dimension, [0] * len(positions))
        for position, value in enumerate(positions):
            row[position] += values.get(value, 0)
    dimensions = []
    for dimension in bank.dimensions:
        found = distributions.get(dimension)
        score = distribution_score(found) if found else None
        if found and score is not None:
            dimensions.append(
                DimensionResult(dimension=dimension, score=round(score, 1), distribution=found)
            )
    return Figures(responses=responses, eligible=eligible, dimensions=dimensions)


def asked_dimensions(bank: QuestionBank, items: Collection[str]) -> dict[str, int]:
    """How many questions of each dimension a round asked (what disclosure weighs it by)."""
    asked: dict[str, int] = {}
    for item_id in items:
        try:
            dimension = bank.item(item_id).dimension
        except KeyError:  # retired from the bank: not scored, so not shown either
            continue
        asked[dimension] = asked.get(dimension, 0) + 1
    return asked


def only_shown(
    bank: QuestionBank, counts: dict[str, dict[int, int]], dimensions: Collection[str]
) -> dict[str, dict[int, int]]:
    """The counters of the questions whose dimension the release shows for this figure."""
    kept = {}
    for item_id, values in counts.items():
        try:
            dimension = bank.item(item_id).dimension
        except KeyError:
            continue
        if dimension in dimensions:
            kept[item_id] = values
    return kept
