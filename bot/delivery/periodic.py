"""Background loops that must survive their own errors: one failed pass never stops the next."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from storage.db.engine import is_database_unavailable

log = logging.getLogger(__name__)


async def run_every(
    interval_seconds: float,
    tick: Callable[[], Awaitable[None]],
    name: str,
    on_database_error: Callable[[str], None] | None = None,
) -> None:
    """Call `tick` every `interval_seconds` until cancelled, logging (never raising) its failures;
    `on_database_error(name)` counts the passes lost to a database outage (/metrics)."""
    while True:
        try:
            await tick()
        except Exception as error:
            if is_database_unavailable(error):  # an outage: one line per tick, not a traceback
                log.warning(f"{name}.database_unavailable", extra={"error": type(error).__name__})
                if on_database_error is not None:
                    on_database_error(name)
            else:
                log.exception(f"{name}.tick_failed")
        await asyncio.sleep(interval_seconds)
