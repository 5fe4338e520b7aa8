"""Proactive delivery: sends outbox rows through the Bot Connector, at the rate Teams allows.

The worker composes its parts and runs them side by side:
- the send lease and the global pause (bot/delivery/send_lease.py): one process sends at a time,
  the others are hot standbys;
- the send loop (bot/delivery/send_loop.py): due rows claimed in batches, sent in slots;
- the row sender (bot/delivery/row_sender.py): one row rendered, paced, sent and settled, every
  failure classified by the one policy (bot/delivery/failure_policy.py);
- the new 1:1 chats a push creates (bot/delivery/new_chats.py), stored a moment later;
- HR's status cards (`report`) and a progress line of counts every PROGRESS_EVERY seconds.
Logs carry counts, kinds and status codes only: never a user id, a conversation id or a text.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime

from botbuilder.schema import ErrorResponseException

from bot.connector.proactive import ProactiveSender
from bot.delivery.new_chats import NewChats
from bot.delivery.rate_limit import Pacer
from bot.delivery.row_sender import Delivered, Renderer, RowSender, Slot
from bot.delivery.send_lease import SendLease
from bot.delivery.send_loop import SendLoop
from bot.delivery.worker_config import WorkerConfig, WorkerStats, log, where
from storage.delivery.outbox import Outbox, OutboxJob
from storage.delivery.send_control import SendControl
from storage.directory.recipients import Directory
from storage.tables.directory import utcnow

__all__ = ["PROGRESS_EVERY", "OutboxWorker"]

PROGRESS_EVERY = 10.0


class OutboxWorker:
    def __init__(
        self,
        outbox: Outbox,
        control: SendControl,
        directory: Directory,
        sender: ProactiveSender,
        render: Renderer,
        config: WorkerConfig,
        pacer: Pacer | None = None,
        report: Callable[[], Awaitable[None]] | None = None,
        now: Callable[[], datetime] = utcnow,
        clock: Callable[[], float] = time.monotonic,
        delivered: Delivered | None = None,
    ) -> None:
        self._config = config
        self.pacer = pacer or Pacer(config.rate_per_second, clock)
        self._report = report
        self._wake = asyncio.Event()
        self._stopping = False
        self.stats = WorkerStats()
        self._chats = NewChats(directory)
        self._lease = SendLease(outbox, control, config, self.stats, self._wake.set, now, clock)
        self._rows = RowSender(
            outbox,
            sender,
            render,
            config,
            self.pacer,
            self._lease,
            self._chats,
            self.stats,
            lambda: self._stopping,
            delivered,
        )
        self._loop = SendLoop(
            outbox, config, self._lease, self._rows, self._wake, lambda: self._stopping
        )

    # --- lifecycle ---------------------------------------------------------------------------

    def wake(self) -> None:
        """Something was queued: look now rather than at the next poll."""
        self._wake.set()

    def stop(self) -> None:
        """Start no new send; run() returns once the requests in flight are settled."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        helpers = [
            asyncio.create_task(self._lease.keep(), name="outbox-lease"),
            asyncio.create_task(self._report_loop(), name="outbox-status"),
            asyncio.create_task(self._progress_loop(), name="outbox-progress"),
        ]
        try:
            await self._loop.run()
        finally:
            for task in helpers:
                task.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)
            try:
                await self._chats.drain()
            except Exception as error:
                log.warning("outbox.new_chats_not_stored", extra={"error": type(error).__name__})
            await self._lease.release()
            self._log_progress()

    def holds_lease(self) -> bool:
        """True while this process may start a send: its lease outlives any request it starts."""
        return self._lease.holds()

    def pause_remaining(self) -> float:
        return self._lease.pause_remaining()

    async def deliver(self, job: OutboxJob, slot: Slot | None = None) -> None:
        """Pace, send and settle one row; never raises (a database hiccup leaves it pending)."""
        await self._rows.deliver(job, slot)

    # --- status and progress -------------------------------------------------------------------

    async def _report_loop(self) -> None:
        while self._report is not None:
            await asyncio.sleep(self._config.status_seconds)
            if self.holds_lease():
                try:
                    await self._report()
                except Exception as error:
                    log.error(
                        "delivery_status.failed",
                        extra={"error": type(error).__name__, "where": where(error)},
                    )

    async def _progress_loop(self) -> None:
        while True:
            await asyncio.sleep(PROGRESS_EVERY)
            self._log_progress()

    def _log_progress(self) -> None:
        if self.stats.counts:
            log.info("outbox.progress", extra=dict(self.stats.counts))
            self.stats.counts.clear()

    # --- the row sender's hooks, where the tests have always reached them ------------------------

    @property
    def _render(self) -> Renderer:
        return self._rows.render

    @_render.setter
    def _render(self, render: Renderer) -> None:
        self._rows.render = render  # a test swaps the renderer for one that closes the round

    async def _classify_http_error(
        self, job: OutboxJob, tries: int, error: ErrorResponseException
    ) -> Callable[[], Awaitable[object]]:
        return await self._rows.classify_http_error(job, tries, error)
