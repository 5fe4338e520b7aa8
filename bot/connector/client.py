"""The Bot Connector calls this bot makes on its hot paths, over kept-alive connections.

The SDK builds a new msrest configuration, connector client and credentials object for every turn
and sends through `requests` in a thread pool. Here one `ConnectorClients` lives as long as the app
(bot/app.py opens and closes it): one lean HTTP/1.1 pool (bot/connector/lean_http.py) for the
five operations below, one `aiohttp.ClientSession` for the token endpoint and the outbox's
prepared sends, one client per service URL, one token source. The client has the SDK's shape
(`client.conversations.reply_to_activity(...)` and friends), so CloudAdapterBase, TurnContext
and TeamsInfo use it unchanged: send, reply, update, delete and create-conversation go over the
lean pool with the activity serialized once (bot/connector/activity_json.py); every other
operation (rosters, members, team details, `config.credentials`) is the SDK's own msrest client,
made once per service URL.

Failures surface as the SDK's do, so callers keep their `except` clauses: an HTTP error status is
an `ErrorResponseException` whose `.response` has `status_code`, `headers` (Retry-After) and
`text`, and whose `.error.error.code` is Teams' error code; a transport failure is a msrest
`ClientRequestError` (ConnectorTransportError) that says whether the request may have arrived.
There are no retries here but aiohttp's own, kept: a PUT or DELETE whose connection dropped is
sent once more on a new one. Every other retry is the caller's decision
(bot/delivery/outbox_worker.py).
"""

from __future__ import annotations

import errno
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import aiohttp
from botbuilder.schema import (
    Activity,
    ConversationParameters,
    ConversationResourceResponse,
    Error,
    ErrorResponse,
    ErrorResponseException,
    ResourceResponse,
)
from botframework.connector.auth._connector_factory_impl import USER_AGENT
from msrest.exceptions import ClientRequestError

from bot.connector import json_codec
from bot.connector.activity_json import activity_body, conversation_parameters_body
from bot.connector.lean_http import HttpTransportError, LeanHttp, Origin, origin_of, split_url
from bot.connector.tokens import TokenSource, TokenUnavailable

log = logging.getLogger(__name__)

OK_STATUSES = frozenset({200, 201, 202})
DELETE_OK_STATUSES = frozenset({200, 202})
POOL_SIZE = 100  # connections kept open in all; Teams' own limits are far below this per tenant
MAX_CACHED_SERVICE_URLS = 256
# The headers of every connector request after Host, as bytes: what aiohttp sent for them before
# (Accept, the SDK's User-Agent, gzip and deflate accepted and decoded); then Authorization and
# Content-Length (0 without a body, as `requests` sends for the SDK's DELETE).
_FIXED_HEADERS = (
    "\r\nAccept: application/json\r\n"
    f"User-Agent: {USER_AGENT}\r\n"
    "Accept-Encoding: gzip, deflate\r\n"
).encode()
_FIXED_HEADERS_WITH_BODY = _FIXED_HEADERS + b"Content-Type: application/json; charset=utf-8\r\n"
SdkClientFactory = Callable[[str], Any]  # async: service URL -> the SDK's msrest ConnectorClient


class ConnectorResponse:
    """The part of a `requests.Response` that ErrorResponseException users read."""

    def __init__(self, status: int, headers: Mapping[str, str], text: str, reason: str) -> None:
        self.status_code = status
        self.headers = headers
        self.text = text
        self.reason = reason

    def raise_for_status(self) -> None:
        raise aiohttp.ClientResponseError(
            None,  # type: ignore[arg-type]  # request_info: there is no aiohttp request to describe
            (),
            status=self.status_code,
            message=self.reason,
        )


class ConnectorError(ErrorResponseException):  # type: ignore[misc]  # botframework: no types
    """An HTTP error status from the connector, shaped like the SDK's ErrorResponseException."""

    def __init__(self, response: ConnectorResponse) -> None:
        self.response = response
        self.inner_exception = None
        code, message = _error_body(response.text)
        self.error = ErrorResponse(error=Error(code=code, message=message))
        self.message = (
            f"({code}) {message}"
            if code
            else f"Operation returned an invalid status code {response.reason!r}"
        )
        Exception.__init__(self, self.message)

    @property
    def status(self) -> int:
        return self.response.status_code


def _error_body(text: str) -> tuple[str | None, str | None]:
    """Teams' error body is {"error": {"code": ..., "message": ...}}; anything else has no code."""
    try:
        body = json.loads(text) if text else None
    except ValueError:
        return None, None
    detail = body.get("error") if isinstance(body, dict) else None
    if not isinstance(detail, dict):
        return None, None
    code, message = detail.get("code"), detail.get("message")
    return (str(code) if code else None), (str(message) if message else None)


class ConnectorTransportError(ClientRequestError):
    """No HTTP answer. `maybe_arrived`: a request that never connected cannot be a duplicate; one
    that timed out waiting, or whose connection dropped after sending, may have been delivered."""

    def __init__(self, reason: str, maybe_arrived: bool) -> None:
        self.reason = reason
        self.maybe_arrived = maybe_arrived
        self.inner_exception = None
        Exception.__init__(self, reason)


def _transport_error(error: BaseException) -> ConnectorTransportError:
    if isinstance(error, TokenUnavailable):
        return ConnectorTransportError(error.reason, False)
    if isinstance(error, aiohttp.ConnectionTimeoutError):
        return ConnectorTransportError("connect timeout", False)
    if isinstance(error, TimeoutError):
        return ConnectorTransportError("timeout", True)
    if isinstance(error, aiohttp.ClientConnectorError):
        refused = error.os_error.errno == errno.ECONNREFUSED
        return ConnectorTransportError("connection refused" if refused else "cannot connect", False)
    return ConnectorTransportError("connection dropped", True)


def _segment(value: str) -> str:
    """A path segment quoted exactly as msrest quotes it (`quote(value, safe='')`)."""
    return quote(str(value), safe="")


def _dumps(body: Any) -> bytes:
    return json_codec.dumps(body)


class FastConversations:
    """The SDK's ConversationsOperations: five over aiohttp, the rest delegated to the SDK."""

    def __init__(self, owner: ConnectorClients, service_url: str, sdk_operations: Any) -> None:
        self._owner = owner
        self._base = f"{service_url.rstrip('/')}/v3/conversations"
        self._sdk = sdk_operations

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sdk, name)

    def _sdk_only(self, config: dict[str, Any]) -> bool:
        """custom_headers, raw=True and other msrest options: the SDK's own operation serves them."""
        return any(name != "timeout" for name in config)

    async def send_to_conversation(
        self, conversation_id: str, activity: Activity, **config: Any
    ) -> ResourceResponse | None:
        if self._sdk_only(config):
            return await self._sdk.send_to_conversation(conversation_id, activity, **config)
        url = f"{self._base}/{_segment(conversation_id)}/activities"
        body = await self._owner.request(
            "POST", url, activity_body(activity), timeout_seconds=config.get("timeout")
        )
        return _resource(body)

    async def reply_to_activity(
        self, conversation_id: str, activity_id: str, activity: Activity, **config: Any
    ) -> ResourceResponse | None:
        if self._sdk_only(config):
            return await self._sdk.reply_to_activity(
                conversation_id, activity_id, activity, **config
            )
        url = f"{self._base}/{_segment(conversation_id)}/activities/{_segment(activity_id)}"
        body = await self._owner.request(
            "POST", url, activity_body(activity), timeout_seconds=config.get("timeout")
        )
        return _resource(body)

    async def update_activity(
        self, conversation_id: str, activity_id: str, activity: Activity, **config: Any
    ) -> ResourceResponse | None:
        if self._sdk_only(config):
            return await self._sdk.update_activity(conversation_id, activity_id, activity, **config)
        url = f"{self._base}/{_segment(conversation_id)}/activities/{_segment(activity_id)}"
        body = await self._owner.request(
            "PUT", url, activity_body(activity), timeout_seconds=config.get("timeout")
        )
        return _resource(body)

    async def delete_activity(self, conversation_id: str, activity_id: str, **config: Any) -> None:
        if self._sdk_only(config):
            await self._sdk.delete_activity(conversation_id, activity_id, **config)
            return
        url = f"{self._base}/{_segment(conversation_id)}/activities/{_segment(activity_id)}"
        await self._owner.request(
            "DELETE", url, None, ok=DELETE_OK_STATUSES, timeout_seconds=config.get("timeout")
        )

    async def create_conversation(
        self, parameters: ConversationParameters, **config: Any
    ) -> ConversationResourceResponse:
        if self._sdk_only(config):
            return await self._sdk.create_conversation(parameters, **config)
        body = await self._owner.request(
            "POST",
            self._base,
            conversation_parameters_body(parameters),
            timeout_seconds=config.get("timeout"),
        )
        body = body if isinstance(body, dict) else {}
        return ConversationResourceResponse(
            activity_id=body.get("activityId"),
            service_url=body.get("serviceUrl"),
            id=body.get("id"),
        )


def _resource(body: Any) -> ResourceResponse | None:
    """msrest answers None for an empty body and a ResourceResponse otherwise."""
    if not isinstance(body, dict):
        return None
    return ResourceResponse(id=body.get("id"))


class FastConnectorClient:
    """One per service URL; anything but `conversations` is the SDK client's (config, teams, …)."""

    def __init__(self, owner: ConnectorClients, service_url: str, sdk_client: Any) -> None:
        self.service_url = service_url
        self.sdk = sdk_client
        self.conversations = FastConversations(owner, service_url, sdk_client.conversations)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sdk, name)


class ConnectorClients:
    """The app-lifetime owner of the HTTP session, the token source and the per-URL clients."""

    def __init__(
        self,
        tokens: TokenSource,
        sdk_client: SdkClientFactory,
        timeout_seconds: float,
        pool_size: int = POOL_SIZE,
    ) -> None:
        self.tokens = tokens
        self._sdk_client = sdk_client
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._timeout_seconds = timeout_seconds
        self._pool_size = pool_size
        self.http = LeanHttp(limit=pool_size)  # the five operations' requests
        self._origins: dict[str, Origin] = {}
        self._session: aiohttp.ClientSession | None = None
        self._clients: dict[str, FastConnectorClient] = {}

    def session(self) -> aiohttp.ClientSession:
        """Made on first use inside the running loop (app start-up opens it explicitly)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300),
                timeout=self._timeout,
                skip_auto_headers=("User-Agent",),
                json_serialize=json.dumps,
                cookie_jar=aiohttp.DummyCookieJar(),  # the connector sets none; no jar to consult
            )
        return self._session

    async def open(self) -> None:
        self.session()

    async def close(self) -> None:
        """At shutdown: the pooled connections, and the SDK clients made for delegated calls."""
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            try:
                await client.sdk.__aexit__(None, None, None)
            except Exception as error:
                log.debug("connector.close_failed", extra={"error": type(error).__name__})
        await self.http.close()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def client(self, service_url: str) -> FastConnectorClient:
        client = self._clients.get(service_url)
        if client is None:
            sdk = await self._sdk_client(service_url)
            client = self._clients.get(service_url)
            if client is None:
                client = FastConnectorClient(self, service_url, sdk)
                # Teams uses a handful of service URLs; past the bound (dev mode takes any URL)
                # a client serves its turn uncached, as the SDK's do.
                if len(self._clients) < MAX_CACHED_SERVICE_URLS:
                    self._clients[service_url] = client
        return client

    async def request(
        self,
        method: str,
        url: str,
        body: Any,
        *,
        ok: frozenset[int] = OK_STATUSES,
        timeout_seconds: float | None = None,
    ) -> Any:
        """One request, no retries of our own; the parsed JSON answer (None when empty).

        Sent by the lean HTTP/1.1 client (bot/connector/lean_http.py) on a kept-alive connection
        per service URL: the request line, headers and body as one prebuilt byte string. As
        aiohttp did, a PUT or DELETE whose connection dropped is sent once more on a new one."""
        prefix, path = split_url(url)
        if not (path.isascii() and path.isprintable()) or " " in path:
            raise ConnectorTransportError("cannot connect", False)  # would break the request line
        origin = self._origins.get(prefix)
        if origin is None:
            try:
                origin = origin_of(prefix)
            except ValueError as error:  # no absolute http(s) URL: nothing can be sent
                raise ConnectorTransportError("cannot connect", False) from error
            if len(self._origins) < MAX_CACHED_SERVICE_URLS:
                self._origins[prefix] = origin
        data = b"" if body is None else _dumps(body)
        try:
            token = await self.tokens.token()
            head = [
                f"{method} {path} HTTP/1.1\r\nHost: ".encode(),
                origin.host_header,
                _FIXED_HEADERS if body is None else _FIXED_HEADERS_WITH_BODY,
            ]
            if token:
                head.append(f"Authorization: Bearer {token}\r\n".encode())
            head.append(b"Content-Length: %d\r\n\r\n" % len(data))
            head.append(data)
            response = await self.http.request(
                method, origin, b"".join(head), timeout_seconds or self._timeout_seconds
            )
        except TokenUnavailable as error:
            raise _transport_error(error) from error
        except HttpTransportError as error:
            raise ConnectorTransportError(error.reason, error.maybe_arrived) from error
        raw = response.body
        if response.status not in ok:
            text = raw.decode("utf-8", errors="replace")
            raise ConnectorError(
                ConnectorResponse(response.status, response.headers, text, response.reason)
            )
        if not raw:
            return None
        try:
            return json_codec.loads(raw)
        except ValueError:
            return None
