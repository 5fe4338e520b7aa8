"""Which summaries carry the short form's score: a round asked from the short form, and only
from the figures its summary released (storage/results/short_form.py)."""

from __future__ import annotations

from dialogs.turn import Services
from storage.errors import DomainError
from storage.results.short_form import ShortFormScore, score_of_round
from storage.results.values import Summary


async def short_form_of(services: Services, summary: Summary) -> ShortFormScore | None:
    if summary.round_id is None:  # a month pools rounds: no one short form to score
        return None
    try:
        info = await services.rounds.get(summary.round_id)
    except DomainError:
        return None
    return score_of_round(services.bank, info.items, summary.figures)
