"""/metrics: off unless configured, behind the admin token or alone on its own port, and after a
whole round (install, HR's push with a 429 from Teams, five answers with comments, a second press,
a reminder, the close) it counts the service and names no one: no id, no name, no team, no round,
no comment, no answer value, and no label value that did not exist before the first turn.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import RUNTIME, create_app, listening_sockets
from bot.delivery.periodic import run_every
from bot.operations.metrics import DATABASE_ERROR_PLACES, SEND_RESULTS, TURN_KINDS, TURN_OUTCOMES
from storage.tables.outbox import OutboxKind
from tests.conftest import make_settings
from tests.support import activities as A
from tests.support.clock import Clock
from tests.support.mock_connector import free_port, personal, teams_member
from tests.support.throttling_connector import ThrottlingConnector
from tests.test_pulse_flow import (
    COMMENTS,  # what `answer` writes in each comment field
    PEOPLE,
    TEAM,
    answer,
    cards_to,
    post,
    round_state,
    start_pulse_as_hr,
    to_people_and_updated,
    wait_until,
    wait_until_async,
)

TOKEN = "metrics-admin-token-0123456789-abcdefXYZ"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CHOICES = {1: 5, 2: 4, 3: 3, 4: 2, 5: 1}
SAMPLE = re.compile(r'^(trivselsbot_[a-z0-9_]+)(?:\{((?:[a-z_]+="[^"]*",?)*)\})? (\S+)$')
ALLOWED_LABELS = {
    "kind": set(TURN_KINDS),
    "outcome": set(TURN_OUTCOMES),
    "result": set(SEND_RESULTS),
    "where": set(DATABASE_ERROR_PLACES),
    "state": {"pending", "sending"},
    "le": None,  # histogram bounds: numbers, checked below
}


def samples(text: str) -> dict[str, float]:
    """Every sample line, keyed by name and labels; comments are HELP/TYPE only."""
    found = {}
    for line in text.splitlines():
        if line.startswith("#"):
            assert re.match(r"^# (HELP|TYPE) trivselsbot_[a-z0-9_]+ ", line), line
            continue
        match = SAMPLE.match(line)
        assert match, f"not a Prometheus sample: {line!r}"
        name, labels, value = match.groups()
        for pair in filter(None, (labels or "").split(",")):
            key, _, raw = pair.partition("=")
            allowed = ALLOWED_LABELS[key]
            label = raw.strip('"')
            if allowed is None:
                assert label == "+Inf" or float(label) > 0, line
            else:
                assert label in allowed, line
        found[f"{name}{{{labels or ''}}}"] = float(value)
    return found


@pytest.fixture
async def throttling() -> AsyncIterator[ThrottlingConnector]:
    mock = await ThrottlingConnector(tenant_rate=None, retry_after=0.1).start()
    yield mock
    await mock.stop()


@pytest.fixture
async def world(db_path: Path, throttling: ThrottlingConnector) -> AsyncIterator[dict[str, Any]]:
    clock = Clock(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    settings = make_settings(
        db_path,
        BOT_HR_ADMINS="aad-0099",
        BOT_ADMIN_TOKEN=TOKEN,
        BOT_METRICS="admin",
        BOT_SCHEDULER_INTERVAL_SECONDS=0.1,
        BOT_OUTBOX_POLL_SECONDS=0.05,
        BOT_SEND_RATE_PER_SECOND=50,
        BOT_SEND_RETRY_BASE_SECONDS=0.1,
        BOT_PULSE_OPEN_DAYS=3,
        BOT_DELIVERY_STATUS_SECONDS=0.1,
    )
    throttling.members[TEAM] = [teams_member(n) for n in PEOPLE]
    throttling.script[personal(3)] = ["429"]  # Teams throttles the first try to reach person 3
    app = create_app(settings, now=clock)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield {"client": client, "clock": clock, "app": app, "db": db_path}


async def scrape(client: TestClient) -> str:
    response = await client.get("/metrics", headers=AUTH)
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    return await response.text()


async def test_after_a_whole_round_the_metrics_count_the_service_and_name_no_one(
    world: dict[str, Any], throttling: ThrottlingConnector
) -> None:
    client, clock = world["client"], world["clock"]
    assert (await client.get("/metrics")).status == 401  # the admin token guards it
    # The scheduler's last-pass age appears after its first pass, which a loaded machine may not
    # have finished yet: wait for it, so "before" holds every series a running process has.
    for _ in range(200):
        before = samples(await scrape(client))
        if "trivselsbot_scheduler_last_pass_age_seconds{}" in before:
            break
        await asyncio.sleep(0.05)

    await post(client, A.team_install(throttling.url))
    await start_pulse_as_hr(client, throttling)
    # The outbox waits on the bot's clock: past Retry-After for the row Teams throttled.
    await wait_until(lambda: any(a.status == 429 for a in throttling.arrivals))
    clock.advance(minutes=1)
    await wait_until(lambda: all(len(cards_to(throttling, n)) == 1 for n in PEOPLE))
    runtime = world["app"][RUNTIME]
    (unit,) = await runtime.services.directory.installed_units()
    (info,) = await runtime.services.rounds.for_unit(unit.id)
    await wait_until_async(
        lambda: runtime.outbox.counts(OutboxKind.PULSE, info.id), {"sent": 6}, timeout=15
    )
    during = samples(await scrape(client))
    assert during["trivselsbot_rounds_open{}"] == 1

    for n, value in CHOICES.items():
        await answer(client, throttling, n, value)
    await wait_until(lambda: len(throttling.activities(to_people_and_updated)) == 5)
    await answer(client, throttling, 1, 5)  # pressed twice: refused, still a turn that went well
    clock.advance(days=3, hours=1)
    await wait_until_async(lambda: round_state_of(world["db"]), "closed", timeout=15)
    text = await scrape(client)
    after = samples(text)

    # What it counts.
    # HR's press on the unit menu, five answers, one press again (refused politely: a good turn).
    assert after['trivselsbot_turns_total{kind="card",outcome="ok"}'] == 7
    assert after['trivselsbot_turns_total{kind="message",outcome="ok"}'] >= 1  # "start puls"
    assert after['trivselsbot_turns_total{kind="conversationUpdate",outcome="ok"}'] == 1
    assert after['trivselsbot_turn_duration_seconds_count{kind="card"}'] == 7
    assert after['trivselsbot_sends_total{result="sent"}'] >= 6
    assert after['trivselsbot_sends_total{result="throttled"}'] == 1
    assert after["trivselsbot_send_429_total{}"] == 1
    assert after["trivselsbot_send_lease_held{}"] == 1
    assert after["trivselsbot_rounds_open{}"] == 0
    assert after["trivselsbot_scheduler_lag_seconds{}"] < 60
    assert after["trivselsbot_metrics_database_up{}"] == 1
    assert after['trivselsbot_database_errors_total{where="turn"}'] == 0

    # What it never says: the same series as before the first turn, nothing derived from data.
    assert set(after) == set(before)
    identifiers = {f"29:user-{n}" for n in PEOPLE} | {f"aad-{n:04d}" for n in PEOPLE}
    identifiers |= {f"Person {n}" for n in PEOPLE} | {personal(n) for n in PEOPLE}
    identifiers |= {TEAM, unit.id, unit.name, info.id, "tenant-1", *info.items}
    identifiers |= {c.activity_id for n in PEOPLE for c in cards_to(throttling, n)}
    for secret in (*identifiers, *COMMENTS.values(), "Helt enig", "Delvis uenig", "q_"):
        assert secret not in text, secret


async def round_state_of(db_path: Path) -> str:
    return await round_state(f"sqlite+aiosqlite:///{db_path}")


async def test_metrics_are_off_unless_configured(db_path: Path) -> None:
    settings = make_settings(db_path, BOT_ADMIN_TOKEN=TOKEN, BOT_BACKGROUND_WORKERS=False)
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
        assert (await client.get("/metrics", headers=AUTH)).status == 404


async def test_metrics_alone_on_their_own_port(db_path: Path) -> None:
    """BOT_METRICS=port: /metrics there without a token and nowhere else; nothing else there."""
    port, metrics_port = free_port(), free_port()
    settings = make_settings(
        db_path,
        BOT_BACKGROUND_WORKERS=False,
        BOT_PORT=port,
        BOT_METRICS="port",
        BOT_METRICS_HOST="127.0.0.1",
        BOT_METRICS_PORT=metrics_port,
    )
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    try:
        for sock in listening_sockets(settings):
            await web.SockSite(runner, sock).start()
        bot, metrics = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{metrics_port}"
        async with ClientSession() as session:

            async def status(url: str, method: str = "GET") -> int:
                async with session.request(method, url, json={}) as response:
                    return response.status

            async with session.get(f"{metrics}/metrics") as response:
                assert response.status == 200
                figures = samples(await response.text())
            assert figures["trivselsbot_rounds_open{}"] == 0
            assert "trivselsbot_sends_total" not in str(figures)  # no worker in this process
            assert await status(f"{bot}/metrics") == 404
            assert await status(f"{metrics}/api/messages", "POST") == 404
            assert await status(f"{bot}/api/messages", "POST") == 400  # served: {} is no activity
            assert await status(f"{metrics}/healthz") == 200
    finally:
        await runner.cleanup()


async def test_a_database_outage_in_a_background_loop_is_counted() -> None:
    from sqlalchemy.exc import OperationalError

    counted: list[str] = []

    async def tick() -> None:
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError())

    loop = asyncio.create_task(run_every(0.01, tick, "scheduler", counted.append))
    await wait_until(lambda: len(counted) >= 2)
    loop.cancel()
    assert set(counted) == {"scheduler"}


async def test_the_worker_process_serves_its_own_metrics(tmp_path: Path) -> None:
    """`trivselsbot worker` with BOT_METRICS=port: its sends and the shared gauges, no turns."""
    import signal

    from tests.support.processes import log_tail, spawn_bot, stop_process, until

    metrics_port = free_port()
    env = {
        "BOT_DEV_MODE": "true",
        "BOT_ANONYMITY_SECRET": "",
        "BOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        "BOT_METRICS": "port",
        "BOT_METRICS_HOST": "127.0.0.1",
        "BOT_METRICS_PORT": str(metrics_port),
    }
    log = tmp_path / "worker.log"
    worker = spawn_bot(["worker"], env, log)
    figures: dict[str, float] = {}
    try:
        async with ClientSession() as session:

            async def scraped() -> bool:
                try:
                    async with session.get(f"http://127.0.0.1:{metrics_port}/metrics") as response:
                        figures.update(samples(await response.text()))
                        return response.status == 200
                except OSError:
                    return False

            await until(scraped, 30, "the worker's /metrics", lambda: log_tail(log))
            async with session.get(f"http://127.0.0.1:{metrics_port}/healthz") as response:
                assert response.status == 200  # what the compose file's health check asks
    finally:
        stop_process(worker, signal.SIGTERM)
    assert figures['trivselsbot_sends_total{result="sent"}'] == 0
    assert figures['trivselsbot_outbox_depth{state="pending"}'] == 0
    assert not any(
        key.startswith("trivselsbot_turns_total{") and value for key, value in figures.items()
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"BOT_METRICS": "port"}, "BOT_METRICS=port needs BOT_METRICS_PORT"),
        ({"BOT_METRICS": "admin"}, "BOT_METRICS=admin serves /metrics behind BOT_ADMIN_TOKEN"),
        ({"BOT_METRICS_PORT": "9100"}, "used only with BOT_METRICS=port"),
        ({"BOT_METRICS": "port", "BOT_METRICS_PORT": "3978"}, "must differ from BOT_PORT"),
    ],
)
def test_metrics_settings_that_cannot_work_are_refused(env: dict[str, str], message: str) -> None:
    from bot.settings import ConfigurationError, load_settings

    with pytest.raises(ConfigurationError, match=message):
        load_settings(_env_file=None, BOT_DEV_MODE=True, **env)
