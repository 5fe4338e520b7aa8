"""What a viewer may choose to see: closed rounds of the units they may see, newest first, the
months of the units above the teams, the rounds of a unit's month, the months the tab offers.

Only which rounds and months exist is read here (ids, sequence numbers, times), never a figure.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, func, select

from storage.calendar.zone import month_bounds
from storage.db.engine import SessionFactory
from storage.errors import NotAllowed
from storage.results.values import Choice
from storage.rounds.period_versions import period_of
from storage.tables.directory import Unit
from storage.tables.prompts import PromptRound
from storage.tables.pulses import PulseRound, RoundKind, RoundState, is_pulse_round, of_kind

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


class Choices:
    """The rounds and months a viewer may pick from; ids, names and times, never a figure."""

    def __init__(self, factory: SessionFactory) -> None:
        self._factory = factory

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
        start, end = month_bounds(period)
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
            start, _ = month_bounds(period)
            period = period_of(start - timedelta(days=1))
        return months
