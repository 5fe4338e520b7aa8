"""Background loops that must survive their own errors: one failed pass never stops the next."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from storage.db import is_database_unavailable

log = logging.getLogger(__name__)


async def run_every(
    interval_seconds: float, tick: Callable[[], Awaitable[None]], name: str
) -> None:
    """Call `tick` every `interval_seconds` until cancelled, logging (never raising) its failures."""
    while True:
        try:
            await tick()
        except Exception as error:
            if is_database_unavailable(error):  # an outage: one line per tick, not a traceback
                log.warning(f"{name}.database_unavailable", extra={"error": type(error).__name__})
            else:
                log.exception(f"{name}.tick_failed")
        await asyncio.sleep(interval_seconds)
