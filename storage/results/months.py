"""A unit's month: a finished month's release decided once and kept in the database, an
unfinished month's decided from the facts read (`month_release`).

The decision is kept under (month, version, k); the month's version is bumped in the transaction
that changes the month's closed rounds (storage.rounds.period_versions), so a kept decision is
never stale. The app settles each month as it ends, so no card pays for deciding it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, Select, String, and_, bindparam, delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.calendar.zone import month_bounds
from storage.db.engine import SessionFactory, dialect_insert
from storage.disclosure import FigureKey, Suppression, unit_key
from storage.errors import NotAllowed
from storage.question_bank import QuestionBank
from storage.results.figures import Figures, figures_from, only_shown
from storage.results.month_release import MonthReleases, PeriodView, month_rows
from storage.rounds.period_versions import current_version, period_of
from storage.tables.answers import AnswerCount
from storage.tables.pulses import PENDING_CONDITION, PulseRound, RoundState, is_pulse_round
from storage.tables.results import PeriodDecision, PeriodFigure, PeriodVersion


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


class Months:
    """Units' months, each from its kept decision where the month is finished."""

    def __init__(
        self,
        factory: SessionFactory,
        bank: QuestionBank,
        k: int,
        now: Callable[[], datetime],
    ) -> None:
        self._factory = factory
        self._bank = bank
        self._k = k
        self._now = now
        self._releases = MonthReleases(bank, k, now)

    async def view(self, session: AsyncSession, period: str) -> PeriodView:
        """The month's release decided from the facts read (`MonthReleases.view`)."""
        return await self._releases.view(session, period)

    # --- a finished month's decision, kept in the database --------------------------------------

    async def _kept_unit(
        self, session: AsyncSession, unit_id: str, period: str
    ) -> tuple[int, bool, bool, tuple[Any, ...]]:
        """One statement: the month's version, whether a round of it is not closed yet, whether
        a decision is kept for that version and k, and the unit's kept figure (None columns when
        the unit had no rounds that month)."""
        start, end = month_bounds(period)
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
        _, end = month_bounds(period)
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
        start, _ = month_bounds(period_of(self._now()))
        settled = []
        for _ in range(months):
            period = period_of(start - timedelta(days=1))
            if await self.settle(period):
                settled.append(period)
            start, _ = month_bounds(period)
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
        rows = await month_rows(session, period)
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
            released = only_shown(
                self._bank, counts.get(unit_id, {}), decision.dimensions_shown(unit_id)
            )
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
        start, end = month_bounds(period)
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

    # --- a unit's month, and many units' months (the tab's heatmap) ------------------------------

    async def unit_period(
        self, session: AsyncSession, unit_id: str, period: str
    ) -> tuple[Figures | None, Suppression | None]:
        """A unit's month: a finished month's from the decision kept for its current version
        (one row), deciding and keeping it on first need; an unfinished month's read whole."""
        _, end = month_bounds(period)
        if self._now() >= end:
            version, pending, decided, kept = await self._kept_unit(session, unit_id, period)
            if not pending:
                if decided:
                    return self._kept_figures(kept)
                all_kept = await self._decide_and_keep(session, period, version)
                if all_kept is not None:
                    return self._kept_figures(all_kept.get(unit_id, (None,) * 5))
        view = await self.view(session, period)
        key: FigureKey = unit_key(unit_id)
        if not view.release.is_shown(key):
            return None, view.release.reason(key) or Suppression.TOO_FEW
        if unit_id not in view.figures:
            # The rounds are closed and their counts final, so the month's sum is kept with the
            # view, which is only reused while the rounds read are exactly the same.
            figures = await self._releases.figures(
                session, view.inside.get(unit_id, []), view.release.dimensions_shown(unit_id)
            )
            view.figures[unit_id] = figures.model_copy(
                update={"withheld": view.release.withheld(unit_id)}
            )
        return view.figures[unit_id], None

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
        _, end = month_bounds(period)
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
            view = await self.view(session, period)
            return {
                u: await self.unit_period(session, u, period) if u in view.inside else None
                for u in wanted
            }
