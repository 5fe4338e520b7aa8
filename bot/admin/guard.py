"""The guard in front of every admin route: 404 when off, 429 over budget, 401 without the token, and
typed errors turned into JSON once."""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
from typing import Any

from aiohttp import web

from bot.admin.rate_limit import AdminRateLimit, forwarded_client
from bot.admin.requests import ADMIN_RATE_LIMIT, CLIENT, ApiError, one_issue
from bot.admin.routing import Handler, Route
from bot.settings import Settings
from storage.errors import DomainError, UnitNotFound
from storage.prompts.orders import PublicationNotFound
from storage.prompts.validation import PromptNotFound
from storage.questions.store import ItemNotFound

log = logging.getLogger(__name__)


NOT_FOUND: dict[type[DomainError], str] = {
    PromptNotFound: "no such prompt",
    ItemNotFound: "no such question",
    PublicationNotFound: "no such publication",
    UnitNotFound: "no such unit",
}


def _digest(token: str) -> bytes:
    """Both sides are hashed first, so the comparison takes the same time whatever the length.

    Header values come in as str with undecodable bytes kept as surrogates; they are encoded
    back the same way rather than raising on them."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).digest()


def token_matches(given: str, expected: str) -> bool:
    return hmac.compare_digest(_digest(given), _digest(expected))


def too_many(retry_after: int) -> web.Response:
    return web.json_response(
        {
            "error": f"too many requests: wait {retry_after} seconds, then try again "
            "(a missing or wrong token counts as ten requests)",
            "retry_after": retry_after,
        },
        status=429,
        headers={"Retry-After": str(retry_after)},
    )


Networks = tuple[Any, ...]


def client_address(request: web.Request, trusted: Networks) -> str:
    """The connecting address, or the one a trusted proxy (BOT_ADMIN_TRUSTED_PROXIES) forwarded.

    X-Forwarded-For from anyone else is ignored: a stranger who could name any address would get a
    fresh budget per request, and could spend someone else's."""
    return forwarded_client(request.remote, request.headers.get("X-Forwarded-For"), trusted)


def _unknown_query(request: web.Request, route: Route) -> ApiError | None:
    """A misspelt parameter would otherwise be ignored silently (e.g. ?them=… lists everything)."""
    known = {query.name for query in route.query}
    unknown = sorted(set(request.query) - known)
    if not unknown:
        return None
    allowed = ", ".join(sorted(known)) or "none"
    return one_issue(unknown[0], "unknown_parameter", f"query parameters taken here: {allowed}")


async def _refused_token(
    limit: AdminRateLimit, client: str, error: str, challenge: str
) -> web.Response:
    """401, held back while failures from everywhere are over their shared budget (429 when too
    many are held already): slower guessing, never a lock on the right token."""
    delay = limit.failed(client)
    if not await limit.hold(delay):
        return too_many(max(1, math.ceil(delay)))
    return web.json_response({"error": error}, status=401, headers={"WWW-Authenticate": challenge})


def accepted_tokens(settings: Settings) -> tuple[str, str]:
    """The token and, while clients move to it, the previous one (rotation, replica by replica)."""
    return settings.admin_token.get_secret_value(), settings.admin_token_previous.get_secret_value()


def _any_matches(given: str, tokens: tuple[str, str]) -> bool:
    """Both compared every time, so the time taken does not tell which one matched."""
    current, previous = tokens
    first = token_matches(given, current)
    second = token_matches(given, previous or current)
    return first or (bool(previous) and second)


def guard_route(route: Route, tokens: tuple[str, str], trusted: Networks) -> Handler:
    """Disabled → 404; the address over its own rate limit → 429 (before the token is looked at);
    no or wrong bearer token → 401 (slowed while failures everywhere are many); typed errors →
    their JSON status."""

    token = tokens[0]

    async def guarded(request: web.Request) -> web.StreamResponse:
        if not token:
            return web.json_response({"error": "the admin API is disabled"}, status=404)
        limit = request.app[ADMIN_RATE_LIMIT]
        client = client_address(request, trusted)
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        wait = limit.retry_after(client)
        response: web.StreamResponse
        if wait:
            response = too_many(wait)
        elif scheme.lower() != "bearer" or not given.strip():
            response = await _refused_token(
                limit, client, "missing bearer token", 'Bearer realm="trivselsbot-admin"'
            )
        elif not _any_matches(given.strip(), tokens):
            response = await _refused_token(
                limit, client, "invalid token", 'Bearer error="invalid_token"'
            )
        else:
            limit.allowed(client)
            request[CLIENT] = client
            try:
                unknown = _unknown_query(request, route)
                if unknown:
                    raise unknown
                response = await route.handler(request)
            except ApiError as error:
                response = error.response()
            except DomainError as error:
                message = next(
                    (m for kind, m in NOT_FOUND.items() if isinstance(error, kind)), None
                )
                response = web.json_response(
                    {"error": message or error.code}, status=404 if message else 400
                )
        log.info(
            "admin.request",
            extra={"method": request.method, "route": route.path, "status": response.status},
        )
        return response

    return guarded
