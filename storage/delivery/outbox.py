"""Outbox: queue one row per recipient, hand due rows to the sender, record what happened to each.

A row turns 'sending' only the moment before its HTTP request and is settled right after, so a
crash leaves at most one row per send slot in 'sending'. The process that takes over the send
lease sends those again flagged as uncertain: the one duplicate no HTTP sender can rule out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Iterable
from datetime import datetime, timedelta
from typing import Any, cast

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, Table, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db.engine import SessionFactory, insert_for
from storage.db.sqlite_thread import writer_thread_of
from storage.tables.directory import Recipient, Unit, new_id, utcnow
from storage.tables.outbox import DeliveryState, OutboxKind, OutboxMessage
from storage.tables.pulses import PulseRound

# Failed tries (5xx, 412, timeouts...) before a row is given up: Company Communicator
# dead-letters after 10 deliveries. 429s do not count here: a throttle says nothing about the
# recipient; nor do requests that never left (connection refused, connect timeout), which say the
# connector is away. MAX_TRIES bounds every try, those included, so nothing is retried for ever:
# at the default 2 s base a connector outage of about 1.8 to 3.6 hours delays a push, not fails it.
MAX_ATTEMPTS = 10
MAX_TRIES = 30
BLOCKED_REASON = "403 MessageWritesBlocked"
CHUNK = 500  # ids per batched statement: well under SQLite's and asyncpg's parameter limits


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
    session: AsyncSession,
    kind: OutboxKind,
    subject_id: str,
    user_ids: Iterable[str],
    now: datetime,
    send_at: datetime | None = None,
) -> int:
    """One row per recipient; a second enqueue of the same item to the same person is a no-op.

    `send_at`: not before then (a push queued in quiet hours, `storage.calendar.quiet_hours`); default now.
    Returns how many recipients were given (0: nothing was queued).
    """
    rows = [
        {
            "id": new_id(),
            "kind": kind.value,
            "subject_id": subject_id,
            "user_id": user_id,
            "state": DeliveryState.PENDING.value,
            "attempts": 0,
            "throttles": 0,
            "next_attempt_at": send_at or now,
            "uncertain": False,
            "updated_at": now,
        }
        for user_id in dict.fromkeys(user_ids)
    ]
    if not rows:
        return 0
    insert = insert_for(session)
    # Chunks keep each statement under SQLite's bound-parameter limit for large pushes.
    for start in range(0, len(rows), 500):
        await session.execute(
            insert(OutboxMessage)
            .values(rows[start : start + 500])
            .on_conflict_do_nothing(index_elements=["kind", "subject_id", "user_id"])
        )
    return len(rows)


_TABLE = cast(Table, OutboxMessage.__table__)
# Built once, on the table rather than the mapped class, with the ids as one expanding parameter:
# building the statement and coercing each of a batch's ids per flush cost more than running it.
_START = (
    update(_TABLE)
    .where(
        _TABLE.c.id.in_(bindparam("ids", expanding=True)),
        _TABLE.c.state == DeliveryState.PENDING.value,
    )
    .values(
        state=DeliveryState.SENDING.value,
        attempts=_TABLE.c.attempts + 1,
        updated_at=bindparam("now", type_=_TABLE.c.updated_at.type),
    )
    .returning(_TABLE.c.id, _TABLE.c.attempts)
)
_SENT = (
    update(_TABLE)
    .where(
        _TABLE.c.id.in_(bindparam("ids", expanding=True)),
        _TABLE.c.state == DeliveryState.SENDING.value,
    )
    .values(
        state=DeliveryState.SENT.value,
        last_error=None,
        updated_at=bindparam("now", type_=_TABLE.c.updated_at.type),
    )
)


def _mark_states(
    connection: Connection, starts: list[str], sent: list[str], now: datetime
) -> dict[str, int]:
    """pending → sending for `starts` (id → the new try count) and sending → sent for `sent`,
    one statement per chunk of ids."""
    attempts: dict[str, int] = {}
    unique = list(dict.fromkeys(starts))
    for first in range(0, len(unique), CHUNK):
        result = connection.execute(_START, {"ids": unique[first : first + CHUNK], "now": now})
        attempts.update({job_id: tries for job_id, tries in result.all()})
    unique = list(dict.fromkeys(sent))
    for first in range(0, len(unique), CHUNK):
        connection.execute(_SENT, {"ids": unique[first : first + CHUNK], "now": now})
    return attempts


def _settle_futures(futures: list[asyncio.Future[Any]], outcome: list[Any] | BaseException) -> None:
    """Each future gets its result, or all of them the error of the transaction they were in."""
    for index, future in enumerate(futures):
        if future.done():
            continue
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome[index])


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
        self._starts: list[tuple[str, asyncio.Future[Any]]] = []
        self._sent: list[tuple[str, asyncio.Future[Any]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._states = writer_thread_of(factory)

    async def due(self, limit: int, exclude: Collection[str] = ()) -> list[OutboxJob]:
        """Up to `limit` rows due now, with what sending needs. Rows stay 'pending' until start().

        `exclude`: rows the caller already holds and has not started yet (claiming the next
        batch while the last one is still being sent). Rows for people who blocked the app are
        settled here as blocked, without a request.
        """
        now = self._now()
        async with self._factory.begin() as session:
            # Plain columns, not ORM objects: a batch is up to a thousand rows, claimed twice a
            # second at high rates, and building three mapped objects per row cost more than
            # the query.
            rows = (
                await session.execute(
                    select(
                        OutboxMessage.id,
                        OutboxMessage.kind,
                        OutboxMessage.subject_id,
                        OutboxMessage.user_id,
                        OutboxMessage.attempts,
                        OutboxMessage.throttles,
                        OutboxMessage.uncertain,
                        Recipient.blocked,
                        Recipient.app_installed,
                        Recipient.personal_reference,
                        Recipient.personal_conversation_id,
                        Recipient.locale,
                        Recipient.tenant_id,
                        Recipient.service_url,
                        Unit.tenant_id,
                        Unit.service_url,
                    )
                    .join(Recipient, Recipient.user_id == OutboxMessage.user_id)
                    .outerjoin(PulseRound, PulseRound.id == OutboxMessage.subject_id)
                    .outerjoin(Unit, Unit.id == PulseRound.unit_id)
                    .where(
                        OutboxMessage.state == DeliveryState.PENDING.value,
                        OutboxMessage.next_attempt_at <= now,
                        *([OutboxMessage.id.not_in(list(exclude))] if exclude else []),
                    )
                    .order_by(OutboxMessage.next_attempt_at)
                    .limit(limit)
                    .with_for_update(skip_locked=True, of=OutboxMessage)
                )
            ).all()
            blocked = [row[0] for row in rows if row[7]]
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
                    id=message_id,
                    kind=OutboxKind(kind),
                    subject_id=subject_id,
                    user_id=user_id,
                    attempts=attempts,
                    throttles=throttles,
                    uncertain=uncertain,
                    personal_reference=reference if installed else None,
                    conversation_id=conversation_id if installed else None,
                    locale=locale,
                    tenant_id=tenant_id or unit_tenant_id,
                    service_url=service_url or unit_service_url,
                )
                for (
                    message_id,
                    kind,
                    subject_id,
                    user_id,
                    attempts,
                    throttles,
                    uncertain,
                    is_blocked,
                    installed,
                    reference,
                    conversation_id,
                    locale,
                    tenant_id,
                    service_url,
                    unit_tenant_id,
                    unit_service_url,
                ) in rows
                if not is_blocked
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

    def _batched(self, queue: list[tuple[str, asyncio.Future[Any]]], job_id: str) -> Any:
        """Join the next shared transaction as one id of a batched statement (start, sent)."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        queue.append((job_id, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return future

    async def _flush(self) -> None:
        while self._queued or self._starts or self._sent:
            batch, self._queued = self._queued, []
            starts, self._starts = self._starts, []
            sent, self._sent = self._sent, []
            start_ids, sent_ids = [i for i, _ in starts], [i for i, _ in sent]
            marks = [f for _, f in starts] + [f for _, f in sent]
            attempts: dict[str, int] | BaseException
            results: list[Any] | BaseException
            if self._states.available and (starts or sent):
                # On an SQLite file the starts and sents (nearly every write of a push) go as one
                # transaction in the writer thread; anything else in a transaction of its own.
                # Each caller hears only about the transaction that holds its write.
                try:
                    attempts = await self._states.run(
                        _mark_states, start_ids, sent_ids, self._now()
                    )
                except Exception as error:
                    attempts = error
                results = await self._operations(batch) if batch else []
            else:
                try:
                    async with self._factory.begin() as session:
                        connection = await session.connection()
                        attempts = await connection.run_sync(
                            _mark_states, start_ids, sent_ids, self._now()
                        )
                        results = [await operation(session) for operation, _ in batch]
                except Exception as error:
                    attempts = results = error
            _settle_futures([f for _, f in batch], results)
            if isinstance(attempts, BaseException):
                _settle_futures(marks, attempts)
                continue
            for job_id, future in starts:
                # Several slots asking for the same row: the first one gets it, as if in turn.
                tries = attempts.pop(job_id, None)
                if not future.done():
                    future.set_result(tries)
            for _, future in sent:
                if not future.done():
                    future.set_result(None)

    async def _operations(
        self, batch: list[tuple[Callable[[AsyncSession], Awaitable[Any]], Any]]
    ) -> list[Any] | BaseException:
        try:
            async with self._factory.begin() as session:
                return [await operation(session) for operation, _ in batch]
        except Exception as error:
            return error

    async def start(self, job_id: str) -> int | None:
        """pending → sending, the moment before the request; the new try count, or None if the
        row is no longer pending (the round closed, or another process took it).

        The starts of all slots that arrive while a transaction runs go out together in the
        next one, as a single UPDATE … RETURNING; each caller still waits for its own commit."""
        tries: int | None = await self._batched(self._starts, job_id)
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
        """sending → sent; batched with the other slots' like start() (the common case by far)."""
        await self.queue_sent(job_id)

    def queue_sent(self, job_id: str) -> asyncio.Future[None]:
        """mark_sent without waiting: joins the next shared transaction, and the returned future
        is done once it is committed. The worker queues it before its slot's next start(), so
        both are committed together: one commit per message rather than two."""
        future: asyncio.Future[None] = self._batched(self._sent, job_id)
        return future

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
