"""What a unit's document for the MED meeting holds for one month: the released results, and
nothing the leader's card would not show.

It is made of the same `Summary` values the summary card reads (storage/results/values.py), so every
figure in it passed `storage.disclosure.release` and every hidden one is only its reason; the
comments are there only when the card shows them (rule 6). A team's document holds each of its
rounds that closed in the month with the trend of its last rounds; a unit above the teams (no
rounds of its own) holds its month, with the trend of its last months. Both end with the
comparison, the baseline, the dialogue questions and the handlingsplan.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

from storage.calendar.zone import month_bounds
from storage.errors import DomainError, NotAllowed
from storage.results.actions import PlannedAction
from storage.results.summaries import Summaries
from storage.results.values import Summary, TrendPoint
from storage.rounds.period_versions import PERIOD_PATTERN, period_of

MONTHS_OF_TREND = (
    4  # as many points as a team's trend of rounds (storage.results.summaries.TREND_ROUNDS)
)


class InvalidPeriod(DomainError):
    """Not a calendar month written YYYY-MM."""

    code = "invalid_period"


def parse_period(value: str) -> str:
    """A month as the document and its link name it ("2026-11"), or InvalidPeriod."""
    cleaned = value.strip()
    if not re.fullmatch(PERIOD_PATTERN, cleaned):
        raise InvalidPeriod(value[:20])
    return cleaned


class MedDocument(BaseModel):
    """One unit, one month: released results only, ready to be written in either language."""

    model_config = ConfigDict(frozen=True)

    unit_id: str
    unit_name: str
    period: str
    k: int
    comment_threshold: int
    rounds: list[Summary] = []  # the unit's own rounds that closed in the month, oldest first
    month: Summary | None = None  # a unit without rounds of its own: its month's aggregate
    trend: list[TrendPoint] = []  # oldest first
    trend_of: Literal["rounds", "months"] = "rounds"

    @property
    def main(self) -> Summary:
        """The figure the comparison, baseline and plan are read from: the newest round, or the
        month."""
        if self.rounds:
            return self.rounds[-1]
        assert self.month is not None
        return self.month

    @property
    def plan(self) -> list[PlannedAction]:
        return self.main.plan

    def dialogue_dimension(self) -> str | None:
        """The weakest dimension of the newest shown figure: what the dialogue questions are about."""
        shown = [s for s in (*self.rounds, self.month) if s is not None and s.figures is not None]
        if not shown or shown[-1].figures is None:
            return None
        return shown[-1].figures.weakest()


def _previous_months(period: str, count: int) -> list[str]:
    """`count` months up to and including `period`, oldest first."""
    months = [period]
    while len(months) < count:
        start, _ = month_bounds(months[0])
        months.insert(0, period_of(start - timedelta(days=1)))
    return months


async def med_document(
    summaries: Summaries, unit_id: str, period: str, visible_units: Collection[str]
) -> MedDocument:
    """The document of `unit_id` for `period`, for a viewer who may see `visible_units`."""
    period = parse_period(period)
    if unit_id not in visible_units:
        raise NotAllowed(unit_id)
    round_ids = await summaries.closed_rounds_in(unit_id, period, visible_units)
    rounds = [await summaries.round_summary(round_id, visible_units) for round_id in round_ids]
    if rounds:
        newest = rounds[-1]
        return MedDocument(
            unit_id=unit_id,
            unit_name=newest.unit_name,
            period=period,
            k=summaries.k,
            comment_threshold=newest.comment_threshold,
            rounds=rounds,
            trend=newest.trend,
        )
    month = await summaries.period_summary(unit_id, period, visible_units)
    trend: list[TrendPoint] = []
    for earlier in _previous_months(period, MONTHS_OF_TREND):
        summary = (
            month
            if earlier == period
            else await summaries.period_summary(unit_id, earlier, visible_units)
        )
        if summary.figures is not None:
            trend.append(
                TrendPoint(
                    label=earlier,
                    closes_at=month_bounds(earlier)[1],
                    scores={d.dimension: d.score for d in summary.figures.dimensions},
                )
            )
    return MedDocument(
        unit_id=unit_id,
        unit_name=month.unit_name,
        period=period,
        k=summaries.k,
        comment_threshold=month.comment_threshold,
        month=month,
        trend=trend,
        trend_of="months",
    )
