"""The one application factory: settings in, a ready aiohttp app out, no module-level state."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from botbuilder.core import ConversationState
from botbuilder.schema import Activity
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.admin.requests import ADMIN, AdminContext
from bot.admin.routes import add_admin_routes, add_guarded_get
from bot.connector.proactive import ProactiveSender
from bot.delivery.bank_runtime import seed_question_bank, start_bank_refresh
from bot.delivery.outbox_worker import OutboxWorker
from bot.delivery.periodic import run_every
from bot.delivery.prompt_runtime import (
    build_prompt_services,
    seed_starter_library,
    start_prompt_tasks,
)
from bot.delivery.rate_limit import Pacer
from bot.delivery.scheduler import Scheduler
from bot.delivery.status_cards import DeliveryStatusReporter
from bot.delivery.worker_config import WorkerConfig
from bot.documents.download import DOWNLOADS, Downloads, add_download_routes
from bot.documents.export import DocumentExporter
from bot.operations.metrics import (
    METRICS_CONTENT_TYPE,
    METRICS_PATH,
    Metrics,
    SchedulerFigures,
    WorkerFigures,
    render_metrics,
)
from bot.settings import Settings
from bot.tab import TAB, TabContext, TabTokens, add_tab_routes
from bot.teams.adapter import create_adapter
from bot.teams.handler import TrivselsbotHandler
from bot.teams.messages_endpoint import messages_handler
from bot.teams.request_body import MAX_BODY_BYTES
from bot.teams.router import Router
from bot.teams.state_storage import SqlStorage
from dialogs.messages.outbox import render, render_channel_job
from dialogs.turn import Services
from storage.answers.pulse import Answers
from storage.answers.writer import AnswerWriter
from storage.db.engine import (
    SessionFactory,
    create_engine,
    create_session_factory,
    is_database_unavailable,
)
from storage.db.migrate import upgrade
from storage.db.service_gauges import read_gauges
from storage.delivery.outbox import Outbox, OutboxJob
from storage.delivery.send_control import SendControl
from storage.delivery.status import Deliveries
from storage.directory.baselines import Baselines
from storage.directory.hierarchy import Hierarchy
from storage.directory.recipients import Directory
from storage.directory.roles import Roles
from storage.privacy.audit import AuditLog
from storage.privacy.retention import purge
from storage.privacy.rights import Privacy
from storage.question_bank import load_bank
from storage.questions.store import QuestionBankStore
from storage.questions.templates import Templates
from storage.results.download_links import DownloadLinks
from storage.results.month_notes import MonthNotes
from storage.results.tab import ResultsTab
from storage.results.team_share import TeamShares
from storage.rounds.closing_note import ClosingNotes
from storage.rounds.lifecycle import Rounds
from storage.rounds.schedules import Schedules
from storage.tables.directory import utcnow

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """What lives as long as the app: the database, the services and the background workers."""

    engine: AsyncEngine
    services: Services
    outbox: Outbox
    worker: OutboxWorker
    scheduler: Scheduler
    messages: Handler
    factory: SessionFactory
    background_workers: bool = True

    def worker_figures(self) -> WorkerFigures | None:
        """The outbox worker's counts, when this process runs it."""
        if not self.background_workers:
            return None
        return worker_figures(self.worker)

    def scheduler_figures(self) -> SchedulerFigures | None:
        if not self.background_workers:
            return None
        last = self.scheduler.last_pass_at
        return SchedulerFigures(None if last is None else time.monotonic() - last)


def worker_figures(worker: OutboxWorker) -> WorkerFigures:
    counts = worker.stats.counts
    return WorkerFigures(
        sends=dict(counts),
        pauses=counts.get("pauses", 0),
        paused_seconds=worker.pause_remaining(),
        holds_lease=worker.holds_lease(),
        database_errors=counts.get("database_errors", 0),
    )


RUNTIME = web.AppKey("runtime", Runtime)
METRICS = web.AppKey("metrics", Metrics)
SETTINGS = web.AppKey("settings", Settings)


def build_services(
    settings: Settings, factory: SessionFactory, now: Callable[[], datetime] = utcnow
) -> Services:
    bank = load_bank()  # this app's own live copy: HR's imports change it in place
    secret = settings.anonymity_secrets
    writer = AnswerWriter(factory)  # pulse answers and reflections share one group commit
    summaries = settings.summaries(factory, bank, now)
    return Services(
        directory=Directory(factory),
        roles=Roles(factory, settings.hr_admins, settings.demo_all_roles),
        rounds=Rounds(factory, bank, secret, settings.quiet_hours),
        prompts=build_prompt_services(
            settings, factory, Rounds(factory, bank, secret, settings.quiet_hours), now, writer
        ),
        answers=Answers(factory, bank, secret, writer),
        privacy=Privacy(factory, secret),
        deliveries=Deliveries(factory, now, settings.send_rate_per_second, settings.quiet_hours),
        hierarchy=Hierarchy(factory),
        closing_notes=ClosingNotes(factory, settings.min_group_size),
        summaries=summaries,
        shares=TeamShares(factory, summaries, settings.quiet_hours, now),
        month_notes=MonthNotes(factory, summaries, settings.quiet_hours, now),
        audit=AuditLog(factory, now),
        bank=bank,
        min_group_size=settings.min_group_size,
        min_comment_group_size=settings.min_comment_group_size,
        default_language=settings.default_language,
        pulse_open_days=settings.pulse_open_days,
        pulse_reminder_hours=settings.pulse_reminder_hours,
        now=now,
        download_links=DownloadLinks(
            factory, secret, settings.public_base_url, settings.document_link_lifetime, now
        ),
        questions=QuestionBankStore(factory, bank),
        templates=Templates(factory, bank),
    )


def build_worker(
    settings: Settings,
    factory: SessionFactory,
    services: Services,
    sender: ProactiveSender,
    now: Callable[[], datetime] = utcnow,
) -> OutboxWorker:
    """The outbox worker and HR's status reporter: the same code in the app and `trivselsbot worker`."""

    async def render_job(job: OutboxJob) -> Activity | None:
        return await render(job, services)

    async def delivered(job: OutboxJob) -> None:
        """A leader's result card was delivered: the audit log records that leader saw it."""
        await services.audit.record_delivered(job.user_id, job.subject_id)

    config = WorkerConfig(
        rate_per_second=settings.send_rate_per_second,
        concurrency=settings.send_concurrency,
        poll_seconds=settings.outbox_poll_seconds,
        timeout_seconds=settings.send_timeout_seconds,
        retry_base_seconds=settings.send_retry_base_seconds,
        lease_seconds=settings.outbox_lease_seconds,
        throttle_pause_seconds=settings.send_throttle_pause_seconds,
        status_seconds=settings.delivery_status_seconds,
    )
    pacer = Pacer(config.rate_per_second)
    # A chat flow takes over its push's watch within the turn; other watches get their first
    # card from the reporter after two status intervals.
    reporter = DeliveryStatusReporter(
        services.deliveries,
        sender,
        pacer,
        first_card_after=2 * settings.delivery_status_seconds,
        working_hours=settings.quiet_hours,
        now=now,
    )
    return OutboxWorker(
        Outbox(factory, now),
        SendControl(factory, now),
        services.directory,
        sender,
        render_job,
        config,
        pacer=pacer,
        report=reporter.tick,
        now=now,
        delivered=delivered,
    )


async def stop_worker(worker: OutboxWorker, task: asyncio.Task[None], grace: float) -> None:
    """Let the sends in flight settle (at most one timeout), so a clean stop leaves none in doubt."""
    worker.stop()
    try:
        await asyncio.wait_for(asyncio.shield(task), grace + 2)
    except (TimeoutError, asyncio.CancelledError):
        task.cancel()
    except Exception:
        log.exception("outbox.worker_crashed")


def start_retention(
    settings: Settings,
    factory: SessionFactory,
    now: Callable[[], datetime],
    on_database_error: Callable[[str], None] | None = None,
) -> asyncio.Task[None]:
    """The retention job (storage/privacy/retention.py) on every replica: its deletes are idempotent."""
    policy = settings.retention_policy

    async def tick() -> None:
        report = await purge(factory, policy, now())
        if report.total:
            log.info(
                "retention.purged",
                extra=report.model_dump(exclude={"dry_run", "cutoff", "skipped_periods"}),
            )
        if report.skipped_periods:
            log.warning("retention.periods_waiting", extra={"periods": report.skipped_periods})

    return asyncio.create_task(
        run_every(settings.retention_interval_seconds, tick, "retention", on_database_error),
        name="retention",
    )


def start_settling(
    settings: Settings,
    month_notes: MonthNotes,
    wake_outbox: Callable[[], None],
    on_database_error: Callable[[str], None] | None = None,
) -> asyncio.Task[None]:
    """Decide each month's release as the month ends and keep it (storage/results/months.py), so
    summary cards read one kept row, and tell the leaders above the teams once it is settled
    (storage/results/month_notes.py); every replica may run it, each is written once."""

    async def tick() -> None:
        if await month_notes.notify_settled():
            wake_outbox()

    return asyncio.create_task(
        run_every(settings.scheduler_interval_seconds, tick, "settle", on_database_error),
        name="settle",
    )


def _is_admin_path(path: str) -> bool:
    return path == "/admin" or path.startswith("/admin/")


def socket_middleware(settings: Settings) -> Any:
    """Each socket serves its own doors (/healthz on all): with BOT_ADMIN_PORT, /admin/ (and
    /metrics in admin mode) answers only there and /api/messages only elsewhere; with
    BOT_METRICS=port, the metrics socket serves /metrics alone and no other socket serves it.
    The internet may reach /api/messages without reaching HR's API or the figures."""
    admin_port, metrics_port = settings.admin_port, settings.metrics_port
    metrics_on_admin = settings.metrics == "admin"

    def allowed(path: str, port: int | None) -> bool:
        if path == "/healthz":
            return True
        if metrics_port is not None and port == metrics_port:
            return path == METRICS_PATH
        if path == METRICS_PATH:
            return metrics_on_admin and (admin_port is None or port == admin_port)
        if admin_port is not None:
            return _is_admin_path(path) == (port == admin_port)
        return True

    @web.middleware
    async def separate(request: web.Request, handler: Handler) -> web.StreamResponse:
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        if not allowed(request.path, sockname[1] if sockname else None):
            return web.json_response({"error": "not found"}, status=404)
        return await handler(request)

    return separate


def listening_sockets(settings: Settings) -> list[socket.socket]:
    """The bot's socket, the admin API's own when BOT_ADMIN_PORT is set (BOT_ADMIN_HOST, or
    BOT_HOST when that is empty), and the metrics socket with BOT_METRICS=port."""
    places = [(settings.host, settings.port)]
    if settings.admin_port:
        places.append((settings.admin_host or settings.host, settings.admin_port))
    if settings.metrics == "port" and settings.metrics_port:
        places.append((settings.metrics_host or settings.host, settings.metrics_port))
    sockets = []
    for host, port in places:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sockets.append(socket.create_server((host.strip("[]"), port), family=family))
    return sockets


def add_metrics_route(
    app: web.Application, settings: Settings, now: Callable[[], datetime]
) -> None:
    """/metrics as BOT_METRICS says: off (no route), alone on its port, or behind the admin token."""
    if settings.metrics == "off":
        return

    async def page(request: web.Request) -> web.Response:
        runtime = request.app[RUNTIME]
        metrics = request.app[METRICS]
        try:
            gauges = await asyncio.wait_for(read_gauges(runtime.factory, now()), 5.0)
        except Exception as error:  # the page still shows what this process knows
            gauges = None
            if is_database_unavailable(error) or isinstance(error, TimeoutError):
                metrics.database_error("metrics")
            else:
                log.exception("metrics.gauges_failed")
        text = render_metrics(
            metrics, gauges, runtime.worker_figures(), runtime.scheduler_figures()
        )
        return web.Response(body=text.encode(), headers={"Content-Type": METRICS_CONTENT_TYPE})

    if settings.metrics == "admin":
        add_guarded_get(app, settings, METRICS_PATH, page)
    else:
        app.router.add_get(METRICS_PATH, page)


def create_app(settings: Settings, now: Callable[[], datetime] = utcnow) -> web.Application:
    """Engines, services and workers live in cleanup_ctx: created on start, stopped on shutdown."""
    separate = settings.admin_port or settings.metrics == "port"
    middlewares = [socket_middleware(settings)] if separate else []
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=middlewares)
    app[SETTINGS] = settings
    app[METRICS] = metrics = Metrics()
    adapter = create_adapter(settings)

    async def runtime(app: web.Application) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url)
        await upgrade(engine)
        factory = create_session_factory(engine)
        services = build_services(settings, factory, now)
        await seed_starter_library(services.prompts.library)
        assert services.questions is not None
        await seed_question_bank(services.questions)
        outbox = Outbox(factory, now)
        await adapter.connectors.open()
        sender = ProactiveSender(adapter.connectors, settings.app_id, settings.send_timeout_seconds)
        worker = build_worker(settings, factory, services, sender, now)
        scheduler = Scheduler(
            services.rounds,
            Schedules(factory, services.rounds),
            settings.scheduler_interval_seconds,
            now,
            worker.wake,
            on_database_error=metrics.database_error,
        )
        bot = TrivselsbotHandler(
            services, Router(), ConversationState(SqlStorage(factory)), on_queued=worker.wake
        )
        app[RUNTIME] = Runtime(
            engine,
            services,
            outbox,
            worker,
            scheduler,
            messages_handler(adapter, bot, settings.app_tenant_id, metrics),
            factory,
            settings.background_workers,
        )
        documents = DocumentExporter(
            services.summaries,
            services.hierarchy,
            services.roles,
            services.bank,
            now,
            audit=services.audit,
        )
        app[ADMIN] = AdminContext(
            services.prompts,
            services.directory,
            now,
            worker.wake,
            documents,
            roles=services.roles,
            hierarchy=services.hierarchy,
            summaries=services.summaries,
            audit=services.audit,
            bank=services.bank,
            questions=services.questions,
            templates=services.templates,
            baselines=Baselines(factory, services.bank),
        )
        app[DOWNLOADS] = Downloads(services.download_links, documents)
        app[TAB] = TabContext(
            ResultsTab(
                services.summaries,
                services.hierarchy,
                Baselines(factory, services.bank),
                services.bank,
                now,
            ),
            services.roles,
            services.hierarchy,
            TabTokens(settings),
            services.bank,
            documents,
            services.audit,
        )
        tasks = [start_bank_refresh(services.questions, metrics.database_error)]
        if settings.background_workers:
            tasks += [
                asyncio.create_task(worker.run(), name="outbox-worker"),
                asyncio.create_task(scheduler.run(), name="scheduler"),
            ]
            tasks.append(start_retention(settings, factory, now, metrics.database_error))
            tasks.append(
                start_settling(settings, services.month_notes, worker.wake, metrics.database_error)
            )
            tasks += start_prompt_tasks(
                settings,
                services.prompts,
                sender,
                lambda job: render_channel_job(job, services),
                now,
                worker.wake,
                metrics.database_error,
            )
        log.info(
            "startup",
            extra={
                "dev_mode": settings.dev_mode,
                "authentication": settings.authentication_enabled,
                "database": engine.dialect.name,
                "background_workers": settings.background_workers,
            },
        )
        yield
        for task in tasks:
            if task.get_name() == "outbox-worker":
                await stop_worker(worker, task, settings.send_timeout_seconds)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await sender.close()
        await adapter.connectors.close()
        await engine.dispose()
        log.info("shutdown")

    app.cleanup_ctx.append(runtime)

    async def messages(request: web.Request) -> web.StreamResponse:
        return await request.app[RUNTIME].messages(request)

    async def healthz(request: web.Request) -> web.Response:
        """Healthy means the database answers; a load balancer takes the replica out otherwise."""
        try:
            async with request.app[RUNTIME].engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            log.exception("healthz.database_unavailable")
            return web.json_response({"status": "unavailable", "database": "down"}, status=503)
        return web.json_response({"status": "ok", "database": "up"})

    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    add_download_routes(app)
    add_admin_routes(app, settings)
    add_metrics_route(app, settings, now)
    add_tab_routes(app, settings)
    return app
