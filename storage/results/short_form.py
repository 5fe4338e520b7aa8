"""The four-item short form ("fire hurtige om social kapital"): its 0–16 score and reference band.

Each of the four items (trust in management, trust among colleagues, justice, cooperation) is
answered on the degree scale and scored 4, 3, 2, 1, 0 from "i meget høj grad" to "i meget ringe
grad". A person's short-form score is the sum of their four answers (0–16); the group's is the
mean of those sums. For complete answers that mean equals the sum of the four item means, so the
score comes from the counters alone: nothing here needs, or could get, one person's answers.

Rounding, so that every score lands in exactly one band: the exact score is rounded to one decimal
first, half up (8.05 → 8.1, 8.04… → 8.0), and the band is read from the rounded value:
0–8.0 very low, 8.1–10.1 slightly below average, 10.2 the Danish average, 10.3–12.3 slightly
above, 12.4–16 very high.

Disclosure: the score is computed from a round's released figures only (its four dimensions'
distributions, each one item's answers), so it shows nothing the figures do not; when any of the
four is withheld or suppressed, so is the score.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from enum import StrEnum
from fractions import Fraction

from pydantic import BaseModel, ConfigDict

from storage.question_bank import SOCIAL_CAPITAL, ItemUse, QuestionBank
from storage.results.figures import Figures

SCALE = "degree"
POINTS = 5  # 0..4
MAX_SCORE = 4 * (POINTS - 1)  # 16


class Band(StrEnum):
    VERY_LOW = "very_low"  # 0–8.0
    BELOW_AVERAGE = "below_average"  # 8.1–10.1
    AVERAGE = "average"  # 10.2, the Danish average
    ABOVE_AVERAGE = "above_average"  # 10.3–12.3
    VERY_HIGH = "very_high"  # 12.4–16


# Upper edge of each band, in tenths of the rounded score.
_BAND_TOPS = (
    (80, Band.VERY_LOW),
    (101, Band.BELOW_AVERAGE),
    (102, Band.AVERAGE),
    (123, Band.ABOVE_AVERAGE),
    (10 * MAX_SCORE, Band.VERY_HIGH),
)
DANISH_AVERAGE = 10.2


class ShortFormScore(BaseModel):
    """A short-form round's score and band, or that it is suppressed (never a number then)."""

    model_config = ConfigDict(frozen=True)

    score: float | None  # rounded to one decimal
    band: Band | None
    suppressed: bool


def tenths(score: Fraction) -> int:
    """The score in tenths, rounded half up: the one rounding every band edge is read from."""
    return math.floor(score * 10 + Fraction(1, 2))


def band_of(score_tenths: int) -> Band:
    if not 0 <= score_tenths <= 10 * MAX_SCORE:
        raise ValueError(f"a short-form score is 0-{MAX_SCORE}")
    return next(band for top, band in _BAND_TOPS if score_tenths <= top)


def item_mean(distribution: Collection[int] | Mapping[int, int]) -> Fraction:
    """Mean points of one item from its counts per scale position, lowest ("i meget ringe
    grad", 0 points) first; positions are points."""
    counts = list(distribution.values()) if isinstance(distribution, Mapping) else distribution
    counts = list(counts)
    if len(counts) != POINTS:
        raise ValueError(f"the degree scale has {POINTS} points")
    total = sum(counts)
    if total <= 0:
        raise ValueError("no answers")
    return Fraction(sum(points * count for points, count in enumerate(counts)), total)


def score_from_counts(counts: Mapping[str, Mapping[int, int]], bank: QuestionBank) -> Fraction:
    """The exact 0–16 score from four items' counters (value → count), by the sum of means."""
    if len(counts) != len(SOCIAL_CAPITAL):
        raise ValueError("the short form has four items")
    total = Fraction(0)
    for item_id, by_value in counts.items():
        scale = bank.scale_of(item_id)
        total += item_mean([by_value.get(value, 0) for value in scale.values()])
    return total


def short_form_items(bank: QuestionBank, items: Collection[str]) -> dict[str, str] | None:
    """The round's short-form item per social capital dimension, or None when the round was not
    asked from the short form (each of the four dimensions asked by exactly one short-form item
    on the degree scale; a follow-up item may come along)."""
    found: dict[str, list[str]] = {}
    for item_id in items:
        try:
            item = bank.item(item_id)
        except KeyError:
            return None
        if item.dimension in SOCIAL_CAPITAL:
            found.setdefault(item.dimension, []).append(item_id)
    chosen: dict[str, str] = {}
    for dimension in SOCIAL_CAPITAL:
        ids = found.get(dimension, [])
        if len(ids) != 1:
            return None
        item = bank.item(ids[0])
        if item.use is not ItemUse.SHORT_FORM or item.scale != SCALE or not item.higher_is_better:
            return None
        chosen[dimension] = ids[0]
    return chosen


def score_of_round(
    bank: QuestionBank, items: Collection[str], figures: Figures | None
) -> ShortFormScore | None:
    """The short-form score of a round's released figures; None when it was no short-form round."""
    if short_form_items(bank, items) is None:
        return None
    shown = {d.dimension: d for d in figures.dimensions} if figures else {}
    withheld = figures.withheld if figures else {}
    if any(d not in shown or d in withheld for d in SOCIAL_CAPITAL):
        return ShortFormScore(score=None, band=None, suppressed=True)
    exact = sum((item_mean(shown[d].distribution) for d in SOCIAL_CAPITAL), Fraction(0))
    rounded = tenths(exact)
    return ShortFormScore(score=rounded / 10, band=band_of(rounded), suppressed=False)
