"""With an app id configured, only a valid Bot Framework token gets a turn; anything else is 401 and
changes nothing.

Tokens are signed with RSA keys this test makes. The SDK's own validation runs unchanged
(JwtTokenExtractor: issuer, key id, endorsements, algorithm, signature, expiry; then the audience and
serviceurl checks): we only replace the network fetch of the Bot Framework OpenID metadata, so the
key set it finds is ours, published under the channel's metadata URL with the `msteams` endorsement.
The bot's own outbound token (to call the connector) comes from a local mock of Entra ID's token
endpoint (tests/support/mock_token.py) through the app's connector client; the SDK's own credentials
(used only for delegated calls such as rosters) are stubbed.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import jwt
import pytest
from aiohttp.test_utils import TestClient, TestServer
from botbuilder.core import TurnContext
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticationConstants, MicrosoftAppCredentials
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor, _OpenIdMetadata
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from bot.app import create_app
from bot.settings import Settings
from bot.teams.adapter import create_adapter
from storage.tables.directory import Recipient
from tests.conftest import make_settings
from tests.support import activities as A
from tests.support.db_inspection import tables
from tests.support.mock_connector import MockConnector
from tests.support.mock_token import MockTokenEndpoint
from tests.test_bot_turns import rows

APP_ID = "00000000-0000-0000-0000-0000000000aa"
TENANT_ID = "11111111-1111-1111-1111-111111111111"
OTHER_TENANT_ID = "99999999-9999-9999-9999-999999999999"
OTHER_APP_ID = "00000000-0000-0000-0000-0000000000bb"
ISSUER = AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
CHANNEL_METADATA_URL = AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL

SIGNING_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
UNPUBLISHED_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
SKYPE_ONLY_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwk(key: rsa.RSAPrivateKey, kid: str, endorsements: list[str]) -> dict[str, Any]:
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": kid, "use": "sig", "endorsements": endorsements}


PUBLISHED_KEYS = [
    _jwk(SIGNING_KEY, "test-key", ["msteams", "webchat"]),
    _jwk(SKYPE_ONLY_KEY, "skype-key", ["skype"]),
]


@pytest.fixture
def test_key_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK finds our keys at the channel metadata URL and no keys anywhere else."""

    async def refresh(self: _OpenIdMetadata) -> None:
        self.keys = list(PUBLISHED_KEYS) if self.url == CHANNEL_METADATA_URL else []
        self.last_updated = datetime.now()

    monkeypatch.setattr(_OpenIdMetadata, "_refresh", refresh)
    monkeypatch.setattr(JwtTokenExtractor, "metadataCache", {})
    monkeypatch.setattr(
        MicrosoftAppCredentials, "get_access_token", lambda self, force_refresh=False: "outbound"
    )


def token(
    service_url: str,
    *,
    key: rsa.RSAPrivateKey = SIGNING_KEY,
    kid: str = "test-key",
    **claims: Any,
) -> str:
    now = int(time.time())
    payload: dict[str, Any] = {
        "iss": ISSUER,
        "aud": APP_ID,
        "serviceurl": service_url,
        "nbf": now - 60,
        "iat": now - 60,
        "exp": now + 3600,
    }
    payload.update(claims)
    payload = {name: value for name, value in payload.items() if value is not None}
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})


def from_tenant(activity: dict[str, Any], tenant: str | None = TENANT_ID) -> dict[str, Any]:
    """The activity as Teams sends it from `tenant` (None: naming no tenant at all)."""
    activity["conversation"]["tenantId"] = tenant
    activity["channelData"]["tenant"] = {"id": tenant}
    if tenant is None:
        del activity["conversation"]["tenantId"]
        del activity["channelData"]["tenant"]
    return activity


@pytest.fixture
async def token_endpoint() -> AsyncIterator[MockTokenEndpoint]:
    endpoint = await MockTokenEndpoint().start()
    yield endpoint
    await endpoint.stop()


def secured_settings(db_path: Path, token_endpoint: MockTokenEndpoint) -> Settings:
    """Credentials configured (so every request is authenticated), tokens from the mock Entra ID."""
    return make_settings(
        db_path,
        BOT_DEV_MODE=False,
        MicrosoftAppId=APP_ID,
        MicrosoftAppPassword=token_endpoint.password,
        MicrosoftAppTenantId=TENANT_ID,
        BOT_LOGIN_AUTHORITY=token_endpoint.authority,
    )


@pytest.fixture
async def secured(
    db_path, test_key_set: None, token_endpoint: MockTokenEndpoint
) -> AsyncIterator[TestClient]:
    settings = secured_settings(db_path, token_endpoint)
    assert settings.authentication_enabled
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
        yield client


async def test_a_valid_channel_token_gets_its_turn_and_the_reply_carries_the_cached_bot_token(
    secured: TestClient, connector: MockConnector, token_endpoint: MockTokenEndpoint, db_path
) -> None:
    for n in (1, 2, 3):
        response = await secured.post(
            "/api/messages",
            json=from_tenant(A.personal_install(connector.url, n)),
            headers={"Authorization": f"Bearer {token(connector.url)}"},
        )
        assert response.status == 201
    assert len(await rows(db_path, Recipient)) == 3
    assert len(connector.sent) == 3, "each welcome was sent through the connector"
    # One client-credentials grant, as the SDK would ask for it (SingleTenant: the app's tenant),
    # and its token on every reply.
    assert [
        (g["tenant"], g["client_id"], g["scope"], g["grant_type"]) for g in token_endpoint.grants
    ] == [(TENANT_ID, APP_ID, "https://api.botframework.com/.default", "client_credentials")]
    assert {s.authorization for s in connector.sent} == {f"Bearer {token_endpoint.issued(1)}"}


EXPIRED = {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}
BAD_TOKENS: dict[str, Callable[[str], str | None]] = {
    "no header": lambda url: None,
    "bearer without token": lambda url: "Bearer",
    "not a jwt": lambda url: "Bearer not-a-jwt",
    "basic auth": lambda url: "Basic dXNlcjpwYXNz",
    # A well-formed JWT with an unsigned ("none") algorithm and the right audience.
    "alg none": lambda url: (
        "Bearer "
        + jwt.encode({"iss": ISSUER, "aud": APP_ID, "serviceurl": url}, None, algorithm="none")
    ),
    "expired": lambda url: f"Bearer {token(url, **EXPIRED)}",
    "not yet valid": lambda url: f"Bearer {token(url, nbf=int(time.time()) + 3600)}",
    "another app id": lambda url: f"Bearer {token(url, aud=OTHER_APP_ID)}",
    "no audience": lambda url: f"Bearer {token(url, aud=None)}",
    "forged signature": lambda url: f"Bearer {token(url, key=UNPUBLISHED_KEY)}",
    "unknown key id": lambda url: f"Bearer {token(url, key=UNPUBLISHED_KEY, kid='nope')}",
    "key not endorsed for msteams": lambda url: (
        f"Bearer {token(url, key=SKYPE_ONLY_KEY, kid='skype-key')}"
    ),
    "wrong issuer": lambda url: f"Bearer {token(url, iss='https://evil.example.com')}",
    "emulator issuer": lambda url: (
        "Bearer "
        + token(
            url,
            iss="https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/",
            ver="1.0",
            appid=APP_ID,
        )
    ),
    "serviceurl of another host": lambda url: (
        f"Bearer {token(url, serviceurl='https://evil.example.com/')}"
    ),
    "no serviceurl": lambda url: f"Bearer {token(url, serviceurl=None)}",
}


@pytest.mark.parametrize("authorization", list(BAD_TOKENS.values()), ids=list(BAD_TOKENS))
async def test_bad_tokens_get_401_and_change_nothing(
    secured: TestClient,
    connector: MockConnector,
    token_endpoint: MockTokenEndpoint,
    db_path,
    authorization: Callable[[str], str | None],
) -> None:
    before = tables(db_path)
    header = authorization(connector.url)
    headers = {"Authorization": header} if header is not None else {}
    response = await secured.post(
        "/api/messages", json=A.personal_install(connector.url, 1), headers=headers
    )
    assert response.status == 401
    assert tables(db_path) == before
    assert await rows(db_path, Recipient) == []
    assert connector.sent == []
    assert token_endpoint.grants == [], "a refused request makes no outgoing call at all"


async def test_the_adapter_itself_refuses_a_missing_or_bad_token_before_any_turn(
    db_path, test_key_set: None, token_endpoint: MockTokenEndpoint, connector: MockConnector
) -> None:
    """process_activity with a raw header (as the SDK's own HTTP handling calls it) authenticates
    with the SDK's validation first: no turn runs, no token is fetched, nothing is sent."""
    settings = secured_settings(db_path, token_endpoint)
    adapter = create_adapter(settings)
    turns: list[TurnContext] = []

    async def logic(context: TurnContext) -> None:
        turns.append(context)

    try:
        for header in ("", "Bearer not-a-jwt", f"Bearer {token(connector.url, aud=OTHER_APP_ID)}"):
            activity = Activity().deserialize(A.personal_install(connector.url, 1))
            with pytest.raises(Exception):  # noqa: B017 - PermissionError or a jwt error
                await adapter.process_activity(header, activity, logic)
        assert turns == [] and token_endpoint.grants == [] and connector.sent == []
        valid = Activity().deserialize(A.personal_install(connector.url, 1))
        await adapter.process_activity(f"Bearer {token(connector.url)}", valid, logic)
        assert len(turns) == 1
        assert turns[0].turn_state[adapter.BOT_CONNECTOR_CLIENT_KEY] is (
            await adapter.connectors.client(connector.url)
        ), "the turn uses the app's cached connector client"
    finally:
        await adapter.connectors.close()


SECRET_TEXT = "min leder er umulig at arbejde sammen med"
FOREIGN: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "another tenant": lambda a: from_tenant(a, OTHER_TENANT_ID),
    "no tenant": lambda a: from_tenant(a, None),
    "channel data of another tenant": lambda a: {
        **from_tenant(a),
        "channelData": {"tenant": {"id": OTHER_TENANT_ID}},
    },
    "conversation of another tenant": lambda a: {
        **from_tenant(a),
        "conversation": {**a["conversation"], "tenantId": OTHER_TENANT_ID},
    },
}


@pytest.mark.parametrize("foreign", list(FOREIGN.values()), ids=list(FOREIGN))
async def test_an_activity_from_another_tenant_is_refused_before_any_turn(
    secured: TestClient,
    connector: MockConnector,
    token_endpoint: MockTokenEndpoint,
    db_path,
    monkeypatch: pytest.MonkeyPatch,
    production_logging: pytest.LogCaptureFixture,
    foreign: Callable[[dict[str, Any]], dict[str, Any]],
) -> None:
    """A valid token from the channel, but the activity is not from MicrosoftAppTenantId: 403 with
    an empty body, no handler ran, nothing written or sent, and the log holds none of it."""
    from bot.teams.handler import TrivselsbotHandler

    turns: list[object] = []

    async def on_turn(self: object, context: TurnContext) -> None:
        turns.append(context)

    monkeypatch.setattr(TrivselsbotHandler, "on_turn", on_turn)
    before = tables(db_path)
    for activity in (
        A.personal_install(connector.url, 7),
        {**A.personal_install(connector.url, 7), "type": "message", "text": SECRET_TEXT},
    ):
        response = await secured.post(
            "/api/messages",
            json=foreign(activity),
            headers={"Authorization": f"Bearer {token(connector.url)}"},
        )
        assert response.status == 403
        assert await response.read() == b""
    assert turns == [] and tables(db_path) == before
    assert connector.sent == [] and token_endpoint.grants == []
    refused = [r for r in production_logging.records if r.getMessage() == "activity.foreign_tenant"]
    assert len(refused) == 2
    dump = "\n".join(json.dumps(r.__dict__, default=str) for r in production_logging.records)
    for secret in (SECRET_TEXT, OTHER_TENANT_ID, "user-7", "personal-7", "aad-0007"):
        assert secret not in dump
    # The same activities from our own tenant get their turn.
    response = await secured.post(
        "/api/messages",
        json=from_tenant(A.personal_install(connector.url, 7)),
        headers={"Authorization": f"Bearer {token(connector.url)}"},
    )
    assert response.status == 201 and len(turns) == 1


async def test_without_a_configured_tenant_every_tenant_is_served(
    db_path, test_key_set: None, token_endpoint: MockTokenEndpoint, connector: MockConnector
) -> None:
    """MultiTenant without MicrosoftAppTenantId: the tenant check is off (nothing to compare)."""
    settings = make_settings(
        db_path,
        BOT_DEV_MODE=False,
        MicrosoftAppId=APP_ID,
        MicrosoftAppPassword=token_endpoint.password,
        MicrosoftAppType="MultiTenant",
        BOT_LOGIN_AUTHORITY=token_endpoint.authority,
    )
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
        response = await client.post(
            "/api/messages",
            json=from_tenant(A.personal_install(connector.url, 1), OTHER_TENANT_ID),
            headers={"Authorization": f"Bearer {token(connector.url)}"},
        )
        assert response.status == 201
    assert len(await rows(db_path, Recipient)) == 1
