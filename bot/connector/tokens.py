"""The bot's own outbound token for the Bot Connector: fetched over our aiohttp session, cached.

The SDK gets this token through msal and `requests`, synchronously, on the event loop, from a new
credentials object per turn. Here it is one client-credentials grant (what msal sends for
`acquire_token_for_client`), shared by every turn and every proactive send, fetched again only
shortly before it expires. Concurrent callers that find no valid token share one fetch.

Authority and tenant mirror botframework.connector.auth (AppCredentials, PasswordService-
ClientCredentialFactory): https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token, where the
tenant is MicrosoftAppTenantId for SingleTenant and "botframework.com" for MultiTenant, and the
scope is https://api.botframework.com/.default.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

import aiohttp
from botframework.connector.auth import AuthenticationConstants, ManagedIdentityAppCredentials

from bot.certificate import ASSERTION_TYPE, ClientCertificate
from bot.settings import Settings

log = logging.getLogger(__name__)

LOGIN_AUTHORITY = AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX
MULTI_TENANT = AuthenticationConstants.DEFAULT_CHANNEL_AUTH_TENANT
CHANNEL_SCOPE = AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
REFRESH_MARGIN_SECONDS = 300.0  # msal refreshes ahead by 5 minutes as well
TOKEN_TIMEOUT_SECONDS = 30.0


class TokenUnavailable(Exception):
    """Entra ID refused or did not answer: nothing was sent to the connector.

    `reason` is short and holds no secret (an HTTP status and Entra's error code); `answered` is
    whether Entra ID answered at all (a refusal) or could not be reached."""

    def __init__(self, reason: str, answered: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.answered = answered


class TokenSource(Protocol):
    """What the connector client asks for before each request; None means 'send no token'."""

    async def token(self) -> str | None: ...


class NoToken:
    """Dev mode (no app id): the SDK sends no Authorization header either."""

    async def token(self) -> str | None:
        return None


def token_endpoint(authority: str, tenant: str) -> str:
    return f"{authority.rstrip('/')}/{tenant}{AuthenticationConstants.TO_CHANNEL_FROM_BOT_TOKEN_ENDPOINT_PATH}"


class ClientCredentialTokens:
    """App id and password (or certificate) → a bearer token, cached until REFRESH_MARGIN before
    it expires. With a certificate each fetch sends a new signed client assertion instead of the
    secret (bot/certificate.py)."""

    def __init__(
        self,
        session: Callable[[], aiohttp.ClientSession],
        app_id: str,
        password: str,
        tenant: str | None,
        authority: str = LOGIN_AUTHORITY,
        scope: str = CHANNEL_SCOPE,
        clock: Callable[[], float] = time.monotonic,
        certificate: ClientCertificate | None = None,
    ) -> None:
        self._session = session
        self._app_id = app_id
        self._password = password
        self._certificate = certificate
        self.url = token_endpoint(authority, tenant or MULTI_TENANT)
        self._scope = scope if scope.endswith("/.default") else f"{scope}/.default"
        self._clock = clock
        self._token: str | None = None
        self._refresh_at = 0.0
        self._lock = asyncio.Lock()
        self.fetches = 0
        self.lifetime_seconds = 0.0  # of the last token fetched (`doctor` shows it)

    async def token(self) -> str | None:
        if self._token is not None and self._clock() < self._refresh_at:
            return self._token
        async with self._lock:  # single flight: the first caller fetches, the others find it
            if self._token is None or self._clock() >= self._refresh_at:
                await self._fetch()
            return self._token

    async def _fetch(self) -> None:
        form = {
            "grant_type": "client_credentials",
            "client_id": self._app_id,
            "scope": self._scope,
        }
        if self._certificate is not None:
            form["client_assertion_type"] = ASSERTION_TYPE
            form["client_assertion"] = self._certificate.assertion(self._app_id, self.url)
        else:
            form["client_secret"] = self._password
        started = self._clock()
        self.fetches += 1
        try:
            async with self._session().post(
                self.url, data=form, timeout=aiohttp.ClientTimeout(total=TOKEN_TIMEOUT_SECONDS)
            ) as response:
                body: Any = await response.json(content_type=None)
                status = response.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise TokenUnavailable(f"token endpoint: {type(error).__name__}") from error
        if status != 200 or not isinstance(body, dict) or "access_token" not in body:
            code = body.get("error") if isinstance(body, dict) else None
            raise TokenUnavailable(f"token endpoint: {status} {code or ''}".strip(), answered=True)
        lifetime = float(body.get("expires_in") or 3600)
        margin = min(REFRESH_MARGIN_SECONDS, lifetime / 2)
        self._token = str(body["access_token"])
        self._refresh_at = started + lifetime - margin
        self.lifetime_seconds = lifetime
        log.info("token.fetched", extra={"expires_in": int(lifetime)})


class SdkCredentialTokens:
    """UserAssignedMSI: the SDK's ManagedIdentityAppCredentials (msal, its own cache) make the token.

    A documented limitation: on a cache miss msal fetches synchronously, briefly blocking the loop
    (about once an hour, from the local identity endpoint)."""

    def __init__(self, credentials: Any) -> None:
        self._credentials = credentials

    async def token(self) -> str | None:
        try:
            return str(self._credentials.get_access_token())
        except Exception as error:
            raise TokenUnavailable(f"managed identity: {type(error).__name__}") from error


def token_source(settings: Settings, session: Callable[[], aiohttp.ClientSession]) -> TokenSource:
    """The bot's own outbound token as the settings say to get it (the app and `doctor` alike)."""
    if not settings.app_id:
        return NoToken()
    if settings.app_type == "UserAssignedMSI":
        return SdkCredentialTokens(ManagedIdentityAppCredentials(settings.app_id, CHANNEL_SCOPE))
    return ClientCredentialTokens(
        session,
        settings.app_id,
        settings.app_password.get_secret_value(),
        settings.app_tenant_id if settings.app_type == "SingleTenant" else None,
        authority=settings.login_authority,
        certificate=settings.client_certificate(),
    )
