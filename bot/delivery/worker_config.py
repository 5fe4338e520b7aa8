"""What every part of the outbox worker shares: its knobs, its counts, its logger, and where an
error happened for the logs (never the error's message, which may hold ids)."""

from __future__ import annotations

import logging
import os
import traceback
from dataclasses import dataclass

__all__ = ["WorkerConfig", "WorkerStats", "log", "where"]

# Every part logs under the name the worker logged under before it was split into parts, so an
# operator's filter on the logger still sees all of it.
log = logging.getLogger("bot.delivery.outbox_worker")


@dataclass(frozen=True)
class WorkerConfig:
    """The knobs, from Settings (BOT_SEND_*, BOT_OUTBOX_*, BOT_DELIVERY_STATUS_SECONDS)."""

    rate_per_second: float = 25.0
    concurrency: int = 8
    poll_seconds: float = 1.0
    timeout_seconds: float = 10.0
    retry_base_seconds: float = 2.0
    lease_seconds: float = 30.0
    throttle_pause_seconds: float = 60.0
    status_seconds: float = 5.0


def where(error: BaseException) -> str:
    """Where an unexpected error happened, without its message (which may hold ids)."""
    frames = traceback.extract_tb(error.__traceback__)[-3:]
    return " < ".join(
        f"{os.path.basename(f.filename)}:{f.lineno}:{f.name}" for f in reversed(frames)
    )


class WorkerStats:
    """Counts by outcome since the last progress line (and for the metrics page)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def add(self, name: str) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1
