"""The garbage collector after start-up: what was loaded then is never scanned again.

After start-up the process holds some hundreds of thousands of long-lived objects (modules,
SQLAlchemy's and botbuilder's classes and caches, the schema). A turn allocates many short-lived
containers, so the cyclic collector runs often, and every now and then a full collection walks
that whole start-up heap: a pause of tens of milliseconds in which no turn moves, and so most of
the p99 latency under load (bench/submissions.py). `gc.freeze()`, after one full collection,
moves everything alive at that point into a permanent generation that collections skip (the
`gc` documentation recommends this for long-running servers). Reference counting still frees
those objects as usual; only reference cycles among them would stay until exit.

The youngest generation is then collected every 50,000 net allocations instead of every 700.
A pass costs about what is alive and young at that moment (under load: the turns in flight),
not what was allocated since, so fewer passes are less work: in the closed-loop bench the
collector's CPU time went from 0.81 s to 0.47 s per run at 10,000; at 10,000 one run of
`bench.submissions --only fast` (about 20,000 submissions) still made 84 young passes of 6 ms
each (0.54 s, a few per cent of the bot's CPU), at 50,000 one (2026-12-03). A turn's objects
are freed by reference counting as it ends, so the net count stays far below that; what a
pass would find (cyclic garbage, a few MB at most) waits a little longer. The older
generations keep their default ratios.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator

from aiohttp import web

log = logging.getLogger(__name__)


YOUNG_THRESHOLD = 50_000


def freeze_startup_heap() -> int:
    """Collect once, freeze what is left, collect the young less often; the objects frozen."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
    return gc.get_freeze_count()


def freeze_after_startup(app: web.Application) -> None:
    """For the server process (`trivselsbot run`): freeze once the app's start-up has finished."""

    async def frozen(app: web.Application) -> AsyncIterator[None]:
        log.info("gc.frozen", extra={"objects": freeze_startup_heap()})
        yield

    app.cleanup_ctx.append(frozen)
