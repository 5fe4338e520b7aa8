"""Who may send now (the send lease) and the global pause after repeated 429s, kept in the database.

One process sends at a time: the per-tenant rate Teams allows then holds across replicas without
a shared counter, and the rows a dead sender left 'sending' are recovered by exactly one process,
the one that takes its lease over. The pause is stored too, so neither a restart nor a failover
resumes sending into a tenant that Teams has just throttled.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict
from sqlalchemy import or_, select, update

from storage.db.engine import SessionFactory, insert_for
from storage.tables.directory import utcnow
from storage.tables.outbox import OutboxControl

CONTROL_ROW = "outbox"
# A pause that starts within this long after the previous one ended escalates (doubles).
ESCALATION_WINDOW = timedelta(minutes=15)


class Lease(BaseModel):
    """The lease as the holder sees it after taking or renewing it."""

    model_config = ConfigDict(frozen=True)

    until: datetime
    took_over: bool  # newly taken (not a renewal): recover what the previous holder left
    throttled_until: datetime | None


class SendControl:
    def __init__(self, factory: SessionFactory, now: Callable[[], datetime] = utcnow) -> None:
        self._factory = factory
        self._now = now

    async def _ensure_row(self) -> None:
        async with self._factory.begin() as session:
            insert = insert_for(session)
            await session.execute(
                insert(OutboxControl)
                .values(name=CONTROL_ROW, throttle_strikes=0, updated_at=self._now())
                .on_conflict_do_nothing(index_elements=["name"])
            )

    async def hold(self, holder: str, seconds: float) -> Lease | None:
        """Take the lease if it is free or expired, or renew it if it is ours; None otherwise."""
        now = self._now()
        until = now + timedelta(seconds=seconds)
        for _ in range(2):
            async with self._factory.begin() as session:
                row = await session.get(OutboxControl, CONTROL_ROW, with_for_update=True)
                if row is not None:
                    took_over = row.lease_holder != holder
                    result = await session.execute(
                        update(OutboxControl)
                        .where(
                            OutboxControl.name == CONTROL_ROW,
                            or_(
                                OutboxControl.lease_holder == holder,
                                OutboxControl.lease_holder.is_(None),
                                OutboxControl.lease_until.is_(None),
                                OutboxControl.lease_until < now,
                            ),
                        )
                        .values(lease_holder=holder, lease_until=until, updated_at=now)
                        .execution_options(synchronize_session=False)
                    )
                    if result.rowcount != 1:  # type: ignore[attr-defined]
                        return None
                    return Lease(
                        until=until, took_over=took_over, throttled_until=row.throttled_until
                    )
            await self._ensure_row()
        return None

    async def release(self, holder: str) -> None:
        """A clean stop hands the lease on at once instead of making a standby wait it out."""
        async with self._factory.begin() as session:
            await session.execute(
                update(OutboxControl)
                .where(OutboxControl.name == CONTROL_ROW, OutboxControl.lease_holder == holder)
                .values(lease_holder=None, lease_until=None, updated_at=self._now())
            )

    async def pause(
        self, base_seconds: float, at_least_seconds: float, cap_seconds: float
    ) -> datetime:
        """Stop all sends for a while; each pause soon after the previous one doubles, up to cap.

        Returns when sending may resume. Company Communicator waits a fixed 11 minutes; starting
        short and escalating only when Teams keeps throttling gets a push going again sooner.
        """
        await self._ensure_row()
        now = self._now()
        async with self._factory.begin() as session:
            row = await session.get(OutboxControl, CONTROL_ROW, with_for_update=True)
            assert row is not None
            previous = row.throttled_until
            if previous is not None and previous > now:
                return previous  # already paused: a burst of 429s is one event, not several
            recent = previous is not None and now - previous < ESCALATION_WINDOW
            strikes = row.throttle_strikes + 1 if recent else 1
            seconds = min(cap_seconds, base_seconds * 2 ** (strikes - 1))
            until = now + timedelta(seconds=max(seconds, at_least_seconds))
            row.throttled_until = until
            row.throttle_strikes = strikes
            row.updated_at = now
            return until

    async def throttled_until(self) -> datetime | None:
        async with self._factory() as session:
            return await session.scalar(
                select(OutboxControl.throttled_until).where(OutboxControl.name == CONTROL_ROW)
            )
