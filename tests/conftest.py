"""Shared fixtures: settings without surprises from the environment, a migrated database, the app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.settings import Settings
from storage.db import SessionFactory, create_engine, create_session_factory
from storage.migrate import upgrade
from tests.support.mock_connector import MockConnector

TEST_SECRET = "test-secret-0123456789-0123456789-abcdef"


def make_settings(db_path: Path, **overrides: Any) -> Settings:
    """Settings for tests: never read .env or the developer's environment."""
    values: dict[str, Any] = {
        "BOT_DATABASE_URL": f"sqlite+aiosqlite:///{db_path}",
        "BOT_DEV_MODE": True,
        "BOT_ANONYMITY_SECRET": TEST_SECRET,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
def production_logging(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """The bot's own logging set-up at DEBUG, captured; the previous set-up is restored after."""
    import logging

    from bot.logging_setup import configure_logging

    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    saved_levels = {name: logging.getLogger(name).level for name in logging.root.manager.loggerDict}
    configure_logging("DEBUG")
    root.addHandler(caplog.handler)
    caplog.handler.setLevel(logging.DEBUG)
    yield caplog
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)
    for name, level in saved_levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "trivselsbot.db"


@pytest.fixture
async def session_factory(db_path: Path) -> AsyncIterator[SessionFactory]:
    engine = create_engine(f"sqlite+aiosqlite:///{db_path}")
    await upgrade(engine)
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
