"""The send loop: claims due rows in batches while it holds the lease, and sends them in slots.

A batch is about two seconds of sending; the next one is claimed while the slots still send the
last (`_refill`), so no slot waits for a claim. Each slot sends one row after the other through
the row sender (bot/delivery/row_sender.py).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Collection

from bot.delivery.row_sender import RowSender, Slot
from bot.delivery.send_lease import SendLease
from bot.delivery.worker_config import WorkerConfig, log
from storage.delivery.outbox import Outbox, OutboxJob

__all__ = ["SendLoop"]


class SendLoop:
    """Runs until the worker stops; idles while another process holds the lease or sends pause."""

    def __init__(
        self,
        outbox: Outbox,
        config: WorkerConfig,
        lease: SendLease,
        rows: RowSender,
        wake: asyncio.Event,
        stopping: Callable[[], bool],
    ) -> None:
        self._outbox = outbox
        self._config = config
        self._lease = lease
        self._rows = rows
        self._wake = wake
        self._stopping = stopping
        self._in_flight: set[str] = set()  # rows a slot has taken and not yet settled

    async def _idle(self, seconds: float) -> None:
        self._wake.clear()
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
        except TimeoutError:
            pass

    def _batch_size(self) -> int:
        """About two seconds of sending, so a batch's tail leaves few slots idle."""
        return int(min(1000, max(self._config.concurrency * 4, self._config.rate_per_second * 2)))

    async def run(self) -> None:
        while not self._stopping():
            if not self._lease.holds():
                await self._idle(min(self._config.poll_seconds, 0.5))
                continue
            paused = self._lease.pause_remaining()
            if paused > 0:
                await self._idle(min(paused, 1.0))
                continue
            jobs = await self._claim(self._batch_size())
            if not jobs:
                await self._idle(self._config.poll_seconds)
                continue
            self._rows.forget_renders()
            queue = deque(jobs)
            slots = min(self._config.concurrency, len(jobs))
            refill = (
                asyncio.create_task(self._refill(queue), name="outbox-refill")
                if len(jobs) == self._batch_size()  # a full batch: probably more behind it
                else None
            )
            try:
                await asyncio.gather(*(self._slot(queue) for _ in range(slots)))
            finally:
                if refill is not None:
                    refill.cancel()
                    await asyncio.gather(refill, return_exceptions=True)

    async def _claim(self, limit: int, exclude: Collection[str] = ()) -> list[OutboxJob]:
        try:
            return await self._outbox.due(limit, exclude)
        except Exception as error:
            log.error("outbox.claim_failed", extra={"error": type(error).__name__})
            return []

    async def _refill(self, queue: deque[OutboxJob]) -> None:
        """Claim the next batch while the slots still send the last one. Waiting for a batch to
        finish before claiming the next left every slot idle for the claim: at high rates a gap
        of a few hundred milliseconds per batch. Rows held here or in a slot are excluded; one
        claimed twice anyway would be refused by start(), which only takes pending rows."""
        low_water = max(2 * self._config.concurrency, int(self._config.rate_per_second / 4))
        while not self._stopping():
            if (
                len(queue) > low_water
                or not self._lease.holds()
                or self._lease.pause_remaining() > 0
            ):
                await asyncio.sleep(0.02)
                continue
            held = {job.id for job in queue} | self._in_flight
            jobs = await self._claim(self._batch_size(), held)
            if jobs:
                # Rendered again per batch, as before: a round that closed meanwhile renders
                # as None, and its remaining rows expire instead of going out.
                self._rows.forget_renders()
            queue.extend(job for job in jobs if job.id not in self._in_flight)
            if len(jobs) < self._batch_size():
                return  # the rest of what is due is in the queue now

    async def _slot(self, queue: deque[OutboxJob]) -> None:
        """One send slot: takes the batch's next row until none is left. A task per slot rather
        than per row: at high rates creating and scheduling a thousand tasks a batch showed."""
        slot = Slot()
        try:
            while queue:
                if self._stopping() or not self._lease.holds():
                    return  # the rest stay pending: the next holder (or this one, later) sends them
                job = queue.popleft()
                self._in_flight.add(job.id)
                try:
                    await self._rows.deliver(job, slot)
                finally:
                    self._in_flight.discard(job.id)
        finally:
            try:
                await self._rows.settled(slot)
            except Exception as error:
                log.error("outbox.settle_failed", extra={"error": type(error).__name__})
