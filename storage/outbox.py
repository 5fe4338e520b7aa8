"""Outbox: queue one row per recipient, hand due rows to the sender, record what happened to each.

A row turns 'sending' only the moment before its HTTP request and is settled right after, so a
crash leaves at most one row per send slot in 'sending'. The process that takes over the send
lease sends those again flagged as uncertain: the one duplicate no HTTP sender can rule out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import SessionFactory, insert_for
from storage.models import Recipient, Unit, new_id, utcnow
from storage.outbox_models import DeliveryState, OutboxKind, OutboxMessage
from storage.pulse_models import PulseRound

# Failed tries (5xx, 412, timeouts...) before a row is given up: Company Communicator
# dead-letters after 10 deliveries. 429s do not count here: a throttle says nothing about the
# recipient; nor do requests that never left (connection refused, connect timeout), which say the
# connector is away. MAX_TRIES bounds every try, those included, so nothing is retried for ever:
# at the default 2 s base a connector outage of about 1.8 to 3.6 hours delays a push, not fails it.
MAX_ATTEMPTS = 10
MAX_TRIES = 30
BLOCKED_REASON = "403 MessageWritesBlocked"


class OutboxJob(BaseModel):
    """Everything the worker needs to deliver one row, without another query."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: OutboxKind
    subject_id: str
    user_id: str
    attempts: int
    throttles: int = 0
    uncertain: bool = False
    personal_reference: str | None
    conversation_id: str | None = None
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
            "throttles": 0,
            "next_attempt_at": now,
            "uncertain": False,
            "updated_at": now,
        }
        for user_id in dict.fromkeys(user_ids)
    ]
    if not rows:
        return
    insert = insert_for(session)
    # Chunks keep each statement under SQLite's bound-parameter limit for large pushes.
    for start in range(0, len(rows), 500):
        await session.execute(
            insert(OutboxMessage)
            .values(rows[start : start + 500])
            .on_conflict_do_nothing(index_elements=["kind", "subject_id", "user_id"])
        )


class Outbox:
    """Handing out and settling rows; the sending itself is bot/'s job.

    Every settle is conditional on the state the row must be in, so a worker that lost its lease
    cannot overwrite what the new holder recorded.
    """

    def __init__(
        self,
        factory: SessionFactory,
        now: Callable[[], datetime] = utcnow,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self._factory = factory
        self._now = now
        self._max_attempts = max_attempts
        self._queued: list[
            tuple[Callable[[AsyncSession], Awaitable[Any]], asyncio.Future[Any]]
        ] = []
        self._flusher: asyncio.Task[None] | None = None

    async def due(self, limit: int) -> list[OutboxJob]:
        """Up to `limit` rows due now, with what sending needs. Rows stay 'pending' until start().

        Rows for people who blocked the app are settled here as blocked, without a request.
        """
        now = self._now()
        async with self._factory.begin() as session:
            rows = (
                await session.execute(
                    select(OutboxMessage, Recipient, Unit)
                    .join(Recipient, Recipient.user_id == OutboxMessage.user_id)
                    .outerjoin(PulseRound, PulseRound.id == OutboxMessage.subject_id)
                    .outerjoin(Unit, Unit.id == PulseRound.unit_id)
                    .where(
                        OutboxMessage.state == DeliveryState.PENDING.value,
                        OutboxMessage.next_attempt_at <= now,
                    )
                    .order_by(OutboxMessage.next_attempt_at)
                    .limit(limit)
                    .with_for_update(skip_locked=True, of=OutboxMessage)
                )
            ).all()
            blocked = [message.id for message, recipient, _ in rows if recipient.blocked]
            if blocked:
                await session.execute(
                    update(OutboxMessage)
                    .where(
                        OutboxMessage.id.in_(blocked),
                        OutboxMessage.state == DeliveryState.PENDING.value,
                    )
                    .values(
                        state=DeliveryState.BLOCKED.value, last_error=BLOCKED_REASON, updated_at=now
                    )
                )
            return [
                OutboxJob(
                    id=message.id,
                    kind=OutboxKind(message.kind),
                    subject_id=message.subject_id,
                    user_id=message.user_id,
                    attempts=message.attempts,
                    throttles=message.throttles,
                    uncertain=message.uncertain,
                    personal_reference=recipient.personal_reference
                    if recipient.app_installed
                    else None,
                    conversation_id=recipient.personal_conversation_id
                    if recipient.app_installed
                    else None,
                    locale=recipient.locale,
                    tenant_id=recipient.tenant_id or (unit.tenant_id if unit else None),
                    service_url=recipient.service_url or (unit.service_url if unit else None),
                )
                for message, recipient, unit in rows
                if not recipient.blocked
            ]

    async def _write(self, operation: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
        """Run `operation` in the next shared transaction and return its result.

        Group commit: the writes of all send slots that arrive while one transaction runs go
        together in the next one. Each caller still waits for its own commit (a row is 'sending'
        in the database before its request leaves, and settled before its slot takes another),
        but the database sees a few transactions per batch instead of two per message, and
        SQLite's single writer is not fought over by every slot at once.
        """
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queued.append((operation, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        while self._queued:
            batch, self._queued = self._queued, []
            try:
                async with self._factory.begin() as session:
                    results = [await operation(session) for operation, _ in batch]
            except Exception as error:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)

    async def start(self, job_id: str) -> int | None:
        """pending → sending, the moment before the request; the new try count, or None if the
        row is no longer pending (the round closed, or another process took it)."""

        async def operation(session: AsyncSession) -> int | None:
            result = await session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == job_id,
                    OutboxMessage.state == DeliveryState.PENDING.value,
                )
                .values(
                    state=DeliveryState.SENDING.value,
                    attempts=OutboxMessage.attempts + 1,
                    updated_at=self._now(),
                )
                .returning(OutboxMessage.attempts)
            )
            return result.scalar_one_or_none()

        tries: int | None = await self._write(operation)
        return tries

    async def unstart(self, job_id: str) -> None:
        """sending → pending without a request having left (the sender had to stop waiting)."""
        await self._settle(
            job_id,
            DeliveryState.SENDING,
            state=DeliveryState.PENDING.value,
            attempts=OutboxMessage.attempts - 1,
        )

    async def _settle(self, job_id: str, expected: DeliveryState, **values: object) -> None:
        async def operation(session: AsyncSession) -> None:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == job_id, OutboxMessage.state == expected.value)
                .values(updated_at=self._now(), **values)
            )

        await self._write(operation)

    async def mark_sent(self, job_id: str) -> None:
        await self._settle(
            job_id, DeliveryState.SENDING, state=DeliveryState.SENT.value, last_error=None
        )

    async def mark_retry(
        self,
        job: OutboxJob,
        tries: int,
        delay: timedelta,
        reason: str,
        *,
        throttled: bool = False,
        uncertain: bool = False,
        never_left: bool = False,
    ) -> bool:
        """Try again after `delay`, or give up and say why; True when it will be tried again.

        `tries` is what start() returned. `uncertain`: the request may have arrived (a timeout
        or a dropped connection after sending), so a later success may be a second copy.
        `throttled` (a 429) and `never_left` (the connector could not be reached) are tries that
        say nothing about the recipient: they count toward MAX_TRIES only.
        """
        throttles = job.throttles + (1 if throttled or never_left else 0)
        failures = tries - throttles
        values: dict[str, object] = {"throttles": throttles}
        if uncertain:
            values["uncertain"] = True
        if failures >= self._max_attempts or tries >= MAX_TRIES:
            await self._settle(
                job.id,
                DeliveryState.SENDING,
                state=DeliveryState.FAILED.value,
                last_error=f"gave up after {tries} tries: {reason}"[:200],
                **values,
            )
            return False
        await self._settle(
            job.id,
            DeliveryState.SENDING,
            state=DeliveryState.PENDING.value,
            next_attempt_at=self._now() + delay,
            last_error=reason[:200],
            **values,
        )
        return True

    async def defer(self, job_id: str, delay: timedelta) -> None:
        """Not now (a conversation's own limit): later, without counting a try."""
        await self._settle(job_id, DeliveryState.PENDING, next_attempt_at=self._now() + delay)

    async def mark_failed(self, job_id: str, reason: str) -> None:
        """A final answer (404, 413, 403 other than blocked...): never retried, reason kept."""
        await self._settle(
            job_id, DeliveryState.SENDING, state=DeliveryState.FAILED.value, last_error=reason[:200]
        )

    async def mark_expired(self, job_id: str) -> None:
        """The item closed before it reached this person: nothing is sent, nothing is retried."""
        await self._settle(
            job_id,
            DeliveryState.PENDING,
            state=DeliveryState.EXPIRED.value,
            last_error="item closed",
        )

    async def mark_blocked(self, job: OutboxJob) -> None:
        """403 MessageWritesBlocked: the person removed the app. Stop, for this and every later item."""

        async def operation(session: AsyncSession) -> None:
            await session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == job.id,
                    OutboxMessage.state == DeliveryState.SENDING.value,
                )
                .values(
                    state=DeliveryState.BLOCKED.value,
                    last_error=BLOCKED_REASON,
                    updated_at=self._now(),
                )
            )
            await session.execute(
                update(Recipient).where(Recipient.user_id == job.user_id).values(blocked=True)
            )

        await self._write(operation)

    async def recover_in_flight(self) -> int:
        """After a crash: rows left 'sending' go out again, flagged as possibly duplicated.

        Only the process that has just taken over the send lease calls this, so no live sender's
        rows are touched.
        """
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
