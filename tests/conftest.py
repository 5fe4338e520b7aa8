"""Shared fixtures: settings without surprises from the environment, a migrated database, the app."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.settings import Settings
from storage.db.engine import SessionFactory, create_engine, create_session_factory
from storage.db.migrate import upgrade
from tests.support.mock_connector import MockConnector
from tests.support.postgres import (
    PostgresServer,
    PostgresUnavailable,
    postgres_server,
    random_database_name,
)

TEST_SECRET = "test-secret-0123456789-0123456789-abcdef"

# Every CLI a test runs in-process, and every bot process it starts, reads its settings from the
# environment. With the default working hours (08-16 in Copenhagen) a push ordered after 16:00 waits
# for the morning, so such a test passes or fails by the hour it runs at. Tests of quiet hours set
# BOT_WORKING_HOURS themselves, with a clock of their own.
os.environ.setdefault("BOT_WORKING_HOURS", "always")


def make_settings(db_path: Path, **overrides: Any) -> Settings:
    """Settings for tests: never read .env or the developer's environment."""
    values: dict[str, Any] = {
        "BOT_DATABASE_URL": f"sqlite+aiosqlite:///{db_path}",
        "BOT_DEV_MODE": True,
        "BOT_ANONYMITY_SECRET": TEST_SECRET,
        # Most app tests run on the real clock: quiet hours off, or they fail every evening.
        # Tests of quiet hours set BOT_WORKING_HOURS and a clock of their own.
        "BOT_WORKING_HOURS": "always",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
def production_logging(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """The bot's own logging set-up at DEBUG, captured; the previous set-up is restored after."""
    import logging

    from bot.process.logging_setup import configure_logging

    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    saved_levels = {name: logging.getLogger(name).level for name in logging.root.manager.loggerDict}
    saved_switches = {
        name: getattr(logging, name)
        for name in ("_srcfile", "logThreads", "logProcesses", "logMultiprocessing")
    }
    configure_logging("DEBUG")
    root.addHandler(caplog.handler)
    caplog.handler.setLevel(logging.DEBUG)
    yield caplog
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)
    for name, level in saved_levels.items():
        logging.getLogger(name).setLevel(level)
    for name, value in saved_switches.items():
        setattr(logging, name, value)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "trivselsbot.db"


BACKENDS = ["sqlite", "postgresql"]
TEMPLATE_DATABASE = "trivselsbot_template"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests on `session_factory` run on every backend, unless they read the SQLite file (db_path,
    also behind `settings` and `client`) or are marked sqlite_only (PRAGMA, WITHOUT ROWID, …)."""
    if "backend" not in metafunc.fixturenames:
        return
    sqlite_only = "db_path" in metafunc.fixturenames or metafunc.definition.get_closest_marker(
        "sqlite_only"
    )
    metafunc.parametrize("backend", ["sqlite"] if sqlite_only else BACKENDS, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "sqlite"))


def _run_async(coroutine: Any) -> Any:
    """Run admin work on a private loop: sync fixtures must not disturb pytest-asyncio's loop."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.close()


async def _admin(server: PostgresServer, statement: str) -> None:
    connection = await asyncpg.connect(server.dsn())
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def _create_template(server: PostgresServer) -> None:
    await _admin(server, f"CREATE DATABASE {TEMPLATE_DATABASE} TEMPLATE template0")
    engine = create_engine(server.url(TEMPLATE_DATABASE))
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One throwaway server for the whole run, with a migrated template database.

    Without PostgreSQL the tests that need it fail in CI (CI=true) and are skipped locally."""
    try:
        with postgres_server() as server:
            _run_async(_create_template(server))
            yield server
    except PostgresUnavailable as error:
        message = f"PostgreSQL tests cannot run: {error}"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, backend: str) -> Iterator[str]:
    """SQLite: the test's db_path. PostgreSQL: a fresh copy of the migrated template, dropped after."""
    if backend != "postgresql":
        yield f"sqlite+aiosqlite:///{request.getfixturevalue('db_path')}"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    name = random_database_name()
    _run_async(
        _admin(server, f"CREATE DATABASE {name} TEMPLATE {TEMPLATE_DATABASE} STRATEGY FILE_COPY")
    )
    try:
        yield server.url(name)
    finally:
        _run_async(_admin(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture
async def session_factory(database_url: str) -> AsyncIterator[SessionFactory]:
    engine = create_engine(database_url)
    await upgrade(engine)  # a no-op on the PostgreSQL template copy, checked in one query
    yield create_session_factory(engine)
    await engine.dispose()


@pytest.fixture
async def connector() -> AsyncIterator[MockConnector]:
    mock = await MockConnector().start()
    yield mock
    await mock.stop()


@pytest.fixture
def settings(db_path: Path) -> Settings:
    return make_settings(db_path)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[TestClient]:
    """The real app over real HTTP on a loopback port."""
    server = TestServer(create_app(settings), host="127.0.0.1")
    async with TestClient(server) as test_client:
        yield test_client
