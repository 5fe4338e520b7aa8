"""The admin API's rate limit over real HTTP, with a clock the test moves instead of sleeping.

Over the limit: 429 with Retry-After and a JSON error that says how long to wait; nothing is
written; after the wait it works again. Wrong tokens count ten times; failed tokens from all
addresses share one budget, which only slows the failures: a right token is never locked out by
strangers (issue 13). The token comparison survives bytes that are not UTF-8.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.admin.guard import token_matches
from bot.admin.rate_limit import (
    FAILED_AUTH_COST,
    MAX_SLOWDOWN_SECONDS,
    MAX_SLOWED,
    MAX_TRACKED_CLIENTS,
    AdminRateLimit,
    TokenBuckets,
    client_key,
    forwarded_client,
    parse_networks,
)
from bot.admin.requests import ADMIN_RATE_LIMIT
from bot.app import create_app
from bot.settings import Settings
from tests.conftest import make_settings
from tests.support.db_inspection import tables

TOKEN = "admin-token-0123456789-0123456789-abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
WRONG = {"Authorization": "Bearer " + "x" * len(TOKEN)}
NEW = {
    "id": "rate-one",
    "theme": "digitale_muligheder",
    "text": {"da": "Hvilket værktøj hjælper dig mest?", "en": "Which tool helps you most?"},
}


class Seconds:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def api_settings(db_path, **overrides: Any) -> Settings:
    return make_settings(db_path, BOT_ADMIN_TOKEN=TOKEN, BOT_BACKGROUND_WORKERS=False, **overrides)


@pytest.fixture
def clock() -> Seconds:
    return Seconds()


class Held:
    """The limiter's sleep: records how long each failed answer was held, without waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


async def serve(settings: Settings, clock: Seconds, held: Held | None = None) -> TestClient:
    app = create_app(settings)
    app[ADMIN_RATE_LIMIT] = AdminRateLimit(
        settings.admin_rate_per_minute,
        settings.admin_failed_auth_per_minute,
        clock,
        held or Held(),
    )
    return TestClient(TestServer(app, host="127.0.0.1"))


@pytest.fixture
async def limited(db_path, clock: Seconds) -> AsyncIterator[TestClient]:
    """Five calls a minute per address; failed tokens: two a minute from anywhere."""
    settings = api_settings(
        db_path, BOT_ADMIN_RATE_PER_MINUTE=5, BOT_ADMIN_FAILED_AUTH_PER_MINUTE=2
    )
    async with await serve(settings, clock) as client:
        yield client


async def assert_too_many(response: Any, at_least: int = 1) -> int:
    assert response.status == 429, await response.text()
    retry_after = int(response.headers["Retry-After"])
    assert retry_after >= at_least
    body = await response.json()
    assert body["retry_after"] == retry_after
    assert f"wait {retry_after} seconds" in body["error"]
    return retry_after


async def test_over_the_limit_is_429_with_retry_after_and_changes_nothing(
    limited: TestClient, clock: Seconds, db_path
) -> None:
    for _ in range(5):
        assert (await limited.get("/admin/prompts", headers=AUTH)).status == 200
    before = tables(db_path)
    retry_after = await assert_too_many(
        await limited.post("/admin/prompts", json=NEW, headers=AUTH)
    )
    assert retry_after == 12  # one call's worth at 5 a minute
    await assert_too_many(await limited.get("/admin/openapi.json"))
    await assert_too_many(await limited.get("/admin/prompts", headers=WRONG))  # not even looked at
    assert tables(db_path) == before

    clock.now += retry_after - 1
    await assert_too_many(await limited.get("/admin/prompts", headers=AUTH))
    clock.now += 1
    assert (await limited.post("/admin/prompts", json=NEW, headers=AUTH)).status == 201
    clock.now += 60  # a whole window later the whole budget is back
    for _ in range(5):
        assert (await limited.get("/admin/prompts/rate-one", headers=AUTH)).status == 200
    await assert_too_many(await limited.get("/admin/prompts", headers=AUTH))


async def test_a_wrong_token_counts_ten_times(db_path, clock: Seconds) -> None:
    settings = api_settings(
        db_path, BOT_ADMIN_RATE_PER_MINUTE=20, BOT_ADMIN_FAILED_AUTH_PER_MINUTE=100
    )
    async with await serve(settings, clock) as client:
        assert (await client.get("/admin/prompts", headers=WRONG)).status == 401
        assert (await client.get("/admin/prompts")).status == 401  # no token at all
        # 20 units are gone after two failures: even the right token waits now.
        retry_after = await assert_too_many(await client.get("/admin/prompts", headers=AUTH))
        assert retry_after == 3  # one unit at 20 a minute
        clock.now += 3
        assert (await client.get("/admin/prompts", headers=AUTH)).status == 200
        # A failure at an almost empty bucket leaves it in debt: the next call waits ~30 s.
        clock.now += 3
        assert (await client.get("/admin/prompts", headers=WRONG)).status == 401
        assert await assert_too_many(await client.get("/admin/prompts", headers=AUTH)) >= 27
        clock.now += 60  # the debt is paid off before the budget fills: 11 of 20 after a minute
        for _ in range(11):
            assert (await client.get("/admin/prompts", headers=AUTH)).status == 200
        await assert_too_many(await client.get("/admin/prompts", headers=AUTH))
        clock.now += 90
        for _ in range(20):
            assert (await client.get("/admin/prompts", headers=AUTH)).status == 200


async def test_failed_tokens_from_every_address_share_one_budget_that_only_slows(
    clock: Seconds,
) -> None:
    """Spreading the guessing over addresses does not multiply it unslowed: past the shared
    budget each failure is held, but no address (and no right token) is told to wait for it."""
    limit = AdminRateLimit(per_minute=1000, failed_per_minute=3, clock=clock)
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        assert limit.retry_after(address) == 0
        assert limit.failed(address) == 0.0
    for address in ("10.0.0.4", "10.0.0.1"):
        assert limit.retry_after(address) == 0  # the shared budget never blocks
    assert limit.failed("10.0.0.4") == MAX_SLOWDOWN_SECONDS  # 20 s owed, held at most 5
    clock.now += 60
    assert limit.failed("10.0.0.5") == 0.0  # a minute later the shared budget is back
    # One address alone is held back by its own bucket long before the shared one.
    alone = AdminRateLimit(per_minute=30, failed_per_minute=100, clock=clock)
    for _ in range(3):
        alone.failed("10.0.0.9")
    assert alone.retry_after("10.0.0.9") == 2
    assert alone.retry_after("10.0.0.10") == 0
    assert FAILED_AUTH_COST == 10


async def test_the_limit_answers_concurrent_callers_without_exceeding_it(
    limited: TestClient,
) -> None:
    statuses = await asyncio.gather(
        *(limited.get("/admin/prompts", headers=AUTH) for _ in range(12))
    )
    assert sorted(r.status for r in statuses) == [200] * 5 + [429] * 7


async def test_tokens_are_compared_as_hashes_whatever_their_bytes(db_path, clock) -> None:
    """Regression (found by fuzzing the header): a non-UTF-8 Authorization header was a 500,
    because the str aiohttp makes of it (with surrogates) could not be encoded for comparing."""
    assert token_matches(TOKEN, TOKEN)
    assert not token_matches(TOKEN[:-1], TOKEN)
    assert not token_matches("\udcff\udcfe", TOKEN)
    assert not token_matches("", TOKEN)
    async with await serve(api_settings(db_path), clock) as client:
        reader, writer = await asyncio.open_connection("127.0.0.1", client.port)
        writer.write(
            b"GET /admin/prompts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xff\xfe\xe6\r\n"
            b"Connection: close\r\n\r\n"
        )
        await writer.drain()
        raw = await reader.read()
        writer.close()
        head, _, body = raw.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 401"), raw
        assert json.loads(body) == {"error": "invalid token"}


def test_a_flood_of_addresses_keeps_memory_bounded_without_a_sweep_per_request() -> None:
    """Each new address past the bound used to sweep all ten thousand buckets: the limiter
    itself became the flood's cost. Now a sweep makes room for a thousand more."""
    clock = Seconds()
    buckets = TokenBuckets(capacity=120, clock=lambda: clock.now)
    sweeps = 0
    sweep = buckets._forget_full

    def counted(now: float) -> None:
        nonlocal sweeps
        sweeps += 1
        sweep(now)

    buckets._forget_full = counted  # type: ignore[method-assign]
    for n in range(MAX_TRACKED_CLIENTS + 5_000):
        buckets.charge(f"10.0.{n // 256}.{n % 256}", FAILED_AUTH_COST * 20)  # all in debt
        assert len(buckets._buckets) <= MAX_TRACKED_CLIENTS
    assert sweeps <= 6
    assert buckets.wait("10.0.0.0") == 0.0  # the oldest debtor was let go (bounded memory)


# --- strangers cannot lock HR out (issue 13) -------------------------------------------------------


async def call_from(address: str, url: str, headers: dict[str, str], times: int = 1) -> list[int]:
    """Calls from a loopback address of our choosing (Linux routes all of 127.0.0.0/8 to lo), so
    the server sees a real peer address per client, as it would over a network."""
    connector = aiohttp.TCPConnector(local_addr=(address, 0), force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        statuses = []
        for _ in range(times):
            async with session.get(url, headers=headers) as response:
                statuses.append(response.status)
        return statuses


async def test_a_right_token_works_while_many_addresses_hammer_with_wrong_ones(
    db_path, clock: Seconds
) -> None:
    """Forty addresses guess while HR calls: HR is answered 200 every time. Each guesser is
    stopped by its own budget (429 once it is spent, its token no longer looked at), and past the
    shared budget of failures the 401s are held back (slowed), never turned into a lock."""
    held = Held()
    settings = api_settings(
        db_path, BOT_ADMIN_RATE_PER_MINUTE=20, BOT_ADMIN_FAILED_AUTH_PER_MINUTE=2
    )
    async with await serve(settings, clock, held) as client:
        url = str(client.make_url("/admin/prompts"))
        strangers = [f"127.0.0.{n}" for n in range(10, 50)]
        hammering = asyncio.gather(*(call_from(ip, url, WRONG, times=4) for ip in strangers))
        hr = asyncio.gather(*(call_from("127.0.0.2", url, AUTH) for _ in range(10)))
        stranger_statuses, hr_statuses = await asyncio.gather(hammering, hr)
        assert [s for [s] in hr_statuses] == [200] * 10
        for statuses in stranger_statuses:
            # 20 units each: two failures (10 each) spend them, then 429 until the minute is up.
            assert statuses == [401, 401, 429, 429]
        assert len(held.delays) == 80 - 2  # every failure past the first two was held ...
        assert max(held.delays) == MAX_SLOWDOWN_SECONDS  # ... at most this long
        # The shared budget is deep in debt now, and still the right token gets through at once,
        # from a new address as from HR's own.
        assert await call_from("127.0.0.3", url, AUTH, times=3) == [200] * 3
        assert await call_from("127.0.0.2", url, AUTH) == [200]
        assert await call_from("127.0.0.4", url, WRONG) == [401]  # a stranger: slowed, not locked


async def test_too_many_held_failures_are_answered_429_at_once(clock: Seconds) -> None:
    """Holding costs an open connection each: beyond MAX_SLOWED the next failure is not held."""
    release = asyncio.Event()

    async def wait_for_release(seconds: float) -> None:
        await release.wait()

    limit = AdminRateLimit(
        per_minute=1000, failed_per_minute=1, clock=clock, sleep=wait_for_release
    )
    limit.failed("10.0.0.1")  # the shared budget is spent
    holds = [
        asyncio.create_task(limit.hold(limit.failed(f"10.1.0.{n}"))) for n in range(MAX_SLOWED)
    ]
    await asyncio.sleep(0)
    assert limit.slowed == MAX_SLOWED
    assert await limit.hold(limit.failed("10.2.0.1")) is False
    release.set()
    assert await asyncio.gather(*holds) == [True] * MAX_SLOWED
    assert limit.slowed == 0


def test_ipv6_addresses_share_a_budget_per_64_and_mapped_ipv4_is_ipv4() -> None:
    """One customer line owns a whole /64: rotating through it must not buy new budgets."""
    assert client_key("2001:db8:1:2::1") == client_key("2001:db8:1:2:ffff::9")
    assert client_key("2001:db8:1:2::1") != client_key("2001:db8:1:3::1")
    assert client_key("::ffff:10.0.0.1") == client_key("10.0.0.1") == "10.0.0.1"
    assert client_key("unknown") == "unknown"


def test_x_forwarded_for_counts_only_from_a_trusted_proxy() -> None:
    proxies = parse_networks(["10.0.0.5", "10.9.0.0/16"])
    chain = "6.6.6.6, 203.0.113.9, 10.9.1.1"
    assert forwarded_client("192.0.2.1", chain, ()) == "192.0.2.1"  # nothing configured
    assert forwarded_client("192.0.2.1", chain, proxies) == "192.0.2.1"  # peer not a proxy
    # From the proxy: the first hop from the right that is not a proxy; 6.6.6.6 was made up.
    assert forwarded_client("10.0.0.5", chain, proxies) == "203.0.113.9"
    assert forwarded_client("10.0.0.5", None, proxies) == "10.0.0.5"
    assert forwarded_client("10.0.0.5", "junk, 10.9.1.1", proxies) == "10.0.0.5"
    assert forwarded_client("10.0.0.5", "10.9.1.1", proxies) == "10.0.0.5"


async def test_x_forwarded_for_is_ignored_unless_its_proxy_is_configured(
    db_path, clock: Seconds
) -> None:
    """A stranger writing a new X-Forwarded-For each time stays one address (its budget spent
    after two failures); behind a configured proxy, each forwarded client has its own budget."""

    async def statuses(client: TestClient, forwarded: list[str]) -> list[int]:
        return [
            (
                await client.get("/admin/prompts", headers={**WRONG, "X-Forwarded-For": address})
            ).status
            for address in forwarded
        ]

    forwarded = [f"203.0.113.{n}" for n in range(1, 5)]
    limits = {"BOT_ADMIN_RATE_PER_MINUTE": 20, "BOT_ADMIN_FAILED_AUTH_PER_MINUTE": 100}
    async with await serve(api_settings(db_path, **limits), clock) as client:
        assert await statuses(client, forwarded) == [401, 401, 429, 429]
    proxied = api_settings(db_path, BOT_ADMIN_TRUSTED_PROXIES="127.0.0.1", **limits)
    async with await serve(proxied, Seconds()) as client:
        assert await statuses(client, forwarded) == [401, 401, 401, 401]
        assert await statuses(client, ["203.0.113.1"] * 2) == [401, 429]  # its own budget
