"""The clock of the bot: creates rounds from schedules, opens, reminds and closes them on time."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from bot.delivery.periodic import run_every
from storage.rounds.lifecycle import Rounds
from storage.rounds.schedules import Schedules

log = logging.getLogger(__name__)


class Scheduler:
    def __init__(
        self,
        rounds: Rounds,
        schedules: Schedules,
        interval_seconds: float,
        now: Callable[[], datetime],
        on_queued: Callable[[], None],
        on_database_error: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rounds = rounds
        self._on_database_error = on_database_error
        self._clock = clock
        self.last_pass_at: float | None = None  # monotonic; /metrics shows its age
        self._schedules = schedules
        self._interval = interval_seconds
        self._now = now
        self._on_queued = on_queued

    async def run(self) -> None:
        await run_every(self._interval, self.tick, "scheduler", self._on_database_error)

    async def tick(self) -> None:
        """One pass; every step is idempotent, so a crash mid-way is repaired by the next pass."""
        now = self._now()
        created = await self._schedules.create_due_rounds(now)
        opened = await self._rounds.open_due(now)
        reminders = await self._rounds.enqueue_due_reminders(now)
        closed = await self._rounds.close_due(now)
        self.last_pass_at = self._clock()
        if opened or reminders or closed:  # closing queues the note to every member
            self._on_queued()
        if created or opened or reminders or closed:
            log.info(
                "scheduler.tick",
                extra={
                    "rounds_created": len(created),
                    "rounds_opened": len(opened),
                    "reminders": reminders,
                    "rounds_closed": len(closed),
                },
            )
