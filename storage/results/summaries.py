"""Leader summaries: released results, their trend, the parent unit, the baseline, agreed actions.

Every figure here comes through `storage.disclosure.release`; a figure it does not show is
returned only as the reason it is hidden. Results of rounds that are still open are never read.

`Summaries` is the read side's one face (dialogs/, bot/ and the tab hold it): it makes the round
and month summaries itself and hands the rest to the parts it holds, each in its own module:
`months` (a unit's month, decided once and kept), `closed_rounds` (a round's own figures),
`choices` (what a viewer may pick), `export` (HR's rows) and `actions` (the plan). How a score
is computed is in `figures`.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Collection
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.answers.reflections import released_reflections
from storage.calendar.zone import month_bounds
from storage.comments import DEFAULT_MIN_COMMENT_GROUP_SIZE, comment_threshold, comments_shown
from storage.db.engine import SessionFactory
from storage.disclosure import Suppression, round_decision
from storage.errors import DomainError, NotAllowed, RoundNotFound, UnitNotFound
from storage.question_bank import QuestionBank
from storage.results import export
from storage.results.actions import ActionPlan, plan_of
from storage.results.choices import Choices
from storage.results.closed_rounds import CLOSED_ROUND_COLUMNS, ClosedRound, RoundFigures
from storage.results.figures import Figures, item_score
from storage.results.months import Months
from storage.results.trends import (
    Asking,
    QuestionTrend,
    earlier_askings,
    question_trends,
    round_counts,
    rounds_to_read,
)
from storage.results.values import (
    Choice,
    Comparison,
    ReflectionSummary,
    RoundResult,
    Summary,
    TrendPoint,
)
from storage.rounds.closing_note import round_with_unit
from storage.rounds.period_versions import period_of
from storage.tables.answers import AnonymousComment, RoundResponses
from storage.tables.directory import Unit, utcnow
from storage.tables.prompts import PromptRound
from storage.tables.pulses import PulseRound, RoundKind, RoundState, is_pulse_round
from storage.tables.results import Baseline

__all__ = ["TREND_ROUNDS", "RoundStillOpen", "Summaries"]

TREND_ROUNDS = 4


class RoundStillOpen(DomainError):
    code = "round_still_open"


class Summaries:
    """Read side of results; every method takes the units the viewer may see."""

    def __init__(
        self,
        factory: SessionFactory,
        bank: QuestionBank,
        k: int,
        now: Callable[[], datetime] = utcnow,
        *,
        min_comment_group_size: int = DEFAULT_MIN_COMMENT_GROUP_SIZE,
    ) -> None:
        self._factory = factory
        self._bank = bank
        self._k = k
        self._comment_k = comment_threshold(k, min_comment_group_size)  # never below k
        self._now = now
        self._plan = ActionPlan(factory, bank, k, now)
        self._months = Months(factory, bank, k, now)
        self._rounds = RoundFigures(factory, bank, k, self._comment_k)
        self._choices = Choices(factory)

    @property
    def comment_threshold(self) -> int:
        """The comment threshold in force (rule 6): never below k."""
        return self._comment_k

    @property
    def plan(self) -> ActionPlan:
        """The handlingsplan beside the results (the same database, bank, k and clock)."""
        return self._plan

    @property
    def k(self) -> int:
        """The minimum group size the release is decided with (what "for få svar" means)."""
        return self._k

    # --- a finished month's decision, kept in the database (storage/results/months.py) ----------

    async def settle(self, period: str) -> bool:
        """Decide a finished month once and keep the decision; False while it cannot be yet."""
        return await self._months.settle(period)

    async def settle_recent(self, months: int = 2) -> list[str]:
        """Settle the months that ended last (a late round may keep one open for a while)."""
        return await self._months.settle_recent(months)

    # --- what a viewer may choose (storage/results/choices.py) ----------------------------------

    async def choices(self, visible_units: Collection[str], limit: int = 12) -> list[Choice]:
        """Closed rounds of visible units, newest first, plus months of units above teams."""
        return await self._choices.choices(visible_units, limit)

    async def latest_closed_round(self, visible_units: Collection[str]) -> str | None:
        """The newest closed pulse round of the visible units (the first choice; one query)."""
        return await self._choices.latest_closed_round(visible_units)

    async def closed_rounds_in(
        self, unit_id: str, period: str, visible_units: Collection[str]
    ) -> list[str]:
        """The unit's own pulse rounds that closed in the month, oldest first (its MED document)."""
        return await self._choices.closed_rounds_in(unit_id, period, visible_units)

    async def reflection_summary(
        self, round_id: str, visible_units: Collection[str]
    ) -> ReflectionSummary:
        """Reflections of a closed prompt round, released only when at least k answered."""
        async with self._factory() as session:
            row = (
                await session.execute(
                    select(PulseRound, Unit.name, PromptRound)
                    .join(Unit, Unit.id == PulseRound.unit_id)
                    .join(PromptRound, PromptRound.round_id == PulseRound.id)
                    .where(PulseRound.id == round_id)
                )
            ).first()
        if row is None:
            raise RoundNotFound(round_id)
        pulse, unit_name, prompt = row
        if pulse.unit_id not in visible_units:
            raise NotAllowed(round_id)
        if pulse.state != RoundState.CLOSED.value:
            raise RoundStillOpen(round_id)
        return ReflectionSummary(
            unit_name=unit_name,
            prompt_text={"da": prompt.text_da, "en": prompt.text_en},
            closes_at=pulse.closes_at,
            released=await released_reflections(self._factory, round_id, self._k, self._comment_k),
        )

    # --- summaries ------------------------------------------------------------------------------

    async def round_summary(self, round_id: str, visible_units: Collection[str]) -> Summary:
        """A team's round: shown when it closed with at least k answers, otherwise the reason."""
        async with self._factory() as session:
            found = await round_with_unit(session, round_id)
            pulse, unit_name, responses = found if found is not None else (None, None, None)
            if pulse is None or pulse.kind is RoundKind.PROMPT:  # unknown, or a reflection round
                raise RoundNotFound(round_id)
            if pulse.unit_id not in visible_units:
                raise NotAllowed(round_id)
            if pulse.state != RoundState.CLOSED.value:
                raise RoundStillOpen(round_id)  # rule 5: nothing before the round closes
            period = period_of(pulse.closes_at)
            ancestry = json.loads(pulse.ancestry) if pulse.ancestry else [pulse.unit_id]
            this = ClosedRound(
                id=pulse.id,
                unit_id=pulse.unit_id,
                sequence=pulse.sequence,
                eligible=pulse.eligible_count or 0,
                ancestry=tuple(ancestry),
                responses=responses or 0,
            )
            # A round's own figure is decided by its own size (disclosure.round_decision), so
            # the card and its trend need no other team's data; the parent's month does.
            reason = round_decision(this.responses, self._k)
            shown = reason is None
            earlier = await self._trend_rounds(session, pulse)
            released = {p.id: p for p, _ in earlier if round_decision(p.responses, self._k) is None}
            if shown:
                released[this.id] = this
            figures_of = await self._rounds.of(session, list(released.values()))
            figures = figures_of[this.id] if shown else None
            comments: list[str] = []
            comments_released = comments_shown(this.responses, self._k, self._comment_k)
            if shown and comments_released:
                comments = list(
                    (
                        await session.execute(
                            select(AnonymousComment.text).where(
                                AnonymousComment.round_id == pulse.id
                            )
                        )
                    ).scalars()
                )
                random.SystemRandom().shuffle(comments)  # rule 6: no order to read anything from
            baseline, source = await self._baseline(session, pulse.unit_id)
            return Summary(
                unit_id=pulse.unit_id,
                unit_name=unit_name or "",
                round_id=pulse.id,
                sequence=pulse.sequence,
                period=period,
                closes_at=pulse.closes_at,
                figures=figures,
                suppressed=reason,
                comments=comments,
                comments_held_back=shown and not comments_released,
                comments_shareable=pulse.comments_shareable,
                comment_threshold=self._comment_k,
                trend=[
                    TrendPoint(
                        label=str(p.sequence),
                        closes_at=closes_at,
                        scores={d.dimension: d.score for d in figures_of[p.id].dimensions},
                    )
                    for p, closes_at in reversed(earlier)
                    if p.id in figures_of
                ],
                question_trends=await self._question_trends(session, pulse, this) if shown else [],
                parent=await self._parent(session, ancestry, period),
                baseline=baseline,
                baseline_source=source,
                plan=await plan_of(session, self._bank, self._k, [pulse.unit_id]),
            )

    async def _question_trends(
        self, session: AsyncSession, pulse: PulseRound, this: ClosedRound
    ) -> list[QuestionTrend]:
        """Each question of a shown round against the unit's earlier askings of the same question
        (storage/results/trends.py): the counters of hidden rounds are not read."""
        asked = tuple(str(item) for item in json.loads(pulse.items)) if pulse.items else ()
        now = Asking(this.id, this.sequence, pulse.closes_at, this.responses, asked)
        earlier = await earlier_askings(session, pulse.unit_id, pulse.closes_at)
        counts = await round_counts(session, rounds_to_read(self._bank, now, earlier, self._k))

        def score(item_id: str, values: dict[int, int]) -> float | None:
            found = item_score(self._bank, item_id, values)
            return None if found is None else round(found, 1)

        return question_trends(self._bank, now, earlier, counts, self._k, score)

    async def period_summary(
        self, unit_id: str, period: str, visible_units: Collection[str]
    ) -> Summary:
        """A unit above the teams for one month: the aggregate of everything below it."""
        if unit_id not in visible_units:
            raise NotAllowed(unit_id)
        async with self._factory() as session:
            unit = await session.get(Unit, unit_id)
            if unit is None:
                raise UnitNotFound(unit_id)
            figures, reason = await self._months.unit_period(session, unit_id, period)
            baseline, source = await self._baseline(session, unit_id)
            return Summary(
                unit_id=unit_id,
                unit_name=unit.name,
                round_id=None,
                sequence=None,
                period=period,
                closes_at=None,
                figures=figures,
                suppressed=reason,
                parent=await self._parent(session, [unit_id, *self._parent_chain(unit)], period),
                baseline=baseline,
                baseline_source=source,
                plan=await plan_of(session, self._bank, self._k, [unit_id]),
            )

    @staticmethod
    def _parent_chain(unit: Unit) -> list[str]:
        return [unit.parent_id] if unit.parent_id else []

    async def _trend_rounds(
        self, session: AsyncSession, pulse: PulseRound
    ) -> list[tuple[ClosedRound, datetime]]:
        """The unit's last closed rounds up to this one, newest first (one index range)."""
        rows = await session.execute(
            select(*CLOSED_ROUND_COLUMNS, RoundResponses.responses, PulseRound.closes_at)
            .outerjoin(RoundResponses, RoundResponses.round_id == PulseRound.id)
            .where(
                PulseRound.unit_id == pulse.unit_id,
                PulseRound.state == RoundState.CLOSED.value,
                PulseRound.closes_at <= pulse.closes_at,
                is_pulse_round(),
            )
            .order_by(PulseRound.closes_at.desc())
            .limit(TREND_ROUNDS)
        )
        return [(ClosedRound.from_row(tuple(row[:8])), row[8]) for row in rows]

    async def _parent(
        self, session: AsyncSession, ancestry: list[str], period: str
    ) -> Comparison | None:
        """The parent unit's aggregate for the newest finished month up to `period`."""
        if len(ancestry) < 2:
            return None
        parent = await session.get(Unit, ancestry[1])
        if parent is None:
            return None
        candidate = period
        unfinished: str | None = None
        last: Comparison | None = None
        for _ in range(3):
            start, end = month_bounds(candidate)
            if unfinished is None and last is None and self._now() < end:
                # A month that is not over shows no unit figure (disclosure: period_open), so it
                # is not read unless its reason is what the card ends up saying (below).
                unfinished = candidate
            else:
                comparison = await self._comparison(session, parent, candidate)
                if comparison.scores is not None:
                    return comparison
                last = last or comparison
            candidate = period_of(start - timedelta(days=1))
        if unfinished is not None:
            return await self._comparison(session, parent, unfinished)
        return last

    async def _comparison(self, session: AsyncSession, parent: Unit, period: str) -> Comparison:
        figures, reason = await self._months.unit_period(session, parent.id, period)
        scores = {d.dimension: d.score for d in figures.dimensions} if figures else None
        return Comparison(unit_name=parent.name, period=period, scores=scores, suppressed=reason)

    async def _baseline(
        self, session: AsyncSession, unit_id: str
    ) -> tuple[dict[str, float], str | None]:
        rows = (
            await session.execute(select(Baseline).where(Baseline.unit_id == unit_id))
        ).scalars()
        baseline = {}
        source = None
        for row in rows:
            baseline[row.dimension] = row.score
            source = row.source
        return baseline, source

    # --- from results to action (storage/results/actions.py) ------------------------------------

    async def record_action(
        self, unit_id: str, round_id: str | None, text: str, visible_units: Collection[str]
    ) -> None:
        """A leader records what the team agreed, in a word (the plan card says more);
        the unit's next pulse asks about it by name."""
        await self._plan.record(unit_id, round_id, text, visible_units)

    # --- the results tab: many units' months, a unit's rounds -----------------------------------

    async def result_months(self, limit: int = 24) -> list[str]:
        """The months from the first closed pulse round to the newest, newest first (at most
        `limit`): what the tab offers to choose (storage/results/choices.py)."""
        return await self._choices.result_months(limit)

    async def unit_months(
        self, period: str, unit_ids: Collection[str], visible_units: Collection[str]
    ) -> dict[str, tuple[Figures | None, Suppression | None] | None]:
        """Several units' months at once (the tab's heatmap); None for a unit without a closed
        round that month (storage/results/months.py)."""
        return await self._months.unit_months(period, unit_ids, visible_units)

    async def unit_rounds(
        self, unit_id: str, visible_units: Collection[str], limit: int = 12
    ) -> list[RoundResult]:
        """A unit's newest closed pulse rounds, newest first, each shown or hidden by its own
        size (storage/results/closed_rounds.py)."""
        return await self._rounds.unit_rounds(unit_id, visible_units, limit)

    # --- export for HR (storage/results/export.py) ----------------------------------------------

    async def export_rows(self, visible_units: Collection[str]) -> list[dict[str, object]]:
        """The same released figures the cards show, one row per figure and dimension."""
        return await export.export_rows(self._factory, self._months, self._rounds, visible_units)
