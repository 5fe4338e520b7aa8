"""The server freezes its start-up heap once the app has started, and serves as before."""

from __future__ import annotations

import gc
import logging

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.process.gc_tuning import YOUNG_THRESHOLD, freeze_after_startup


async def test_the_heap_is_frozen_after_startup_and_requests_still_work(
    caplog: pytest.LogCaptureFixture,
) -> None:
    started: list[int] = []

    async def startup(app: web.Application):  # type: ignore[no-untyped-def]
        started.append(gc.get_freeze_count())  # the app's own start-up runs first
        yield

    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    thresholds = gc.get_threshold()
    app = web.Application()
    app.cleanup_ctx.append(startup)
    app.router.add_get("/", hello)
    freeze_after_startup(app)
    try:
        with caplog.at_level(logging.INFO, logger="bot.process.gc_tuning"):
            async with TestClient(TestServer(app)) as client:
                assert gc.get_freeze_count() > 0
                assert gc.get_threshold()[0] == YOUNG_THRESHOLD
                assert (await (await client.get("/")).text()) == "ok"
        (record,) = [r for r in caplog.records if r.getMessage() == "gc.frozen"]
        assert record.objects > 0  # type: ignore[attr-defined]
        assert len(started) == 1
    finally:
        gc.unfreeze()  # the rest of the test session collects as usual
        gc.set_threshold(*thresholds)
