"""The HR export: the same released figures the cards show, one row per figure and dimension.

Every figure comes from a month's release (`month_release`): a round's own figure where the
release shows the round, a unit's month where it shows the month; nothing else is written.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select

from storage.db.engine import SessionFactory
from storage.results.closed_rounds import RoundFigures
from storage.results.figures import Figures
from storage.results.months import Months
from storage.rounds.period_versions import period_of
from storage.tables.directory import Unit
from storage.tables.pulses import PulseRound, RoundState


async def export_rows(
    factory: SessionFactory,
    months: Months,
    rounds: RoundFigures,
    visible_units: Collection[str],
) -> list[dict[str, object]]:
    """The same released figures the cards show, one row per figure and dimension."""
    rows: list[dict[str, object]] = []
    async with factory() as session:
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
            view = await months.view(session, period)
            decision, closed = view.release, view.closed
            for kind, key in sorted(k for k in decision.shown if len(k) == 2):
                figures: Figures | None
                if kind == "round":
                    pulse = closed[key]
                    if pulse.unit_id not in visible_units:
                        continue
                    figures = (await rounds.of(session, [pulse]))[pulse.id]
                    unit_id, label = pulse.unit_id, f"round {pulse.sequence}"
                else:
                    if key not in visible_units:
                        continue
                    figures, _ = await months.unit_period(session, key, period)
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
