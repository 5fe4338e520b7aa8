"""What a failed send to Teams means, and how long to wait before the next try: one policy.

Three senders meet Teams' errors: the outbox worker (one message per person), the channel poster
(one card per team channel) and the delivery status reporter (HR's card, edited in place). Each
asks `classify` what an HTTP answer means and acts on the verdict in its own terms:

| answer                                   | verdict   | outbox row       | channel post | status card     |
|------------------------------------------|-----------|------------------|--------------|-----------------|
| 429                                      | THROTTLED | Retry-After, slow the tenant | Retry-After | next pass |
| 401 (token expired in flight), 408, 412, every 5xx | RETRY | backoff    | backoff      | next pass       |
| 403 MessageWritesBlocked                 | BLOCKED   | person blocked   | failed       | stop (gone)     |
| any other 4xx                            | GONE      | failed           | failed       | stop (gone)     |
| no status at all (never seen from Teams) | FAILED    | failed           | failed       | next pass       |

The one difference kept on purpose: the status card has no row to fail. Every pass redraws it
from the push's counts, so it waits for its next pass instead of a backoff, and it stops only
when Teams says the chat or the card is gone (`Verdict.gone`); an answer it cannot read says
nothing about the card, so the next pass tries again.

Requests that got no HTTP answer at all (timeouts, refused or dropped connections) are retried by
every sender; `transport_failure` says whether such a request may have arrived (the outbox marks
the row uncertain).
"""

from __future__ import annotations

import random
from datetime import timedelta
from enum import Enum

from botbuilder.schema import ErrorResponseException
from msrest.exceptions import ClientRequestError
from requests import exceptions as requests_errors

from bot.connector.client import ConnectorTransportError

__all__ = [
    "BACKOFF_CAP_SECONDS",
    "RETRYABLE_STATUS",
    "Verdict",
    "backoff",
    "classify",
    "error_code",
    "http_status",
    "retry_after",
    "retry_delay",
    "transport_failure",
]

# Statuses worth another try besides every 5xx: 408 a timeout, 412 concurrent operations on one
# conversation, 401 a token that expired in flight. 429 has its own verdict.
RETRYABLE_STATUS = frozenset({401, 408, 412})
BACKOFF_CAP_SECONDS = 600.0


class Verdict(Enum):
    THROTTLED = "throttled"  # 429: wait as long as Teams asks, then again
    RETRY = "retry"  # back off, then again
    BLOCKED = "blocked"  # 403 MessageWritesBlocked: this person takes no messages from bots
    GONE = "gone"  # another 4xx: Teams will not take it for this conversation or activity
    FAILED = "failed"  # an error without an HTTP status we can read

    @property
    def retried(self) -> bool:
        """A later try may succeed: the sender tries again after `retry_delay`."""
        return self in (Verdict.THROTTLED, Verdict.RETRY)

    @property
    def gone(self) -> bool:
        """Teams said no for good about this conversation or activity: no try will change it."""
        return self in (Verdict.BLOCKED, Verdict.GONE)


def http_status(error: ErrorResponseException) -> int:
    """The HTTP status of Teams' answer (0 when the exception carries none)."""
    return int(getattr(error.response, "status_code", 0) or 0)


def error_code(error: ErrorResponseException) -> str:
    """Teams' error code (e.g. MessageWritesBlocked, ConversationNotFound) from the error body."""
    detail = getattr(getattr(error, "error", None), "error", None)
    code = getattr(detail, "code", None)
    if code:
        return str(code)[:60]
    text = getattr(error.response, "text", "") or ""
    return "MessageWritesBlocked" if "MessageWritesBlocked" in text else ""


def classify(status: int, code: str = "") -> Verdict:
    """What Teams' answer `status` (with its error `code`) means for the thing that was sent."""
    if status == 429:
        return Verdict.THROTTLED
    if status == 403 and code == "MessageWritesBlocked":
        return Verdict.BLOCKED
    if status in RETRYABLE_STATUS or status >= 500:
        return Verdict.RETRY
    if 400 <= status < 500:
        return Verdict.GONE
    return Verdict.FAILED


def retry_after(error: ErrorResponseException) -> float | None:
    """Teams' Retry-After in seconds, if it sent one we can read."""
    headers = getattr(error.response, "headers", None) or {}
    value = headers.get("Retry-After") if hasattr(headers, "get") else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: rare from Teams; the backoff applies instead


def backoff(tries: int, base: float, cap: float = BACKOFF_CAP_SECONDS) -> timedelta:
    """Exponential backoff with 'equal jitter': it always grows, and retries of many rows spread."""
    ceiling = min(cap, base * 2 ** max(0, tries - 1))
    return timedelta(seconds=ceiling / 2 + random.uniform(0, ceiling / 2))


def retry_delay(tries: int, base: float, waited: float | None = None) -> timedelta:
    """How long until try number `tries` + 1: as long as a 429 asked (`waited`, plus up to a
    second so throttled rows do not return together), else the backoff."""
    if waited is not None:
        return timedelta(seconds=waited + random.uniform(0, 1))
    return backoff(tries, base)


def transport_failure(error: Exception) -> tuple[str, bool]:
    """(reason, may have arrived). A request that never left cannot be a duplicate; one that
    timed out waiting for an answer, or whose connection dropped after sending, may be."""
    if isinstance(error, ConnectorTransportError):  # the app's connector client classified it
        return error.reason, error.maybe_arrived
    inner = error.__context__ if isinstance(error, ClientRequestError) else error
    text = f"{type(inner).__name__} {inner}"
    if isinstance(inner, requests_errors.ConnectTimeout):
        return "connect timeout", False
    if isinstance(inner, requests_errors.Timeout | TimeoutError):
        return "timeout", True
    if "NewConnectionError" in text or "Connection refused" in text:
        return "connection refused", False
    return "connection dropped", True
