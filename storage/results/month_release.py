"""A month's release decided in this process from the facts read: the closed rounds of the month,
for the whole organisation (disclosure needs all of it), and a unit's month added up from them.

Used for a month that is not finished (its unit figures are hidden anyway, so only their reasons
are asked), for the HR export, and to decide a finished month before it is kept (`months`).
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.calendar.zone import month_bounds
from storage.disclosure import Release, RoundFacts, release
from storage.question_bank import QuestionBank
from storage.results.closed_rounds import CLOSED_ROUND_COLUMNS, ClosedRound
from storage.results.figures import Figures, asked_dimensions, figures_from, only_shown
from storage.tables.answers import AnswerCount, RoundResponses
from storage.tables.pulses import PulseRound, RoundState, is_pulse_round

PERIOD_CACHE = 48  # months whose release is kept (a year of history and then some)


@dataclass
class PeriodView:
    """One month's release with the closed rounds it was made from, and each unit's rounds."""

    release: Release
    closed: dict[str, ClosedRound]
    inside: dict[str, list[ClosedRound]]
    figures: dict[str, Figures] = field(default_factory=dict)  # unit → its month, once read

    @classmethod
    def decide(
        cls, rows: Collection[tuple[Any, ...]], bank: QuestionBank, k: int, complete: bool
    ) -> PeriodView:
        chains: dict[str, tuple[str, ...]] = {}
        closed = {r.id: r for r in (ClosedRound.from_row(row, chains) for row in rows)}
        asked: dict[tuple[str, ...], dict[str, int]] = {}
        facts = []
        for p in closed.values():
            if p.items not in asked:
                asked[p.items] = asked_dimensions(bank, p.items)
            facts.append(RoundFacts(p.id, p.ancestry, p.responses, asked[p.items]))
        inside: dict[str, list[ClosedRound]] = defaultdict(list)
        for pulse in closed.values():
            for unit_id in dict.fromkeys(pulse.ancestry):
                inside[unit_id].append(pulse)
        return cls(release(facts, k, period_complete=complete), closed, dict(inside))


async def month_rows(session: AsyncSession, period: str) -> tuple[tuple[Any, ...], ...]:
    """The month's pulse rounds, for the whole organisation (one range of a covering index)."""
    start, end = month_bounds(period)
    return tuple(
        tuple(row)
        for row in await session.execute(
            select(
                *CLOSED_ROUND_COLUMNS,
                # A lookup by key per round: joined, PostgreSQL hashed all of round_responses
                # (every round ever) to find one month's, 50 ms at 400,000 rounds.
                select(RoundResponses.responses)
                .where(RoundResponses.round_id == PulseRound.id)
                .scalar_subquery(),
            ).where(
                PulseRound.closes_at >= start,
                PulseRound.closes_at < end,
                is_pulse_round(),
            )
        )
    )


class MonthReleases:
    """The months' releases decided in this process, kept while the facts read are the same."""

    def __init__(self, bank: QuestionBank, k: int, now: Callable[[], datetime]) -> None:
        self._bank = bank
        self._k = k
        self._now = now
        self._views: OrderedDict[str, tuple[object, PeriodView]] = OrderedDict()

    async def view(self, session: AsyncSession, period: str) -> PeriodView:
        """The release of a month, for the whole organisation (disclosure needs all of it).

        Read and decided here for a month that is not finished (its unit figures are hidden
        anyway, so only their reasons are asked) and for the HR export; a finished month's unit
        figures come from the decision kept in the database (`Months.unit_period`). The decision
        made from the facts read is kept in this process while the facts read are exactly the
        same. Within one summary a month is read once.
        """
        memo: dict[str, PeriodView] = session.info.setdefault("period_views", {})
        if period in memo:
            return memo[period]
        _, end = month_bounds(period)
        rows = await month_rows(session, period)
        closed_state = RoundState.CLOSED.value
        closed = [row for row in rows if row[3] == closed_state]
        complete = self._now() >= end and len(closed) == len(rows)
        key = (complete, frozenset(closed))
        cached = self._views.get(period)
        if cached is not None and cached[0] == key:
            self._views.move_to_end(period)
            view = cached[1]
        else:
            view = PeriodView.decide(closed, self._bank, self._k, complete)
            self._views[period] = (key, view)
            while len(self._views) > PERIOD_CACHE:
                self._views.popitem(last=False)
        memo[period] = view
        return view

    async def figures(
        self, session: AsyncSession, rounds: Collection[ClosedRound], dimensions: Collection[str]
    ) -> Figures:
        """The figures of a set of rounds added together (a unit's month), of the dimensions
        the release shows for it: a hidden dimension's counters never leave this method."""
        ids = [p.id for p in rounds]
        counts: dict[str, dict[int, int]] = defaultdict(dict)
        result = await session.execute(
            select(AnswerCount.item_id, AnswerCount.value, func.sum(AnswerCount.count))
            .where(AnswerCount.round_id.in_(ids))
            .group_by(AnswerCount.item_id, AnswerCount.value)
        )
        for item_id, value, count in result:
            counts[item_id][value] = int(count)
        responses = sum(p.responses for p in rounds)
        eligible = sum(p.eligible for p in rounds)
        return figures_from(
            self._bank, only_shown(self._bank, counts, dimensions), responses, eligible
        )
