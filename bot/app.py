"""The one application factory: settings in, a ready aiohttp app out, no module-level state."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web
from botbuilder.core import ConversationState
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.adapter import create_adapter
from bot.messages_endpoint import MAX_BODY_BYTES, messages_handler
from bot.router import Router
from bot.settings import Settings
from bot.state_storage import SqlStorage
from bot.teams_handler import TrivselsbotHandler
from dialogs.turn import Services
from storage.db import create_engine, create_session_factory
from storage.directory import Directory
from storage.migrate import upgrade
from storage.roles import Roles

log = logging.getLogger(__name__)

SETTINGS = web.AppKey("settings", Settings)
SERVICES = web.AppKey("services", Services)
ENGINE = web.AppKey("engine", AsyncEngine)
MESSAGES = web.AppKey("messages", object)


def build_services(settings: Settings, factory) -> Services:  # type: ignore[no-untyped-def]
    return Services(
        directory=Directory(factory),
        roles=Roles(factory, settings.hr_admins, settings.demo_all_roles),
        min_group_size=settings.min_group_size,
        default_language=settings.default_language,
    )


def create_app(settings: Settings) -> web.Application:
    """Engines and services live in cleanup_ctx so they are created on start and disposed on stop."""
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[SETTINGS] = settings
    adapter = create_adapter(settings)

    async def database(app: web.Application) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url)
        await upgrade(engine)
        factory = create_session_factory(engine)
        services = build_services(settings, factory)
        app[SERVICES] = services
        app[ENGINE] = engine
        conversation_state = ConversationState(SqlStorage(factory))
        bot = TrivselsbotHandler(services, Router(), conversation_state)
        app[MESSAGES] = messages_handler(adapter, bot)
        log.info(
            "startup",
            extra={
                "dev_mode": settings.dev_mode,
                "authentication": settings.authentication_enabled,
                "database": engine.dialect.name,
            },
        )
        yield
        await engine.dispose()
        log.info("shutdown")

    app.cleanup_ctx.append(database)

    async def messages(request: web.Request) -> web.StreamResponse:
        handler = request.app[MESSAGES]
        return await handler(request)  # type: ignore[operator,no-any-return]

    async def healthz(request: web.Request) -> web.Response:
        """Healthy means the database answers; a load balancer takes the replica out otherwise."""
        try:
            async with request.app[ENGINE].connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            log.exception("healthz.database_unavailable")
            return web.json_response({"status": "unavailable", "database": "down"}, status=503)
        return web.json_response({"status": "ok", "database": "up"})

    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    return app
