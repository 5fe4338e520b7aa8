"""A token the SDK accepted is remembered briefly (bot/teams/verified_tokens.py); nothing else is.

The SDK's own validation runs on keys this test makes (tests/test_authentication.py replaces only
the network fetch of the OpenID metadata). Each test counts how often the SDK validated, so a
cache that accepted more than it should (another service URL or channel, a changed signature, an
expired or too old entry, a failure) fails here.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import jwt
import pytest
from aiohttp.test_utils import TestClient, TestServer
from botbuilder.schema import Activity

from bot.app import create_app
from bot.teams.adapter import create_adapter
from bot.teams.verified_tokens import VerifiedTokens
from tests.support import activities as A
from tests.support.mock_connector import MockConnector
from tests.support.mock_token import MockTokenEndpoint
from tests.test_authentication import (  # test_key_set: the SDK finds our keys, no network
    APP_ID,
    from_tenant,
    secured_settings,
    test_key_set,  # noqa: F401 - a fixture, used by name
    token,
)

URL = "https://smba.trafficmanager.net/emea/"


@pytest.fixture
async def entra() -> AsyncIterator[MockTokenEndpoint]:
    endpoint = await MockTokenEndpoint().start()
    yield endpoint
    await endpoint.stop()


@pytest.fixture
async def app(
    db_path: Path,
    test_key_set: None,  # noqa: F811 - the fixture imported above, by name
    entra: MockTokenEndpoint,
) -> AsyncIterator[TestClient]:
    async with TestClient(
        TestServer(create_app(secured_settings(db_path, entra)), host="127.0.0.1")
    ) as client:
        yield client


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def activity(service_url: str = URL, channel: str = "msteams") -> Activity:
    return Activity(type="message", channel_id=channel, service_url=service_url)


@pytest.fixture
def verified(
    db_path: Path,
    test_key_set: None,  # noqa: F811 - the fixture imported above, by name
    entra: MockTokenEndpoint,
) -> tuple[VerifiedTokens, Clock, Clock]:
    adapter = create_adapter(secured_settings(db_path, entra))
    monotonic, wall = Clock(1000.0), Clock(time.time())
    cache = VerifiedTokens(adapter.bot_framework_authentication, clock=monotonic, wall_clock=wall)
    return cache, monotonic, wall


async def test_the_same_token_for_the_same_channel_and_url_is_validated_once(
    verified: tuple[VerifiedTokens, Clock, Clock],
) -> None:
    cache, _, _ = verified
    header = f"Bearer {token(URL)}"
    first = await cache.authenticate_request(activity(), header)
    second = await cache.authenticate_request(activity(), header)
    assert cache.full_checks == 1
    assert second.claims_identity.claims == first.claims_identity.claims
    assert second.claims_identity.claims["aud"] == APP_ID
    assert second.claims_identity is not first.claims_identity, "each turn gets its own"
    assert (second.audience, second.caller_id) == (first.audience, first.caller_id)


async def test_another_service_url_or_channel_or_signature_is_validated_and_refused(
    verified: tuple[VerifiedTokens, Clock, Clock],
) -> None:
    cache, _, _ = verified
    header = f"Bearer {token(URL)}"
    await cache.authenticate_request(activity(), header)
    with pytest.raises(PermissionError):  # the token's serviceurl claim names URL
        await cache.authenticate_request(activity("https://evil.example.com/"), header)
    with pytest.raises(Exception, match="endorsement"):  # the key: msteams and webchat only
        await cache.authenticate_request(activity(channel="skype"), header)
    forged = header[:-4] + ("AAAA" if not header.endswith("AAAA") else "BBBB")
    with pytest.raises(jwt.InvalidSignatureError):
        await cache.authenticate_request(activity(), forged)
    assert cache.full_checks == 4


async def test_failures_are_never_remembered(verified: tuple[VerifiedTokens, Clock, Clock]) -> None:
    cache, _, _ = verified
    expired = f"Bearer {token(URL, exp=int(time.time()) - 3600, iat=int(time.time()) - 7200)}"
    for _ in range(3):
        with pytest.raises(jwt.ExpiredSignatureError):
            await cache.authenticate_request(activity(), expired)
    assert cache.full_checks == 3


async def test_an_entry_lasts_a_minute_at_most_and_never_past_the_tokens_expiry(
    verified: tuple[VerifiedTokens, Clock, Clock],
) -> None:
    cache, monotonic, wall = verified
    header = f"Bearer {token(URL)}"
    await cache.authenticate_request(activity(), header)
    monotonic.now += 59
    await cache.authenticate_request(activity(), header)
    assert cache.full_checks == 1
    monotonic.now += 2  # 61 s after the SDK's check: checked again
    await cache.authenticate_request(activity(), header)
    assert cache.full_checks == 2

    # A token with 10 s left (by the wall clock) is remembered for 10 s, not a minute.
    soon = f"Bearer {token(URL, jti='soon')}"  # exp: an hour from now
    wall.now = time.time() + 3590
    await cache.authenticate_request(activity(), soon)
    monotonic.now += 9
    await cache.authenticate_request(activity(), soon)
    assert cache.full_checks == 3
    monotonic.now += 2
    await cache.authenticate_request(activity(), soon)
    assert cache.full_checks == 4


async def test_the_cache_is_bounded(verified: tuple[VerifiedTokens, Clock, Clock]) -> None:
    cache, _, _ = verified
    small = VerifiedTokens(cache._authentication, max_entries=2)
    headers = [f"Bearer {token(URL, jti=str(n))}" for n in range(3)]
    for header in headers:
        await small.authenticate_request(activity(), header)
    assert len(small._verified) == 2
    await small.authenticate_request(activity(), headers[0])  # the oldest was dropped
    assert small.full_checks == 4


async def test_through_the_app_a_remembered_token_still_gets_401_for_another_service_url(
    app: TestClient, connector: MockConnector
) -> None:
    header = {"Authorization": f"Bearer {token(connector.url)}"}
    for n in (1, 2):
        response = await app.post(
            "/api/messages", json=from_tenant(A.personal_install(connector.url, n)), headers=header
        )
        assert response.status == 201
    elsewhere = from_tenant(A.personal_install("https://evil.example.com/", 3))
    response = await app.post("/api/messages", json=elsewhere, headers=header)
    assert response.status == 401
    assert len(connector.sent) == 2
