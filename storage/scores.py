"""The score of a set of answers: one formula for every card, plan and export."""

from __future__ import annotations


def distribution_score(distribution: list[int]) -> float | None:
    """The mean position of the answers, least favourable 0 and most favourable 100."""
    total = sum(distribution)
    if not total or len(distribution) < 2:
        return None
    weighted = sum(position * count for position, count in enumerate(distribution))
    return weighted / total / (len(distribution) - 1) * 100
