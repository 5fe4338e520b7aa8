"""The garbage collector after start-up: what was loaded then is never scanned again.

After start-up the process holds some hundreds of thousands of long-lived objects (modules,
SQLAlchemy's and botbuilder's classes and caches, the schema). A turn allocates many short-lived
containers, so the cyclic collector runs often, and every now and then a full collection walks
that whole start-up heap: a pause of tens of milliseconds in which no turn moves, and so most of
the p99 latency under load (bench/submissions.py). `gc.freeze()`, after one full collection,
moves everything alive at that point into a permanent generation that collections skip (the
`gc` documentation recommends this for long-running servers). Reference counting still frees
those objects as usual; only reference cycles among them would stay until exit.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator

from aiohttp import web

log = logging.getLogger(__name__)


def freeze_startup_heap() -> int:
    """Collect once, then freeze what is left; the number of objects frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def freeze_after_startup(app: web.Application) -> None:
    """For the server process (`trivselsbot run`): freeze once the app's start-up has finished."""

    async def frozen(app: web.Application) -> AsyncIterator[None]:
        log.info("gc.frozen", extra={"objects": freeze_startup_heap()})
        yield

    app.cleanup_ctx.append(frozen)
