"""Who may send now: this process's send lease, and the global pause that travels with it.

One process sends at a time, the holder of the send lease (storage/delivery/send_control.py);
others are hot standbys. The lease makes the per-tenant rate exact across replicas and decides
who may recover rows a dead sender left 'sending'. Repeated 429s pause *all* sends; the pause is
stored in the database, so a restart or the next holder keeps it.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections import deque
from collections.abc import Callable
from datetime import datetime

from bot.delivery.worker_config import WorkerConfig, WorkerStats, log
from storage.db.engine import is_database_unavailable
from storage.delivery.outbox import Outbox
from storage.delivery.send_control import SendControl

__all__ = ["PAUSE_CAP_SECONDS", "THROTTLE_BURST", "THROTTLE_WINDOW", "SendLease"]

THROTTLE_BURST = 3  # this many 429s ...
THROTTLE_WINDOW = 10.0  # ... within this many seconds pause every send
PAUSE_CAP_SECONDS = 660.0  # Company Communicator's fixed pause is 11 minutes; ours ends there


class SendLease:
    """The lease this process holds (or hopes to), kept by `keep()`, and the pause it adopted."""

    def __init__(
        self,
        outbox: Outbox,
        control: SendControl,
        config: WorkerConfig,
        stats: WorkerStats,
        wake: Callable[[], None],
        now: Callable[[], datetime],
        clock: Callable[[], float],
    ) -> None:
        self._outbox = outbox
        self._control = control
        self._config = config
        self._stats = stats
        self._wake = wake  # the lease was taken or kept: the send loop looks at once
        self._now = now
        self._clock = clock
        self._holder = f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._lease_deadline = 0.0
        self._recovered = False
        self._paused_until = 0.0
        self._recent_429: deque[float] = deque()

    # --- the lease ---------------------------------------------------------------------------

    def holds(self) -> bool:
        """True while this process may start a send: its lease outlives any request it starts."""
        margin = self._config.timeout_seconds + 1.0
        return self._recovered and self._clock() < self._lease_deadline - margin

    async def keep(self) -> None:
        """Take the lease, or keep it, for as long as the worker runs (cancelled at its end)."""
        lease_seconds = self._config.lease_seconds
        while True:
            started = self._clock()
            try:
                lease = await self._control.hold(self._holder, lease_seconds)
                if lease is None:
                    if self._lease_deadline:
                        log.warning("outbox.lease_lost")
                    self._lease_deadline = 0.0
                    self._recovered = False
                else:
                    if lease.took_over:
                        self._recovered = False
                    if not self._recovered:
                        recovered = await self._outbox.recover_in_flight()
                        self._recovered = True
                        log.info("outbox.lease_taken", extra={"recovered_in_flight": recovered})
                    self._lease_deadline = started + lease_seconds
                    self._sync_pause(lease.throttled_until)
                    self._wake()
            except Exception as error:
                log.error("outbox.lease_failed", extra={"error": type(error).__name__})
                if is_database_unavailable(error):
                    self._stats.add("database_errors")
            leader = self._lease_deadline > 0
            await asyncio.sleep(lease_seconds / 6 if leader else max(0.2, lease_seconds / 3))

    async def release(self) -> None:
        """At stop: hand the lease over at once rather than when it runs out."""
        if self._lease_deadline:
            try:
                await self._control.release(self._holder)
            except Exception:
                log.warning("outbox.lease_release_failed")
        self._lease_deadline = 0.0

    # --- the global pause ----------------------------------------------------------------------

    def _sync_pause(self, until: datetime | None) -> None:
        """Adopt a pause from the database (set before a restart, or by the previous holder)."""
        if until is None:
            return
        remaining = (until - self._now()).total_seconds()
        if remaining > 0:
            self._paused_until = max(self._paused_until, self._clock() + remaining)

    def pause_remaining(self) -> float:
        return max(0.0, self._paused_until - self._clock())

    async def note_429(self, retry_after: float | None) -> None:
        """Count 429s; THROTTLE_BURST of them within THROTTLE_WINDOW pause every send."""
        now = self._clock()
        self._recent_429.append(now)
        while self._recent_429 and self._recent_429[0] < now - THROTTLE_WINDOW:
            self._recent_429.popleft()
        if len(self._recent_429) < THROTTLE_BURST or self.pause_remaining() > 0:
            return
        self._recent_429.clear()
        until = await self._control.pause(
            self._config.throttle_pause_seconds, retry_after or 0.0, PAUSE_CAP_SECONDS
        )
        self._sync_pause(until)
        self._stats.add("pauses")
        log.warning("outbox.paused", extra={"seconds": round(self.pause_remaining(), 1)})
