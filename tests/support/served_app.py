"""The real app (and a mock connector) served on a free loopback port from a thread of their own.

For tests that are synchronous by nature: hypothesis' @given and schemathesis call the server
many times from plain functions, while the app keeps one event loop for its whole life, in a
thread. `run(coroutine)` runs a coroutine on that loop (e.g. an HTTP call through `session`).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

import aiohttp
from aiohttp import web

from tests.support.mock_connector import MockConnector, free_port

T = TypeVar("T")


class ServedApp:
    def __init__(self, app: web.Application, connector: MockConnector | None = None) -> None:
        self.app = app
        self.connector = connector
        self.port = 0
        self.session: aiohttp.ClientSession | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def start(self) -> ServedApp:
        self._thread.start()
        self.run(self._start())
        return self

    async def _start(self) -> None:
        if self.connector is not None:
            await self.connector.start()
        self._runner = web.AppRunner(self.app)
        await self._runner.setup()
        self.port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        self.session = aiohttp.ClientSession(self.url)

    def stop(self) -> None:
        try:
            self.run(self._stop())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop.close()

    async def _stop(self) -> None:
        if self.session is not None:
            await self.session.close()
        if self._runner is not None:
            await self._runner.cleanup()
        if self.connector is not None:
            await self.connector.stop()
        # Whatever is still running here (a connection aiohttp lingers on) ends with the loop.
        others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
