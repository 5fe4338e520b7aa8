"""A closed round as the read side needs it, and the figures a round has of its own.

A round's own figure is decided by its own size (disclosure.round_decision), so a round's card,
its trend and the tab's list of a unit's rounds need no other team's data. Results of rounds that
are still open are never read.
"""

from __future__ import annotations

import json
import random
from collections.abc import Collection
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.comments import comments_shown
from storage.db.engine import SessionFactory
from storage.disclosure import round_decision
from storage.errors import NotAllowed
from storage.question_bank import QuestionBank
from storage.results.figures import Figures, figures_from, item_score
from storage.results.trends import round_counts
from storage.results.values import RoundResult
from storage.rounds.period_versions import period_of
from storage.tables.answers import AnonymousComment, RoundResponses
from storage.tables.pulses import PulseRound, RoundState, is_pulse_round


class ClosedRound(NamedTuple):
    """What the read side needs of a closed round; its facts no longer change once it closed.

    A named tuple: a month of a large organisation is thousands of these, built per month read."""

    id: str
    unit_id: str
    sequence: int
    eligible: int
    ancestry: tuple[str, ...]  # the round's unit first, as it was when the round closed
    responses: int
    items: tuple[str, ...] = ()

    @classmethod
    def from_row(
        cls, row: tuple[Any, ...], chains: dict[str, tuple[str, ...]] | None = None
    ) -> ClosedRound:
        """`chains`: ancestries and item lists parsed so far (many rounds share theirs)."""
        round_id, unit_id, sequence, _state, eligible, ancestry, items, responses = row
        memo = chains if chains is not None else {}
        chain = memo.get(ancestry) if ancestry else None
        if chain is None:
            chain = tuple(json.loads(ancestry)) if ancestry else (unit_id,)
            if ancestry:
                memo[ancestry] = chain
        asked = memo.get(items) if items else ()
        if asked is None:
            asked = memo[items] = tuple(str(item) for item in json.loads(items))
        return cls(round_id, unit_id, sequence, eligible or 0, chain, responses or 0, asked)


# What ClosedRound.from_row reads before the round's responses, which each query joins its own way.
CLOSED_ROUND_COLUMNS = (
    PulseRound.id,
    PulseRound.unit_id,
    PulseRound.sequence,
    PulseRound.state,
    PulseRound.eligible_count,
    PulseRound.ancestry,
    PulseRound.items,
)


class RoundFigures:
    """Rounds' own figures: several rounds' in one query, and a unit's newest rounds for the tab."""

    def __init__(self, factory: SessionFactory, bank: QuestionBank, k: int, comment_k: int) -> None:
        self._factory = factory
        self._bank = bank
        self._k = k
        self._comment_k = comment_k

    async def of(
        self, session: AsyncSession, rounds: Collection[ClosedRound]
    ) -> dict[str, Figures]:
        """Each round's own figures, for several rounds in one query (a card and its trend)."""
        counts = await round_counts(session, [p.id for p in rounds])
        return {
            p.id: figures_from(self._bank, counts[p.id], p.responses, p.eligible) for p in rounds
        }

    async def unit_rounds(
        self, unit_id: str, visible_units: Collection[str], limit: int = 12
    ) -> list[RoundResult]:
        """A unit's newest closed pulse rounds, newest first, each shown or hidden by its own
        size; a shown round's comments only from the comment threshold (rule 6)."""
        if unit_id not in visible_units:
            raise NotAllowed(unit_id)
        async with self._factory() as session:
            rows = await session.execute(
                select(*CLOSED_ROUND_COLUMNS, RoundResponses.responses, PulseRound.closes_at)
                .outerjoin(RoundResponses, RoundResponses.round_id == PulseRound.id)
                .where(
                    PulseRound.unit_id == unit_id,
                    PulseRound.state == RoundState.CLOSED.value,
                    is_pulse_round(),
                )
                .order_by(PulseRound.closes_at.desc())
                .limit(limit)
            )
            closed = [(ClosedRound.from_row(tuple(row[:8])), row[8]) for row in rows]
            shown = [p for p, _ in closed if round_decision(p.responses, self._k) is None]
            counts = await round_counts(session, [p.id for p in shown])
            talking = [p.id for p in shown if comments_shown(p.responses, self._k, self._comment_k)]
            comments: dict[str, list[str]] = {round_id: [] for round_id in talking}
            if talking:
                result = await session.execute(
                    select(AnonymousComment.round_id, AnonymousComment.text).where(
                        AnonymousComment.round_id.in_(talking)
                    )
                )
                for round_id, text in result:
                    comments[round_id].append(text)
        shuffle = random.SystemRandom().shuffle  # rule 6: no order to read anything from
        for texts in comments.values():
            shuffle(texts)
        results = []
        for pulse, closes_at in closed:
            reason = round_decision(pulse.responses, self._k)
            figures = items = None
            if reason is None:
                figures = figures_from(
                    self._bank, counts[pulse.id], pulse.responses, pulse.eligible
                )
                items = {}
                for item_id, values in counts[pulse.id].items():
                    try:
                        score = item_score(self._bank, item_id, values)
                    except KeyError:  # retired from the bank: not scored
                        continue
                    if score is not None:
                        items[item_id] = round(score, 1)
            results.append(
                RoundResult(
                    round_id=pulse.id,
                    sequence=pulse.sequence,
                    period=period_of(closes_at),
                    closes_at=closes_at,
                    figures=figures,
                    suppressed=reason,
                    item_scores=items or {},
                    comments=comments.get(pulse.id, []),
                    comments_held_back=reason is None and pulse.id not in comments,
                )
            )
        return results
