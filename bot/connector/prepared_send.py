"""One card to thousands of people: the activity serialized once, each person's address spliced in.

A push sends the same activity to every recipient; only the addressing differs (channelId,
serviceUrl, conversation, from, recipient). Rebuilding a ConversationReference from its stored
JSON, copying the activity, walking it into a dict and encoding that dict again for every person
was most of the worker's own cost per message at high rates. Here the body without its address
is encoded once per rendered activity, and per person only the address, taken from the stored
reference JSON as it is (it is `ConversationReference.serialize()`, the same keys and values the
activity serializer writes), is encoded and put in front. tests/test_prepared_send.py checks
the result equals what the connector client would send for `addressed(activity, reference)`.

The request goes over the app's pooled session with the cached token and fails exactly as
ConnectorClients.request does (ConnectorError with status and Teams' code, or
ConnectorTransportError saying whether it may have arrived); it only skips parsing the answer,
which a push does not read.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import aiohttp
from botbuilder.schema import Activity
from botframework.connector.auth._connector_factory_impl import USER_AGENT
from yarl import URL

from bot.connector.activity_json import activity_body
from bot.connector.client import (
    OK_STATUSES,
    ConnectorClients,
    ConnectorError,
    ConnectorResponse,
    _transport_error,
)
from bot.connector.tokens import TokenUnavailable

# What `addressed()` sets on an activity, by JSON key; replyToId is always cleared.
_ADDRESS = (
    ("channelId", "channelId"),
    ("serviceUrl", "serviceUrl"),
    ("conversation", "conversation"),
    ("from", "bot"),
    ("recipient", "user"),
)
_ADDRESS_KEYS = frozenset(key for key, _ in _ADDRESS) | {"replyToId"}
_HEADERS = {
    "Accept": "application/json",
    "User-Agent": USER_AGENT,
    "Content-Type": "application/json; charset=utf-8",
}


def _dumps(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


class PreparedActivity:
    """An activity encoded once, without its address; `body_for` adds one person's address."""

    __slots__ = ("activity", "_tail")

    def __init__(self, activity: Activity) -> None:
        self.activity = activity
        body = {k: v for k, v in activity_body(activity).items() if k not in _ADDRESS_KEYS}
        self._tail = _dumps(body)[1:]  # everything after the opening brace

    def body_for(self, reference: dict[str, Any]) -> bytes:
        """The request body for the person whose stored reference (as a dict) this is."""
        address = {}
        for key, source in _ADDRESS:
            value = reference.get(source)
            if value is not None:
                address[key] = value
        head = _dumps(address)
        if self._tail == b"}":
            return head
        if head == b"{}":
            return b"{" + self._tail
        return head[:-1] + b"," + self._tail


def activities_url(service_url: str, conversation_id: str) -> str:
    """POST /v3/conversations/{id}/activities, the id quoted exactly as msrest quotes it."""
    return f"{service_url.rstrip('/')}/v3/conversations/{quote(str(conversation_id), safe='')}/activities"


async def post_bytes(
    connectors: ConnectorClients, url: str, data: bytes, timeout_seconds: float
) -> None:
    """One POST of a ready body; no retries, the answer's body unread unless it is an error."""
    try:
        token = await connectors.tokens.token()
        headers = _HEADERS
        if token:
            headers = {**headers, "Authorization": f"Bearer {token}"}
        async with connectors.session().post(
            URL(url, encoded=True),
            data=data,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=timeout_seconds),
        ) as response:
            raw = await response.read()
            if response.status not in OK_STATUSES:
                raise ConnectorError(
                    ConnectorResponse(
                        response.status,
                        response.headers,
                        raw.decode("utf-8", errors="replace"),
                        response.reason or "",
                    )
                )
    except (aiohttp.ClientError, TimeoutError, TokenUnavailable) as error:
        raise _transport_error(error) from error
