"""Leader summaries: released results, their trend, the parent unit, the baseline, agreed actions.

Every figure here comes through `storage.disclosure.release`; a figure it does not show is
returned only as the reason it is hidden. Results of rounds that are still open are never read.

Score: a dimension's score is the mean of every answer to its questions in the figure, each
answer rescaled to 0–100 by its position on the scale, (value − min) / (max − min) × 100
(reversed for the rare question where lower is better). So the score is computed from the
dimension's distribution alone (one linear combination of the same counts) and cannot be played
against it, however the questions of a dimension rotate between rounds and teams.
"""

from __future__ import annotations

import json
import random
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Integer, Select, String, and_, bindparam, delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.answers.reflections import ReleasedReflections, released_reflections
from storage.calendar.zone import month_bounds
from storage.comments import DEFAULT_MIN_COMMENT_GROUP_SIZE, comment_threshold, comments_shown
from storage.db.engine import SessionFactory, dialect_insert
from storage.disclosure import (
    FigureKey,
    Release,
    RoundFacts,
    Suppression,
    release,
    round_decision,
    unit_key,
)
from storage.errors import DomainError, NotAllowed, RoundNotFound, UnitNotFound
from storage.question_bank import QuestionBank
from storage.results.actions import ActionIn, ActionPlan, PlannedAction, plan_of
from storage.results.trends import (
    Asking,
    QuestionTrend,
    earlier_askings,
    question_trends,
    round_counts,
    rounds_to_read,
)
from storage.rounds.closing_note import round_with_unit
from storage.rounds.period_versions import current_version
from storage.rounds.period_versions import (
    period_of as period_of,  # re-exported: callers read it here
)
from storage.scores import distribution_score
from storage.tables.answers import AnonymousComment, AnswerCount, RoundResponses
from storage.tables.directory import Unit, utcnow
from storage.tables.prompts import PromptRound
from storage.tables.pulses import (
    PENDING_CONDITION,
    PulseRound,
    RoundKind,
    RoundState,
    is_pulse_round,
    of_kind,
)
from storage.tables.results import (
    Baseline,
    PeriodDecision,
    PeriodFigure,
    PeriodVersion,
)

TREND_ROUNDS = 4
PERIOD_CACHE = 48  # months whose release is kept (a year of history and then some)
MAX_ACTION_LENGTH = 500
period_bounds = month_bounds  # a month's [start, end) in Copenhagen; callers read it here


class RoundStillOpen(DomainError):
    code = "round_still_open"


class EmptyAction(DomainError):
    code = "empty_action"


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


class TrendPoint(BaseModel):
    model_config = ConfigDict(frozen=True)

    label: str  # round number or month
    closes_at: datetime
    scores: dict[str, float]


class Comparison(BaseModel):
    model_config = ConfigDict(frozen=True)

    unit_name: str
    period: str
    scores: dict[str, float] | None
    suppressed: Suppression | None


class Summary(BaseModel):
    """One released (or explained-as-hidden) result, ready for a card or an export."""

    model_config = ConfigDict(frozen=True)

    unit_id: str
    unit_name: str
    round_id: str | None
    sequence: int | None
    period: str
    closes_at: datetime | None
    figures: Figures | None
    suppressed: Suppression | None
    comments: list[str] = []
    # A round's figures shown but its comments not: fewer answered than the comment threshold.
    comments_held_back: bool = False
    # Whether the round's card told people a leader may share the comments with the team (rounds
    # made before sharing existed promised only the leaders and HR): storage/results/team_share.py.
    comments_shareable: bool = False
    comment_threshold: int = DEFAULT_MIN_COMMENT_GROUP_SIZE  # the one in force (rule 6)
    trend: list[TrendPoint] = []  # per dimension (the MED document); the card compares questions
    # Each question of a shown round against the last time the unit was asked it (storage/results/trends.py).
    question_trends: list[QuestionTrend] = []
    parent: Comparison | None = None
    baseline: dict[str, float] = {}
    baseline_source: str | None = None
    plan: list[PlannedAction] = []

    @property
    def actions(self) -> list[str]:
        """The newest titles of the plan, in a word."""
        return [action.title for action in self.plan[:5]]


class RoundResult(BaseModel):
    """A closed round as the results tab lists it: its own figures, per question too, or why not.

    A round's figures are decided by its own size (disclosure.round_decision): a question's score
    in a shown round is a figure of that round, made of the same answers as its dimensions."""

    model_config = ConfigDict(frozen=True)

    round_id: str
    sequence: int
    period: str
    closes_at: datetime
    figures: Figures | None
    suppressed: Suppression | None
    item_scores: dict[str, float] = {}  # question → score 0–100, for a shown round only
    comments: list[str] = []
    comments_held_back: bool = False


class Choice(BaseModel):
    """Something a viewer may ask a summary of: a closed round, or a unit's month."""

    model_config = ConfigDict(frozen=True)

    unit_id: str
    unit_name: str
    round_id: str | None
    sequence: int | None
    period: str
    closes_at: datetime | None
    prompt_text: dict[str, str] | None = None  # a reflection round: the prompt, per language


class ReflectionSummary(BaseModel):
    """A reflection round as a leader sees it: the texts and ratings, or why they are hidden."""

    model_config = ConfigDict(frozen=True)

    unit_name: str
    prompt_text: dict[str, str]
    closes_at: datetime
    released: ReleasedReflections | None


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
_CLOSED_ROUND_COLUMNS = (
    PulseRound.id,
    PulseRound.unit_id,
    PulseRound.sequence,
    PulseRound.state,
    PulseRound.eligible_count,
    PulseRound.ancestry,
    PulseRound.items,
)


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


def _kept_unit_statement() -> Select[Any]:
    """Built once (a card runs it up to three times; building it cost more than running it)."""
    period = bindparam("period", type_=String())
    state = select(
        func.coalesce(
            select(PeriodVersion.version).where(PeriodVersion.period == period).scalar_subquery(),
            0,
        ).label("version"),
        exists()
        .where(
            PENDING_CONDITION,  # spelled as the partial index's, so it is used
            PulseRound.closes_at >= bindparam("start", type_=PulseRound.closes_at.type),
            PulseRound.closes_at < bindparam("end", type_=PulseRound.closes_at.type),
            is_pulse_round(),
        )
        .label("pending"),
    ).subquery()
    k = bindparam("k", type_=Integer())
    return (
        select(
            state.c.version,
            state.c.pending,
            PeriodDecision.k,
            PeriodFigure.reason,
            PeriodFigure.responses,
            PeriodFigure.eligible,
            PeriodFigure.counts,
            PeriodFigure.withheld,
        )
        .select_from(state)
        .outerjoin(
            PeriodDecision,
            and_(
                PeriodDecision.period == period,
                PeriodDecision.version == state.c.version,
                PeriodDecision.k == k,
            ),
        )
        .outerjoin(
            PeriodFigure,
            and_(
                PeriodFigure.period == period,
                PeriodFigure.version == state.c.version,
                PeriodFigure.k == k,
                PeriodFigure.unit_id == bindparam("unit", type_=String()),
            ),
        )
    )


KEPT_UNIT = _kept_unit_statement()
# What a choice shows of a round: columns, not ORM objects (a card lists up to 24 of them).
CHOICE_COLUMNS = (PulseRound.id, PulseRound.unit_id, PulseRound.sequence, PulseRound.closes_at)


MANY_UNITS = 50  # a viewer above this many units gets their newest rounds found by time


def _newest_closed(columns: tuple[Any, ...], units: Collection[str], limit: int) -> Select[Any]:
    """The newest closed pulse rounds of some units.

    For a team or a department, from each unit's own rounds (an index per unit). For many units
    (an area, the organisation) that would read and sort every round they ever had (250 ms at
    1,769 units on SQLite); there the newest rounds are walked by time instead, and a unit is
    only checked (`unit_id || ''` keeps the planner from the per-unit index)."""
    unit = PulseRound.unit_id if len(units) <= MANY_UNITS else PulseRound.unit_id.concat("")
    return (
        select(*columns)
        .where(
            unit.in_(list(units)),
            PulseRound.state == RoundState.CLOSED.value,
            is_pulse_round(),
        )
        .order_by(PulseRound.closes_at.desc())
        .limit(limit)
    )


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
        self._views: OrderedDict[str, tuple[object, PeriodView]] = OrderedDict()
        self._plan = ActionPlan(factory, bank, k, now)

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

    # --- the release of a period -------------------------------------------------------------

    async def _month_rows(self, session: AsyncSession, period: str) -> tuple[tuple[Any, ...], ...]:
        """The month's pulse rounds, for the whole organisation (one range of a covering index)."""
        start, end = period_bounds(period)
        return tuple(
            tuple(row)
            for row in await session.execute(
                select(
                    *_CLOSED_ROUND_COLUMNS,
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

    async def _period_view(self, session: AsyncSession, period: str) -> PeriodView:
        """The release of a month, for the whole organisation (disclosure needs all of it).

        Read and decided here for a month that is not finished (its unit figures are hidden
        anyway, so only their reasons are asked) and for the HR export; a finished month's unit
        figures come from the decision kept in the database (`_unit_period`). The decision made
        from the facts read is kept in this process while the facts read are exactly the same.
        Within one summary a month is read once.
        """
        memo: dict[str, PeriodView] = session.info.setdefault("period_views", {})
        if period in memo:
            return memo[period]
        _, end = period_bounds(period)
        rows = await self._month_rows(session, period)
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

    # --- a finished month's decision, kept in the database --------------------------------------

    async def _kept_unit(
        self, session: AsyncSession, unit_id: str, period: str
    ) -> tuple[int, bool, bool, tuple[Any, ...]]:
        """One statement: the month's version, whether a round of it is not closed yet, whether
        a decision is kept for that version and k, and the unit's kept figure (None columns when
        the unit had no rounds that month)."""
        start, end = period_bounds(period)
        row = (
            await session.execute(
                KEPT_UNIT,
                {"period": period, "start": start, "end": end, "k": self._k, "unit": unit_id},
            )
        ).one()
        return int(row[0]), bool(row[1]), row[2] is not None, tuple(row[3:])

    def _kept_figures(self, kept: tuple[Any, ...]) -> tuple[Figures | None, Suppression | None]:
        reason, responses, eligible, counts, withheld = kept
        if reason is not None:
            return None, Suppression(reason)
        if responses is None:  # the unit had no rounds that month
            return None, Suppression.TOO_FEW
        decoded = {
            item: {int(value): count for value, count in values.items()}
            for item, values in json.loads(counts or "{}").items()
        }
        figures = figures_from(self._bank, decoded, responses, eligible or 0)
        reasons = {d: Suppression(r) for d, r in json.loads(withheld or "{}").items()}
        return figures.model_copy(update={"withheld": reasons}), None

    async def settle(self, period: str) -> bool:
        """Decide a finished month once and keep the decision; False while it cannot be yet.

        Cards decide on first need; the app also settles each month as it ends
        (`settle_recent`), so no card pays for it. Cheap when the decision is already kept."""
        _, end = period_bounds(period)
        if self._now() < end:
            return False
        async with self._factory() as session:
            version, pending, decided, _ = await self._kept_unit(session, "", period)
            if pending:
                return False
            if decided:
                return True
            return await self._decide_and_keep(session, period, version) is not None

    async def settle_recent(self, months: int = 2) -> list[str]:
        """Settle the months that ended last (a late round may keep one open for a while)."""
        start, _ = period_bounds(period_of(self._now()))
        settled = []
        for _ in range(months):
            period = period_of(start - timedelta(days=1))
            if await self.settle(period):
                settled.append(period)
            start, _ = period_bounds(period)
        return settled

    async def _decide_and_keep(
        self, session: AsyncSession, period: str, version: int
    ) -> dict[str, tuple[Any, ...]] | None:
        """Decide the finished month from its closed rounds and keep every unit figure of it.

        Returns the kept rows by unit, or None when a round of the month is not closed (the
        month is not complete, nothing is kept). The decision is written only if the month's
        version is still the one read before its rounds were, so it was made from exactly that
        version's facts; two replicas deciding at once write the same rows, the second one's
        inserts do nothing."""
        rows = await self._month_rows(session, period)
        closed_state = RoundState.CLOSED.value
        if any(row[3] != closed_state for row in rows):
            return None
        if not rows:
            return {}  # nothing to decide, nor to keep: an empty month is read in no time
        view = PeriodView.decide(rows, self._bank, self._k, True)
        decision = view.release
        shown = {key[1] for key in decision.shown if key[0] == "unit" and len(key) == 2}
        counts = await self._month_counts(session, period, view, shown) if shown else {}
        kept: dict[str, tuple[Any, ...]] = {}
        for key, reason in decision.reasons.items():
            if key[0] == "unit" and len(key) == 2:
                kept[key[1]] = (reason.value, None, None, None, None)
        for unit_id in shown:
            inside = view.inside.get(unit_id, [])
            released = self._only_shown(counts.get(unit_id, {}), decision.dimensions_shown(unit_id))
            kept[unit_id] = (
                None,
                sum(p.responses for p in inside),
                sum(p.eligible for p in inside),
                json.dumps(released, separators=(",", ":"), sort_keys=True),
                json.dumps(decision.withheld(unit_id), separators=(",", ":"), sort_keys=True),
            )
        async with self._factory.begin() as writer:
            if await current_version(writer, period) != version:
                return None  # a round closed meanwhile: decide again next time
            insert = dialect_insert(writer.get_bind().dialect.name)
            if kept:
                await writer.execute(
                    insert(PeriodFigure).on_conflict_do_nothing(),
                    [
                        {
                            "period": period,
                            "version": version,
                            "k": self._k,
                            "unit_id": unit_id,
                            "reason": reason,
                            "responses": responses,
                            "eligible": eligible,
                            "counts": encoded,
                            "withheld": withheld,
                        }
                        for unit_id, (
                            reason,
                            responses,
                            eligible,
                            encoded,
                            withheld,
                        ) in kept.items()
                    ],
                )
            await writer.execute(
                insert(PeriodDecision)
                .values(period=period, version=version, k=self._k)
                .on_conflict_do_nothing()
            )
            for model in (PeriodFigure, PeriodDecision):  # older versions can never be asked
                await writer.execute(
                    delete(model).where(model.period == period, model.version < version)
                )
        return kept

    async def _month_counts(
        self, session: AsyncSession, period: str, view: PeriodView, shown: Collection[str]
    ) -> dict[str, dict[str, dict[int, int]]]:
        """The counters of every shown unit figure of a finished month, summed per unit.

        One pass over the month's counters (a range of one index, then each round's counters by
        key), added up each round's chain in Python; only rounds the decision was made from
        count. Not grouped in the database: a team's rounds in a month ask different questions
        (the rotating template), so grouping saved no rows and cost a sort."""
        start, end = period_bounds(period)
        result = await session.execute(
            select(AnswerCount.round_id, AnswerCount.item_id, AnswerCount.value, AnswerCount.count)
            .join(PulseRound, AnswerCount.round_id == PulseRound.id)
            .where(
                PulseRound.closes_at >= start,
                PulseRound.closes_at < end,
                PulseRound.state == RoundState.CLOSED.value,
                is_pulse_round(),
            )
        )
        into: dict[str, list[dict[tuple[str, int], int]]] = {}
        totals: dict[str, dict[tuple[str, int], int]] = {unit: {} for unit in shown}
        for round_id, item_id, value, count in result:
            targets = into.get(round_id)
            if targets is None:
                pulse = view.closed.get(round_id)
                chain = dict.fromkeys(pulse.ancestry) if pulse is not None else ()
                targets = into[round_id] = [totals[u] for u in chain if u in totals]
            key = (item_id, value)
            for total in targets:
                total[key] = total.get(key, 0) + count
        counts: dict[str, dict[str, dict[int, int]]] = {}
        for unit, total in totals.items():
            per_item = counts[unit] = {}
            for (item_id, value), count in total.items():
                per_item.setdefault(item_id, {})[value] = int(count)
        return counts

    def _only_shown(
        self, counts: dict[str, dict[int, int]], dimensions: Collection[str]
    ) -> dict[str, dict[int, int]]:
        """The counters of the questions whose dimension the release shows for this figure."""
        kept = {}
        for item_id, values in counts.items():
            try:
                dimension = self._bank.item(item_id).dimension
            except KeyError:
                continue
            if dimension in dimensions:
                kept[item_id] = values
        return kept

    async def _figures(
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
        return figures_from(self._bank, self._only_shown(counts, dimensions), responses, eligible)

    async def _round_counts(
        self, session: AsyncSession, rounds: Collection[ClosedRound]
    ) -> dict[str, dict[str, dict[int, int]]]:
        """Each round's counters (question → value → count), for several rounds in one query."""
        counts: dict[str, dict[str, dict[int, int]]] = {p.id: defaultdict(dict) for p in rounds}
        if rounds:
            result = await session.execute(
                select(
                    AnswerCount.round_id, AnswerCount.item_id, AnswerCount.value, AnswerCount.count
                ).where(AnswerCount.round_id.in_(list(counts)))
            )
            for round_id, item_id, value, count in result:
                counts[round_id][item_id][value] = int(count)
        return counts

    async def _round_figures(
        self, session: AsyncSession, rounds: Collection[ClosedRound]
    ) -> dict[str, Figures]:
        """Each round's own figures, for several rounds in one query (a card and its trend)."""
        counts = await self._round_counts(session, rounds)
        return {
            p.id: figures_from(self._bank, counts[p.id], p.responses, p.eligible) for p in rounds
        }

    # --- what a viewer may choose -------------------------------------------------------------

    async def choices(self, visible_units: Collection[str], limit: int = 12) -> list[Choice]:
        """Closed rounds of visible units, newest first, plus months of units above teams."""
        async with self._factory() as session:
            newest = _newest_closed(CHOICE_COLUMNS, visible_units, limit).subquery()
            rows = (
                await session.execute(
                    select(newest, Unit.name)
                    .join(Unit, Unit.id == newest.c.unit_id)
                    .order_by(newest.c.closes_at.desc())
                )
            ).all()
            choices = [
                Choice(
                    unit_id=unit_id,
                    unit_name=name,
                    round_id=round_id,
                    sequence=sequence,
                    period=period_of(closes_at),
                    closes_at=closes_at,
                )
                for round_id, unit_id, sequence, closes_at, name in rows
            ]
            parents = (
                await session.execute(
                    select(Unit.id, Unit.name).where(
                        Unit.id.in_(list(visible_units)), Unit.teams_team_id.is_(None)
                    )
                )
            ).all()
            reflections = (
                await session.execute(
                    select(*CHOICE_COLUMNS, Unit.name, PromptRound.text_da, PromptRound.text_en)
                    .join(Unit, Unit.id == PulseRound.unit_id)
                    .join(PromptRound, PromptRound.round_id == PulseRound.id)
                    .where(
                        PulseRound.unit_id.in_(list(visible_units)),
                        PulseRound.state == RoundState.CLOSED.value,
                        # A range of the (unit, sequence) key (RoundKind), instead of every
                        # pulse round of every visible unit.
                        of_kind(RoundKind.PROMPT),
                    )
                    .order_by(PulseRound.closes_at.desc())
                    .limit(limit)
                )
            ).all()
            months = sorted({c.period for c in choices}, reverse=True)[:3]
            choices += [
                Choice(
                    unit_id=unit_id,
                    unit_name=name,
                    round_id=round_id,
                    sequence=None,
                    period=period_of(closes_at),
                    closes_at=closes_at,
                    prompt_text={"da": text_da, "en": text_en},
                )
                for round_id, unit_id, _, closes_at, name, text_da, text_en in reflections
            ]
            for parent_id, parent_name in parents:
                for period in months:
                    choices.append(
                        Choice(
                            unit_id=parent_id,
                            unit_name=parent_name,
                            round_id=None,
                            sequence=None,
                            period=period,
                            closes_at=None,
                        )
                    )
            return choices

    async def latest_closed_round(self, visible_units: Collection[str]) -> str | None:
        """The newest closed pulse round of the visible units (the first choice; one query)."""
        async with self._factory() as session:
            found = await session.scalar(_newest_closed((PulseRound.id,), visible_units, 1))
        return str(found) if found is not None else None

    async def closed_rounds_in(
        self, unit_id: str, period: str, visible_units: Collection[str]
    ) -> list[str]:
        """The unit's own pulse rounds that closed in the month, oldest first (its MED document)."""
        if unit_id not in visible_units:
            raise NotAllowed(unit_id)
        start, end = period_bounds(period)
        async with self._factory() as session:
            rows = await session.execute(
                select(PulseRound.id)
                .where(
                    PulseRound.unit_id == unit_id,
                    PulseRound.state == RoundState.CLOSED.value,
                    PulseRound.closes_at >= start,
                    PulseRound.closes_at < end,
                    is_pulse_round(),
                )
                .order_by(PulseRound.closes_at)
            )
            return [str(round_id) for round_id in rows.scalars()]

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
            figures_of = await self._round_figures(session, list(released.values()))
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
            figures, reason = await self._unit_period(session, unit_id, period)
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

    async def _unit_period(
        self, session: AsyncSession, unit_id: str, period: str
    ) -> tuple[Figures | None, Suppression | None]:
        """A unit's month: a finished month's from the decision kept for its current version
        (one row), deciding and keeping it on first need; an unfinished month's read whole."""
        _, end = period_bounds(period)
        if self._now() >= end:
            version, pending, decided, kept = await self._kept_unit(session, unit_id, period)
            if not pending:
                if decided:
                    return self._kept_figures(kept)
                all_kept = await self._decide_and_keep(session, period, version)
                if all_kept is not None:
                    return self._kept_figures(all_kept.get(unit_id, (None,) * 5))
        view = await self._period_view(session, period)
        key: FigureKey = unit_key(unit_id)
        if not view.release.is_shown(key):
            return None, view.release.reason(key) or Suppression.TOO_FEW
        if unit_id not in view.figures:
            # The rounds are closed and their counts final, so the month's sum is kept with the
            # view, which is only reused while the rounds read are exactly the same.
            figures = await self._figures(
                session, view.inside.get(unit_id, []), view.release.dimensions_shown(unit_id)
            )
            view.figures[unit_id] = figures.model_copy(
                update={"withheld": view.release.withheld(unit_id)}
            )
        return view.figures[unit_id], None

    async def _trend_rounds(
        self, session: AsyncSession, pulse: PulseRound
    ) -> list[tuple[ClosedRound, datetime]]:
        """The unit's last closed rounds up to this one, newest first (one index range)."""
        rows = await session.execute(
            select(*_CLOSED_ROUND_COLUMNS, RoundResponses.responses, PulseRound.closes_at)
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
            start, end = period_bounds(candidate)
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
        figures, reason = await self._unit_period(session, parent.id, period)
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

    # --- from results to action -----------------------------------------------------------

    async def record_action(
        self, unit_id: str, round_id: str | None, text: str, visible_units: Collection[str]
    ) -> None:
        """A leader records what the team agreed, in a word (the plan card says more);
        the unit's next pulse asks about it by name."""
        cleaned = " ".join(text.split())
        if unit_id in visible_units and not cleaned:
            raise EmptyAction(unit_id)
        await self._plan.add(
            unit_id, round_id, ActionIn(title=cleaned[:MAX_ACTION_LENGTH]), visible_units
        )

    # --- the results tab: many units' months, a unit's rounds -----------------------------------

    async def result_months(self, limit: int = 24) -> list[str]:
        """The months from the first closed pulse round to the newest, newest first (at most
        `limit`): what the tab offers to choose. Two index ends, not every round."""
        async with self._factory() as session:
            closed = (PulseRound.state == RoundState.CLOSED.value, is_pulse_round())
            first = await session.scalar(select(func.min(PulseRound.closes_at)).where(*closed))
            last = await session.scalar(select(func.max(PulseRound.closes_at)).where(*closed))
        if first is None or last is None:
            return []
        months: list[str] = []
        period, oldest = period_of(last), period_of(first)
        while len(months) < limit:
            months.append(period)
            if period <= oldest:
                break
            start, _ = period_bounds(period)
            period = period_of(start - timedelta(days=1))
        return months

    async def unit_months(
        self, period: str, unit_ids: Collection[str], visible_units: Collection[str]
    ) -> dict[str, tuple[Figures | None, Suppression | None] | None]:
        """Several units' months at once (the tab's heatmap); None for a unit without a closed
        round that month. A finished month's figures come from its kept decision in one query;
        an unfinished month's are read as a card reads them (their unit figures are hidden)."""
        wanted = list(dict.fromkeys(unit_ids))
        for unit_id in wanted:
            if unit_id not in visible_units:
                raise NotAllowed(unit_id)
        _, end = period_bounds(period)
        async with self._factory() as session:
            if self._now() >= end:
                version, pending, decided, _ = await self._kept_unit(session, "", period)
                kept: dict[str, tuple[Any, ...]] | None = None
                if not pending and decided:
                    rows = await session.execute(
                        select(
                            PeriodFigure.unit_id,
                            PeriodFigure.reason,
                            PeriodFigure.responses,
                            PeriodFigure.eligible,
                            PeriodFigure.counts,
                            PeriodFigure.withheld,
                        ).where(
                            PeriodFigure.period == period,
                            PeriodFigure.version == version,
                            PeriodFigure.k == self._k,
                            PeriodFigure.unit_id.in_(wanted),
                        )
                    )
                    kept = {row[0]: tuple(row[1:]) for row in rows}
                elif not pending:
                    kept = await self._decide_and_keep(session, period, version)
                if kept is not None:
                    return {u: self._kept_figures(kept[u]) if u in kept else None for u in wanted}
            view = await self._period_view(session, period)
            return {
                u: await self._unit_period(session, u, period) if u in view.inside else None
                for u in wanted
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
                select(*_CLOSED_ROUND_COLUMNS, RoundResponses.responses, PulseRound.closes_at)
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
            counts = await self._round_counts(session, shown)
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

    # --- export for HR --------------------------------------------------------------------------

    async def export_rows(self, visible_units: Collection[str]) -> list[dict[str, object]]:
        """The same released figures the cards show, one row per figure and dimension."""
        rows: list[dict[str, object]] = []
        async with self._factory() as session:
            periods = sorted(
                {
                    period_of(p.closes_at)
                    for p in (
                        await session.execute(
                            select(PulseRound).where(PulseRound.state == RoundState.CLOSED.value)
                        )
                    ).scalars()
                }
            )
            names = {u.id: u.name for u in (await session.execute(select(Unit))).scalars()}
            for period in periods:
                view = await self._period_view(session, period)
                decision, closed = view.release, view.closed
                for kind, key in sorted(k for k in decision.shown if len(k) == 2):
                    figures: Figures | None
                    if kind == "round":
                        pulse = closed[key]
                        if pulse.unit_id not in visible_units:
                            continue
                        figures = (await self._round_figures(session, [pulse]))[pulse.id]
                        unit_id, label = pulse.unit_id, f"round {pulse.sequence}"
                    else:
                        if key not in visible_units:
                            continue
                        figures, _ = await self._unit_period(session, key, period)
                        unit_id, label = key, "month"
                    if figures is None:
                        continue
                    for dimension in figures.dimensions:
                        rows.append(
                            {
                                "period": period,
                                "unit": names.get(unit_id, unit_id),
                                "figure": label,
                                "responses": figures.responses,
                                "eligible": figures.eligible,
                                "dimension": dimension.dimension,
                                "answers": dimension.answers,
                                "score": dimension.score,
                            }
                        )
        return rows
