"""Trends that compare like with like: each question against the last time it was asked.

A round asks a few questions and they rotate, so a dimension's score from round to round can
move only because another question was asked. Here each question of a shown round is set against
the unit's earlier rounds that asked the same item id, and against nothing else; where no earlier
round asked it, there is no comparison and the card says so in words.

Disclosure: an earlier round is a comparison point only when its own figures were shown
(`disclosure.round_decision`, the rule every round card follows); a hidden earlier round is
named with its date and its reason, never with a number. Its counters are not even read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.disclosure import Suppression, round_decision
from storage.question_bank import QuestionBank
from storage.tables.answers import AnswerCount, RoundResponses
from storage.tables.pulses import PulseRound, RoundState, is_pulse_round

TREND_POINTS = 4  # this round and up to three earlier askings of the same question
LOOKBACK = timedelta(days=366)  # "no earlier answer" means: not in the year before this round
MAX_EARLIER_ROUNDS = 200  # a unit asked weekly for a year is 53; more is not read


class Asking(NamedTuple):
    """A closed pulse round as this module needs it: when, how many answered, what it asked."""

    id: str
    sequence: int
    closes_at: datetime
    responses: int
    items: tuple[str, ...]


class QuestionPoint(BaseModel):
    """One shown asking of a question: its round, when the round closed, the score 0–100."""

    model_config = ConfigDict(frozen=True)

    sequence: int
    closes_at: datetime
    score: float


class LastAsked(BaseModel):
    """The newest earlier round that asked the question; `suppressed` when its figure is hidden."""

    model_config = ConfigDict(frozen=True)

    sequence: int
    closes_at: datetime
    suppressed: Suppression | None = None


class QuestionTrend(BaseModel):
    """A question of this round and its own history (shown askings only, oldest first)."""

    model_config = ConfigDict(frozen=True)

    item_id: str
    dimension: str
    points: list[QuestionPoint]  # this round's is last; never a point of a hidden round
    last_asked: LastAsked | None = None  # None: not asked in the LOOKBACK before this round

    @property
    def current(self) -> QuestionPoint:
        return self.points[-1]

    @property
    def compared(self) -> QuestionPoint | None:
        """What this round is set against: the newest earlier asking whose figure was shown."""
        return self.points[-2] if len(self.points) > 1 else None

    @property
    def change(self) -> float | None:
        earlier = self.compared
        return None if earlier is None else round(self.current.score - earlier.score, 1)


def compared_items(bank: QuestionBank, items: Collection[str]) -> list[str]:
    """The questions that get a trend: scored ones of the bank, not the follow-up question
    (it asks about a different agreed action each time, so it has no history of its own)."""
    follow_up = bank.follow_up.id if bank.follow_up else None
    chosen = []
    for item_id in items:
        try:
            bank.item(item_id)
        except KeyError:  # retired from the bank: its counts stay, it is not scored
            continue
        if item_id != follow_up:
            chosen.append(item_id)
    return chosen


async def earlier_askings(
    session: AsyncSession, unit_id: str, before: datetime, lookback: timedelta = LOOKBACK
) -> list[Asking]:
    """The unit's closed pulse rounds that closed in the lookback before `before`, newest first."""
    rows = await session.execute(
        select(
            PulseRound.id,
            PulseRound.sequence,
            PulseRound.closes_at,
            RoundResponses.responses,
            PulseRound.items,
        )
        .outerjoin(RoundResponses, RoundResponses.round_id == PulseRound.id)
        .where(
            PulseRound.unit_id == unit_id,
            PulseRound.state == RoundState.CLOSED.value,
            PulseRound.closes_at < before,
            PulseRound.closes_at >= before - lookback,
            is_pulse_round(),
        )
        .order_by(PulseRound.closes_at.desc())
        .limit(MAX_EARLIER_ROUNDS)
    )
    return [
        Asking(
            round_id,
            sequence,
            closes_at,
            responses or 0,
            tuple(str(item) for item in json.loads(items)) if items else (),
        )
        for round_id, sequence, closes_at, responses, items in rows
    ]


def rounds_to_read(
    bank: QuestionBank, this: Asking, earlier: Sequence[Asking], k: int
) -> list[str]:
    """The rounds whose counters the trend needs: this one and, per question, its newest
    earlier shown askings (TREND_POINTS in all). Hidden rounds are never among them."""
    wanted = [this.id]
    for item_id in compared_items(bank, this.items):
        found = 1
        for asking in earlier:
            if found >= TREND_POINTS:
                break
            if item_id in asking.items and round_decision(asking.responses, k) is None:
                found += 1
                if asking.id not in wanted:
                    wanted.append(asking.id)
    return wanted


async def round_counts(
    session: AsyncSession, round_ids: Collection[str]
) -> dict[str, dict[str, dict[int, int]]]:
    """round → question → value → count, for the rounds asked for (one query)."""
    counts: dict[str, dict[str, dict[int, int]]] = {round_id: {} for round_id in round_ids}
    if round_ids:
        result = await session.execute(
            select(
                AnswerCount.round_id, AnswerCount.item_id, AnswerCount.value, AnswerCount.count
            ).where(AnswerCount.round_id.in_(list(round_ids)))
        )
        for round_id, item_id, value, count in result:
            counts[round_id].setdefault(item_id, {})[value] = int(count)
    return counts


ItemScore = Callable[[str, dict[int, int]], float | None]


def question_trends(
    bank: QuestionBank,
    this: Asking,
    earlier: Sequence[Asking],
    counts: Mapping[str, Mapping[str, dict[int, int]]],
    k: int,
    score: ItemScore,
) -> list[QuestionTrend]:
    """Each question of this (shown) round with its own history; `earlier` newest first.

    A point is drawn only from a round whose figures are shown (round_decision, checked here
    again whatever counters are passed in); the newest earlier asking is named either way, so
    a hidden one is said to be hidden instead of being skipped in silence."""
    if round_decision(this.responses, k) is not None:
        return []
    trends = []
    for item_id in compared_items(bank, this.items):
        now = counts.get(this.id, {}).get(item_id)
        now_score = score(item_id, now) if now else None
        if now_score is None:
            continue
        points = [QuestionPoint(sequence=this.sequence, closes_at=this.closes_at, score=now_score)]
        last: LastAsked | None = None
        for asking in earlier:
            if item_id not in asking.items:
                continue
            hidden = round_decision(asking.responses, k)
            if hidden is None:
                found = counts.get(asking.id, {}).get(item_id)
                earlier_score = score(item_id, found) if found else None
                if earlier_score is None:  # nothing kept of it (retention): no asking to name
                    continue
                point = QuestionPoint(
                    sequence=asking.sequence, closes_at=asking.closes_at, score=earlier_score
                )
                points.insert(0, point)
            if last is None:
                last = LastAsked(
                    sequence=asking.sequence, closes_at=asking.closes_at, suppressed=hidden
                )
            if len(points) >= TREND_POINTS:
                break
        trends.append(
            QuestionTrend(
                item_id=item_id,
                dimension=bank.item(item_id).dimension,
                points=points,
                last_asked=last,
            )
        )
    return trends
