"""Leaders of the units above the teams hear when a month's aggregate is settled.

A team's leaders get its card when each round closes (OutboxKind.LEADER_RESULT). A department or
an area has no round of its own: its figure is the month of everything below it, and that is
shown only once the month is over (disclosure: `period_open`). So its leaders are told when the
month is **settled**, which is exactly when `Summaries.settle` says so:

- the calendar month (Europe/Copenhagen) is over, and
- every pulse round whose results belong to the month (its close falls in the month,
  `period_of`) has closed — a round still open or scheduled holds the month back, and
- the month's release has been decided and kept (`period_decisions`), so the figures the note
  points to are the ones every card reads from now on.

After that nothing changes the month's figures but retention, which deletes the month whole.

The note goes to every leader of a unit that lay above a round of the month, in the hierarchy
the round closed under (the same one its figures are counted in), at the next working moment
(storage/calendar/quiet_hours.py). It is queued once per month, in the transaction that writes the month's
`period_notices` row: several replicas settling the same month, or a month decided again for
another k, do not send it twice. Each note is rendered for its reader when it is sent
(dialogs/messages/month_note.py), so it shows what that leader may see then.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.calendar.quiet_hours import WorkingHours
from storage.calendar.zone import month_bounds
from storage.db.engine import SessionFactory, insert_for
from storage.delivery.outbox import enqueue
from storage.results.summaries import Summaries
from storage.tables.directory import Recipient, RoleAssignment, Unit, utcnow
from storage.tables.outbox import OutboxKind
from storage.tables.pulses import PulseRound, RoundState, is_pulse_round
from storage.tables.results import PeriodNotice
from storage.values import Role, UnitInfo


class MonthNotes:
    def __init__(
        self,
        factory: SessionFactory,
        summaries: Summaries,
        working_hours: WorkingHours,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self._factory = factory
        self._summaries = summaries
        self._hours = working_hours
        self._now = now

    async def notify_settled(self, months: int = 2) -> int:
        """Settle the months that ended last and queue the notes of those settled now; how many
        notes were queued. Cheap when there is nothing new: one read per month."""
        queued = 0
        for period in await self._summaries.settle_recent(months):
            queued += await self.queue(period)
        return queued

    async def queue(self, period: str) -> int:
        """The notes of a settled month, once; how many were queued (0: told before, or no
        leader above). The caller has settled the month (`notify_settled` does)."""
        async with self._factory() as session:
            if await session.get(PeriodNotice, period) is not None:
                return 0
        now = self._now()
        async with self._factory.begin() as session:
            insert = insert_for(session)
            result = await session.execute(
                insert(PeriodNotice)
                .values(period=period, queued_at=now)
                .on_conflict_do_nothing(index_elements=["period"])
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                return 0  # another replica has just queued them
            above = await self._units_above(session, period)
            leaders = list(
                dict.fromkeys(
                    (
                        await session.execute(
                            select(Recipient.user_id)
                            .join(
                                RoleAssignment,
                                RoleAssignment.aad_object_id == Recipient.aad_object_id,
                            )
                            .where(
                                RoleAssignment.unit_id.in_(sorted(above)),
                                RoleAssignment.role == Role.LEADER.value,
                            )
                            .order_by(Recipient.user_id)
                        )
                    ).scalars()
                )
            )
            send_at = self._hours.next_working_moment(now)
            await enqueue(session, OutboxKind.MONTH_SETTLED, period, leaders, now, send_at)
            return len(leaders)

    async def led_units_above(self, period: str, aad_object_id: str) -> list[UnitInfo]:
        """The units this person leads that lay above a round of the month, by name: what their
        note is about."""
        async with self._factory() as session:
            above = await self._units_above(session, period)
            rows = await session.execute(
                select(Unit)
                .join(RoleAssignment, RoleAssignment.unit_id == Unit.id)
                .where(
                    RoleAssignment.aad_object_id == aad_object_id,
                    RoleAssignment.role == Role.LEADER.value,
                    Unit.id.in_(sorted(above)),
                )
                .order_by(Unit.name, Unit.id)
            )
            return [
                UnitInfo(id=u.id, name=u.name, teams_team_id=u.teams_team_id, parent_id=u.parent_id)
                for u in rows.scalars()
            ]

    @staticmethod
    async def _units_above(session: AsyncSession, period: str) -> set[str]:
        """Every unit above a closed pulse round of the month, as the round closed."""
        start, end = month_bounds(period)
        rows = await session.execute(
            select(PulseRound.ancestry).where(
                PulseRound.closes_at >= start,
                PulseRound.closes_at < end,
                PulseRound.state == RoundState.CLOSED.value,
                is_pulse_round(),
            )
        )
        above: set[str] = set()
        for (ancestry,) in rows:
            if ancestry:
                above.update(json.loads(ancestry)[1:])
        return above
