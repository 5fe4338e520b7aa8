"""`trivselsbot worker`: the outbox worker on its own, without the HTTP server.

Run it next to (or instead of the background worker in) `trivselsbot run` to scale delivery apart
from turns; replicas are safe together, because only the holder of the send lease sends. SIGTERM
or Ctrl-C stops it cleanly: no new sends, the ones in flight settle, the lease is handed on.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from typing import Any

from bot.settings import Settings

log = logging.getLogger("bot")


async def run_worker(settings: Settings) -> None:
    from bot.app import build_services, build_worker, stop_worker
    from bot.connector.proactive import ProactiveSender
    from bot.delivery.bank_runtime import start_bank_refresh
    from bot.process.gc_tuning import freeze_startup_heap
    from bot.teams.adapter import create_adapter
    from storage.db.engine import create_engine, create_session_factory
    from storage.db.migrate import upgrade

    engine = create_engine(settings.database_url)
    connectors = create_adapter(settings).connectors
    sender = ProactiveSender(connectors, settings.app_id, settings.send_timeout_seconds)
    try:
        await connectors.open()
        await upgrade(engine)
        factory = create_session_factory(engine)
        services = build_services(settings, factory)
        assert services.questions is not None
        await services.questions.refresh()  # HR's bank, and kept in step as the server keeps it
        refresh = start_bank_refresh(services.questions)
        worker = build_worker(settings, factory, services, sender)
        # As in the server: without it a full collection walked the start-up heap in the middle
        # of a push, and every send slot stood still for 100-130 ms (bench/fanout.py).
        frozen = freeze_startup_heap()
        metrics_site = await serve_worker_metrics(settings, factory, worker)
        task = asyncio.create_task(worker.run(), name="outbox-worker")
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        log.info("worker.started", extra={"database": engine.dialect.name, "gc_frozen": frozen})
        await asyncio.wait(
            [task, asyncio.create_task(stop.wait())], return_when=asyncio.FIRST_COMPLETED
        )
        await stop_worker(worker, task, settings.send_timeout_seconds)
        refresh.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await refresh
        if metrics_site is not None:
            await metrics_site.cleanup()
        log.info("worker.stopped")
    finally:
        await sender.close()
        await connectors.close()
        await engine.dispose()


async def serve_worker_metrics(settings: Settings, factory: Any, worker: Any) -> Any:
    """BOT_METRICS=port: the worker's /metrics (sends, 429s, pauses, the lease, and the shared
    gauges) and /healthz on BOT_METRICS_HOST:BOT_METRICS_PORT; otherwise a worker has no HTTP door."""
    if settings.metrics != "port" or settings.metrics_port is None:
        return None
    from aiohttp import web

    from bot.app import worker_figures
    from bot.operations.metrics import (
        METRICS_CONTENT_TYPE,
        METRICS_PATH,
        Metrics,
        render_metrics,
    )
    from storage.db.service_gauges import read_gauges
    from storage.tables.directory import utcnow

    metrics = Metrics()  # no turns in this process; database errors of its own reads

    async def page(_request: web.Request) -> web.Response:
        try:
            gauges = await asyncio.wait_for(read_gauges(factory, utcnow()), 5.0)
        except Exception:  # noqa: BLE001 - the page still shows the worker's own counts
            gauges = None
            metrics.database_error("metrics")
        text = render_metrics(metrics, gauges, worker_figures(worker), None)
        return web.Response(body=text.encode(), headers={"Content-Type": METRICS_CONTENT_TYPE})

    async def healthz(_request: web.Request) -> web.Response:
        """For a container's health check: the worker is healthy when its database answers."""
        from sqlalchemy import text

        try:
            async with factory() as session:
                await session.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any failure means unhealthy
            return web.json_response({"status": "unavailable", "database": "down"}, status=503)
        return web.json_response({"status": "ok", "database": "up"})

    app = web.Application()
    app.router.add_get(METRICS_PATH, page)
    app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, settings.metrics_host or settings.host, settings.metrics_port).start()
    return runner


def add_commands(sub: Any, settings_or_exit: Callable[..., Settings]) -> None:
    def cmd_worker(_args: argparse.Namespace) -> None:
        from bot.process.event_loop import use_fast_event_loop
        from bot.process.logging_setup import configure_logging

        settings = settings_or_exit()
        configure_logging(settings.log_level)
        use_fast_event_loop()
        asyncio.run(run_worker(settings))

    worker = sub.add_parser(
        "worker", help="run only the outbox worker (proactive delivery), no HTTP server"
    )
    worker.set_defaults(func=cmd_worker)
