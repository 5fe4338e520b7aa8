"""The world of the chat-flow tests: the real app on a test server, a team of six, HR as person 99.

tests/test_pulse_flow.py and tests/test_prompt_flow.py walk a whole round through the real
pipeline in this one world; each adds only the settings its own flow needs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from tests.conftest import make_settings
from tests.support.clock import Clock
from tests.support.mock_connector import MockConnector, teams_member

TEAM = "19:team-1@thread.tacv2"
PEOPLE = range(1, 7)
HR = 99  # BOT_HR_ADMINS="aad-0099"
START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # a Monday, 09:00 in Copenhagen


@asynccontextmanager
async def flow_world(
    database_url: str, connector: MockConnector, **settings: Any
) -> AsyncIterator[dict[str, Any]]:
    """The app with fast background loops; `settings` add to (or override) the defaults."""
    clock = Clock(START)
    configured = make_settings(
        Path("unused"),
        BOT_DATABASE_URL=database_url,
        BOT_HR_ADMINS=f"aad-{HR:04d}",
        BOT_SCHEDULER_INTERVAL_SECONDS=0.1,
        BOT_OUTBOX_POLL_SECONDS=0.05,
        BOT_SEND_RATE_PER_SECOND=50,
        # HR's delivery status card is updated on this tick. At the default 5 s its final report
        # could come just after a 5 s wait for it (the reflection test failed that way on CI).
        BOT_DELIVERY_STATUS_SECONDS=0.1,
        # No lease renewal writes while a test compares the tables before and after people
        # answer (the prompt test saw one land in between on a loaded machine).
        BOT_OUTBOX_LEASE_SECONDS=600,
        **settings,
    )
    connector.members[TEAM] = [teams_member(n) for n in PEOPLE]
    app = create_app(configured, now=clock)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield {"client": client, "clock": clock, "app": app, "url": database_url}


async def post(client: TestClient, activity: dict[str, Any]) -> None:
    """One activity to /api/messages, as the Bot Connector posts it (201: the turn ran)."""
    response = await client.post("/api/messages", json=activity)
    assert response.status == 201, await response.text()


async def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    async def loop() -> None:
        while not predicate():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(loop(), timeout)


async def wait_until_async(
    read: Callable[[], Awaitable[Any]], expected: Any, timeout: float = 10.0
) -> None:
    async def loop() -> None:
        while await read() != expected:
            await asyncio.sleep(0.02)

    await asyncio.wait_for(loop(), timeout)
