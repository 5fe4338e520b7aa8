"""The SDK's verdict on an incoming token, remembered briefly for the same token, channel and URL.

With an app id configured every POST to /api/messages carries the channel's bearer token, and the
SDK validates it from scratch each time: the signing key looked up, the RS256 signature checked,
issuer, audience, expiry, the key's endorsement of the channel and the token's `serviceurl` claim
against the activity. That cost about 0.55 ms of CPU per request here (PyJWT decodes the token
five times on the way, checking its base64 character by character), more than the rest of a
card submission. The Bot Framework channel sends the same token with every activity for as long
as it is valid, so the verdict is the same each time: this keeps it, for at most TTL_SECONDS
and never past the token's own `exp`, keyed by everything the SDK's validation reads (the whole
Authorization header, the activity's channelId and serviceUrl).

What it does not change: a header it has not seen verified (a new token, another channel or
service URL, a changed byte of the signature) goes to the SDK; failures are never remembered, so
a bad token costs the SDK's full check every time and cannot fill the cache; the SDK itself
refreshes its signing keys only once a day, so a minute's memory adds nothing to how long a
withdrawn key is trusted. Requests without an Authorization header (dev mode, authentication
disabled) go to the SDK as before. The tenant check after authentication runs per activity.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticateRequestResult, ClaimsIdentity

TTL_SECONDS = 60.0
MAX_ENTRIES = 1024

_Key = tuple[str, str | None, str | None]


class VerifiedTokens:
    """`authenticate_request` as the SDK's, with its successes remembered (see the module)."""

    def __init__(
        self,
        authentication: Any,
        ttl_seconds: float = TTL_SECONDS,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._authentication = authentication
        self._ttl = ttl_seconds
        self._max = max_entries
        self._clock = clock
        self._wall = wall_clock
        self._verified: dict[_Key, tuple[AuthenticateRequestResult, float]] = {}
        self.full_checks = 0  # how often the SDK validated (tests and diagnostics)

    async def authenticate_request(
        self, activity: Activity, auth_header: str
    ) -> AuthenticateRequestResult:
        if not auth_header:
            return await self._authentication.authenticate_request(activity, auth_header)
        key = (auth_header, activity.channel_id, activity.service_url)
        now = self._clock()
        found = self._verified.get(key)
        if found is not None:
            result, until = found
            if now < until:
                return _copy(result)
            del self._verified[key]
        self.full_checks += 1
        result = await self._authentication.authenticate_request(activity, auth_header)
        self._remember(key, result, now)
        return result

    def _remember(self, key: _Key, result: AuthenticateRequestResult, now: float) -> None:
        identity = result.claims_identity
        if identity is None or not identity.is_authenticated:
            return
        expires = identity.claims.get("exp")
        if not isinstance(expires, int | float) or isinstance(expires, bool):
            return  # no expiry to bound the memory by: validated every time
        lifetime = min(self._ttl, float(expires) - self._wall())
        if lifetime <= 0:
            return
        if len(self._verified) >= self._max:
            self._verified.pop(next(iter(self._verified)))  # the oldest entry
        self._verified[key] = (_copy(result), now + lifetime)


def _copy(result: AuthenticateRequestResult) -> AuthenticateRequestResult:
    """A result of its own per turn: nothing one turn might change reaches another."""
    identity = result.claims_identity
    copy = AuthenticateRequestResult()
    copy.claims_identity = ClaimsIdentity(
        dict(identity.claims), identity.is_authenticated, identity.authentication_type
    )
    copy.audience = result.audience
    copy.caller_id = result.caller_id
    copy.connector_factory = result.connector_factory
    return copy
