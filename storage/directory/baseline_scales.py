"""The scales big surveys report in, and how a score on each becomes the card's 0–100.

An APV or trivselsmåling gives a unit's score per dimension on its own scale: 0–100 (most Danish
trivselsmålinger), a 1–5 mean (the answer scale itself) or 0–16 (the four-item social capital
short form's sum). The card scores a dimension 0–100 by each answer's position on its scale,
(value − min) / (max − min) × 100, so a baseline is put on the card's scale the same way, once,
when it is imported: 0–100 stays as it is, 1–5 becomes (x − 1) / 4 × 100, 0–16 becomes
x / 16 × 100. Only the converted score is kept (the card compares on one scale).
"""

from __future__ import annotations

import re
from enum import StrEnum


class SurveyScale(StrEnum):
    HUNDRED = "0-100"
    FIVE = "1-5"
    SIXTEEN = "0-16"

    @property
    def bounds(self) -> tuple[float, float]:
        low, high = self.value.split("-")
        return float(low), float(high)

    @property
    def label(self) -> str:
        """As people write it: 1–5 with an en dash."""
        return self.value.replace("-", "–")


def parse_scale(text: str) -> SurveyScale:
    """'1-5', '1–5', ' 1 - 5 ' → SurveyScale.FIVE; a ValueError names the scales there are."""
    cleaned = re.sub(r"\s+", "", text).replace("–", "-").replace("—", "-")
    try:
        return SurveyScale(cleaned)
    except ValueError:
        known = ", ".join(scale.label for scale in SurveyScale)
        raise ValueError(f"unknown scale {text!r} (one of {known})") from None


def out_of_range(score: float, scale: SurveyScale) -> str | None:
    """Why a score cannot be on the scale, or None when it can."""
    low, high = scale.bounds
    if low <= score <= high:
        return None
    return f"{score:g} is outside the scale {scale.label} (from {low:g} to {high:g})"


def to_card_scale(score: float, scale: SurveyScale) -> float:
    """The score on the card's 0–100: (x − min) / (max − min) × 100, to two decimals."""
    low, high = scale.bounds
    return round((score - low) / (high - low) * 100, 2)
