"""Outbox: queue one row per recipient, claim due rows, record what happened to each.

A row is claimed (pending → sending) before it is sent and marked sent right after, so a crash
leaves at most the rows in flight as 'sending'; on restart they are sent again and flagged as
uncertain, the one duplicate no HTTP sender can rule out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import SessionFactory, insert_for
from storage.models import Recipient, Unit, new_id, utcnow
from storage.outbox_models import DeliveryState, OutboxKind, OutboxMessage
from storage.pulse_models import PulseRound

MAX_ATTEMPTS = 8


class OutboxJob(BaseModel):
    """Everything the worker needs to deliver one row, without another query."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: OutboxKind
    subject_id: str
    user_id: str
    attempts: int
    personal_reference: str | None
    locale: str | None
    tenant_id: str | None
    service_url: str | None


async def enqueue(
    session: AsyncSession, kind: OutboxKind, subject_id: str, user_ids: Iterable[str], now: datetime
) -> None:
    """One row per recipient; a second enqueue of the same item to the same person is a no-op."""
    rows = [
        {
            "id": new_id(),
            "kind": kind.value,
            "subject_id": subject_id,
            "user_id": user_id,
            "state": DeliveryState.PENDING.value,
            "attempts": 0,
            "next_attempt_at": now,
            "uncertain": False,
            "updated_at": now,
        }
        for user_id in dict.fromkeys(user_ids)
    ]
    if not rows:
        return
    insert = insert_for(session)
    await session.execute(
        insert(OutboxMessage)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["kind", "subject_id", "user_id"])
    )


class Outbox:
    """Claiming and settling rows; the sending itself is bot/'s job."""

    def __init__(self, factory: SessionFactory, now: Callable[[], datetime] = utcnow) -> None:
        self._factory = factory
        self._now = now

    async def claim_due(self, limit: int) -> list[OutboxJob]:
        """Take up to `limit` due rows; with PostgreSQL, replicas skip each other's rows."""
        now = self._now()
        async with self._factory.begin() as session:
            ids = list(
                (
                    await session.execute(
                        select(OutboxMessage.id)
                        .where(
                            OutboxMessage.state == DeliveryState.PENDING.value,
                            OutboxMessage.next_attempt_at <= now,
                        )
                        .order_by(OutboxMessage.next_attempt_at)
                        .limit(limit)
                        .with_for_update(skip_locked=True)
                    )
                ).scalars()
            )
            if not ids:
                return []
            await session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id.in_(ids), OutboxMessage.state == DeliveryState.PENDING.value
                )
                .values(
                    state=DeliveryState.SENDING.value,
                    attempts=OutboxMessage.attempts + 1,
                    updated_at=now,
                )
            )
            rows = await session.execute(
                select(OutboxMessage, Recipient, Unit)
                .join(Recipient, Recipient.user_id == OutboxMessage.user_id)
                .outerjoin(PulseRound, PulseRound.id == OutboxMessage.subject_id)
                .outerjoin(Unit, Unit.id == PulseRound.unit_id)
                .where(OutboxMessage.id.in_(ids))
            )
            return [
                OutboxJob(
                    id=message.id,
                    kind=OutboxKind(message.kind),
                    subject_id=message.subject_id,
                    user_id=message.user_id,
                    attempts=message.attempts,
                    personal_reference=recipient.personal_reference
                    if recipient.app_installed
                    else None,
                    locale=recipient.locale,
                    tenant_id=recipient.tenant_id or (unit.tenant_id if unit else None),
                    service_url=recipient.service_url or (unit.service_url if unit else None),
                )
                for message, recipient, unit in rows
                if not recipient.blocked
            ]

    async def _settle(self, job_id: str, **values: object) -> None:
        async with self._factory.begin() as session:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == job_id)
                .values(updated_at=self._now(), **values)
            )

    async def mark_sent(self, job_id: str) -> None:
        await self._settle(job_id, state=DeliveryState.SENT.value, last_error=None)

    async def mark_retry(self, job: OutboxJob, delay: timedelta, reason: str) -> None:
        """Try again later, or give up after MAX_ATTEMPTS and say why."""
        if job.attempts >= MAX_ATTEMPTS:
            await self.mark_failed(job.id, f"gave up after {job.attempts} attempts: {reason}")
            return
        await self._settle(
            job.id,
            state=DeliveryState.PENDING.value,
            next_attempt_at=self._now() + delay,
            last_error=reason[:200],
        )

    async def mark_failed(self, job_id: str, reason: str) -> None:
        await self._settle(job_id, state=DeliveryState.FAILED.value, last_error=reason[:200])

    async def mark_expired(self, job_id: str) -> None:
        """The item closed before it reached this person: nothing is sent, nothing is retried."""
        await self._settle(job_id, state=DeliveryState.EXPIRED.value, last_error="item closed")

    async def mark_blocked(self, job: OutboxJob) -> None:
        """403 MessageWritesBlocked: the person removed the app. Stop, for this and every later item."""
        async with self._factory.begin() as session:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == job.id)
                .values(
                    state=DeliveryState.BLOCKED.value, last_error="blocked", updated_at=self._now()
                )
            )
            await session.execute(
                update(Recipient).where(Recipient.user_id == job.user_id).values(blocked=True)
            )

    async def recover_in_flight(self) -> int:
        """After a crash: rows left 'sending' go out again, flagged as possibly duplicated."""
        async with self._factory.begin() as session:
            result = await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.state == DeliveryState.SENDING.value)
                .values(state=DeliveryState.PENDING.value, uncertain=True, updated_at=self._now())
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def counts(self, kind: OutboxKind, subject_id: str) -> dict[str, int]:
        """Delivery status of one push: how many rows are in each state."""
        async with self._factory() as session:
            rows = await session.execute(
                select(OutboxMessage.state, func.count())
                .where(OutboxMessage.kind == kind.value, OutboxMessage.subject_id == subject_id)
                .group_by(OutboxMessage.state)
            )
            return {state: count for state, count in rows.all()}
