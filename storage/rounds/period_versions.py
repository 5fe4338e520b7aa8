"""A month's version: how a kept release decision knows it is still the right one.

A month's release (storage/disclosure.py) depends only on the facts of its closed rounds: which
rounds, their ancestry, how many answered, how many were invited. Those facts change in exactly
two places, and both bump the month's version in the same transaction as the change:

- a round closing (storage/rounds/lifecycle.py, Rounds.close): its state, ancestry and final counts;
- retention deleting a whole month (storage/privacy/retention.py).

A round's facts never change after it closed (answers to a closed round are refused, the
eligible count is taken at opening), so a decision kept under (month, version) is valid while
the version is unchanged, and a reader checks that by reading one row.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.calendar.zone import month_of
from storage.db.engine import dialect_insert
from storage.tables.results import PeriodDecision, PeriodFigure, PeriodNotice, PeriodVersion

# A month as people and links name it, "2026-11" (this century: the bot's data starts in it).
PERIOD_PATTERN = r"^20\d{2}-(0[1-9]|1[0-2])$"


def period_of(moment: datetime) -> str:
    """The calendar month (Copenhagen time) a round's results belong to, e.g. '2026-11'."""
    return month_of(moment)


async def bump_period(session: AsyncSession, period: str) -> None:
    """The facts of `period` change in this transaction: decisions kept for it are no longer valid.

    An upsert, so two replicas closing rounds of the same month serialise on the month's row
    (PostgreSQL) and each bump counts."""
    insert = dialect_insert(session.get_bind().dialect.name)
    statement = insert(PeriodVersion).values(period=period, version=1)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["period"], set_={"version": PeriodVersion.version + 1}
        )
    )


async def forget_periods(session: AsyncSession, periods: Iterable[str]) -> None:
    """Retention deleted these months: bump them and drop what was decided from their rounds
    (and the record that their settling was announced)."""
    for period in periods:
        await bump_period(session, period)
        for model in (PeriodFigure, PeriodDecision, PeriodNotice):
            await session.execute(delete(model).where(model.period == period))


async def current_version(session: AsyncSession, period: str) -> int:
    version = await session.scalar(
        select(PeriodVersion.version).where(PeriodVersion.period == period)
    )
    return int(version or 0)
