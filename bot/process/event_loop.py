"""The event loop the server and the worker run on: uvloop when it is installed, else asyncio's.

uvloop's loop and transports are written in C (libuv); on the turn path, where every submission
is an HTTP request in and one out, it takes a fifth to a third off the per-request cost of the
loop and the sockets (bench/submissions.py). Everything else is unchanged: same aiohttp, same
coroutines. Without the package (other platforms), the standard loop runs as before.
"""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger(__name__)


def use_fast_event_loop() -> str:
    """Install uvloop's policy for loops made from now on; the name of the loop in use."""
    try:
        import uvloop
    except ImportError:
        return "asyncio"
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return "uvloop"
