"""Group commit for answers: submissions that arrive while a write is running share the next one.

At 9:00 on a Monday hundreds of people press "send" within seconds. Writing each answer in its
own transaction costs a handful of statements and a commit per person, and on SQLite every writer
queues for the one write lock. Here one batch is written at a time: whatever arrived meanwhile goes
into the next transaction, checked and staged by `record_batch` with one statement per table.
Nobody waits for a batch to fill: a lone submission is written at once, alone.

What the caller sees is unchanged: `submit` returns only after the transaction holding the answer
has committed, or raises the refusal, in which case nothing of that submission was written. If a
batch fails for a reason that is not a refusal (a lost connection, a deadlock), each of its
submissions is retried in a transaction of its own, so only the culprit's caller sees the error.

On an SQLite file the batch runs in one thread of its own on a plain `sqlite3` connection: the
whole transaction is one hop from the event loop instead of several per statement. Elsewhere
(PostgreSQL, in-memory SQLite) it runs on the async engine's own connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.anonymity.random_keys import SYSTEM_KEYS, KeySource
from storage.answers.batch import Outcome, RoundFactsCache, Submission, record_batch
from storage.db.crash_points import crash_point
from storage.db.engine import SessionFactory
from storage.db.sqlite_thread import writer_thread

MAX_BATCH = 256  # keeps every statement well under the databases' bound-parameter limits


class AnswerWriter:
    """One per process and database, shared by the pulse and the reflection services."""

    def __init__(
        self, factory: SessionFactory, max_batch: int = MAX_BATCH, keys: KeySource = SYSTEM_KEYS
    ) -> None:
        bind = factory.kw.get("bind")
        if not isinstance(bind, AsyncEngine):
            raise TypeError("the session factory must be bound to an AsyncEngine")
        self._engine = bind
        self._max_batch = max_batch
        self._keys = keys  # a seeded source only in the permutation test
        self._cache = RoundFactsCache()
        self._pending: list[tuple[Submission, asyncio.Future[None]]] = []
        self._drainer: asyncio.Task[None] | None = None
        self._thread = writer_thread(bind)

    async def submit(self, submission: Submission) -> None:
        """Return once the answer is committed; raise its refusal (then nothing was written)."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((submission, future))
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.create_task(self._drain())
        await future

    async def _drain(self) -> None:
        """Write batches while submissions are waiting; ends when none is left."""
        while self._pending:
            batch = self._pending[: self._max_batch]
            del self._pending[: self._max_batch]
            try:
                await self._settle(batch)
            except BaseException:  # cancelled at shutdown: nobody is left waiting forever
                for _, future in [*batch, *self._pending]:
                    future.cancel()
                self._pending.clear()
                raise

    async def _settle(self, batch: list[tuple[Submission, asyncio.Future[None]]]) -> None:
        submissions = [submission for submission, _ in batch]
        try:
            outcomes: Sequence[Outcome | BaseException] = await self._write(submissions)
        except Exception:
            outcomes = [await self._write_alone(submission) for submission in submissions]
        crash_point("stage.committed")  # committed, nobody thanked yet
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():  # the caller gave up waiting; the write stands
                continue
            if outcome is None:
                future.set_result(None)
            else:
                future.set_exception(outcome)

    async def _write_alone(self, submission: Submission) -> Outcome | BaseException:
        try:
            (outcome,) = await self._write([submission])
            return outcome
        except Exception as error:
            return error

    async def _write(self, submissions: list[Submission]) -> list[Outcome]:
        """One transaction for the batch: committed when this returns, rolled back if it raises."""
        if self._thread.available:
            return await self._thread.run(record_batch, submissions, self._cache, self._keys)
        async with self._engine.begin() as connection:
            return await connection.run_sync(record_batch, submissions, self._cache, self._keys)


async def record_alone(factory: SessionFactory, submission: Submission) -> None:
    """One submission in a transaction of its own; raise its refusal (nothing written)."""
    async with factory.begin() as session:
        connection = await session.connection()
        (outcome,) = await connection.run_sync(record_batch, [submission])
        if outcome is not None:
            raise outcome
