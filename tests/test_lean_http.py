"""The lean HTTP/1.1 client (bot/connector/lean_http.py) against real local aiohttp servers.

What the connector's requests rely on: one kept-alive connection reused, a new one when the server
closed the old, at most `limit` open, the answer whole however the server frames it (length,
chunked, to the close, gzip), the total timeout, and failures that say whether the request may
have arrived. And through ConnectorClients: the request the SDK's own msrest client would send.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from botbuilder.schema import Activity, ConversationAccount, ErrorResponseException
from botframework.connector import ConnectorClient
from botframework.connector.auth import MicrosoftAppCredentials

from bot.connector.client import ConnectorClients, ConnectorTransportError
from bot.connector.lean_http import (
    Headers,
    HttpTransportError,
    LeanHttp,
    Origin,
    origin_of,
    split_url,
)
from bot.delivery.failure_policy import retry_after, transport_failure
from bot.teams.adapter import create_adapter
from dialogs.cards.common import card_activity
from dialogs.cards.pulse import thanks_card
from tests.conftest import make_settings
from tests.support.mock_connector import free_port

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Server:
    """An aiohttp server that records each request with the client's port (one per connection)."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.seen: list[dict[str, Any]] = []
        self.port = free_port()
        self._runner: web.AppRunner | None = None

    async def _record(self, request: web.Request) -> web.StreamResponse:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        self.seen.append(
            {
                "method": request.method,
                "path": request.raw_path,
                "headers": dict(request.headers),
                "body": await request.read(),
                "client_port": peer[1] if peer else None,
            }
        )
        return await self.handler(request)

    async def start(self) -> Server:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._record)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def origin(self) -> Origin:
        return origin_of(f"http://127.0.0.1:{self.port}")

    def ports(self) -> list[int]:
        return [s["client_port"] for s in self.seen]


def raw_request(method: str, origin: Origin, path: str = "/x", body: bytes = b"") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: ".encode() + origin.host_header
    return head + b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body


async def answer_id(request: web.Request) -> web.Response:
    return web.json_response({"id": "a-1"})


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    running = await Server(answer_id).start()
    yield running
    await running.stop()


@pytest.fixture
async def http() -> AsyncIterator[LeanHttp]:
    client = LeanHttp(limit=10)
    yield client
    await client.close()


def test_urls_split_into_origin_and_the_path_as_given() -> None:
    assert split_url("https://smba.trafficmanager.net/emea/v3/conversations/a%3A1/activities") == (
        "https://smba.trafficmanager.net",
        "/emea/v3/conversations/a%3A1/activities",
    )
    assert origin_of("https://smba.trafficmanager.net").host_header == b"smba.trafficmanager.net"
    assert origin_of("http://127.0.0.1:3978").host_header == b"127.0.0.1:3978"
    assert origin_of("https://[::1]:8443").host_header == b"[::1]:8443"
    repeated = Headers([("Retry-After", "7"), ("X-A", "1"), ("x-a", "2")])
    assert (repeated["retry-after"], repeated.get("X-A"), len(repeated)) == ("7", "1, 2", 2)
    for bad in ("ftp://host", "nohost", "http://"):
        with pytest.raises(ValueError):
            origin_of(split_url(bad)[0])


async def test_one_connection_is_kept_alive_and_reused(server: Server, http: LeanHttp) -> None:
    for n in range(5):
        response = await http.request(
            "PUT", server.origin, raw_request("PUT", server.origin, f"/a/{n}", b"{}"), 5
        )
        assert response.status == 200
        assert json.loads(response.body) == {"id": "a-1"}
        assert response.headers["content-type"].startswith("application/json")
    assert http.connections_made == 1
    assert len(set(server.ports())) == 1, "every request on the same client socket"
    assert [s["path"] for s in server.seen] == [f"/a/{n}" for n in range(5)]


async def test_concurrent_requests_open_at_most_limit_connections(server: Server) -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(0.05)
        return web.json_response({"id": "slow"})

    server.handler = slow
    http = LeanHttp(limit=3)
    try:
        answers = await asyncio.gather(
            *(
                http.request("POST", server.origin, raw_request("POST", server.origin), 5)
                for _ in range(12)
            )
        )
        assert [a.status for a in answers] == [200] * 12
        assert http.connections_made == 3
        assert len(set(server.ports())) == 3
        assert http.stats()["idle"] == 3
    finally:
        await http.close()


async def test_a_new_connection_after_the_server_closed_the_old_one(
    server: Server, http: LeanHttp
) -> None:
    async def closing(request: web.Request) -> web.Response:
        response = web.json_response({"id": "closing"})
        response.force_close()  # "Connection: close"
        return response

    server.handler = closing
    first = await http.request("POST", server.origin, raw_request("POST", server.origin), 5)
    server.handler = answer_id
    second = await http.request("POST", server.origin, raw_request("POST", server.origin), 5)
    assert (first.status, second.status) == (200, 200)
    assert http.connections_made == 2
    assert len(set(server.ports())) == 2

    # The server goes away and comes back on the same port: the idle connection is gone with it.
    await server.stop()
    await server.start()
    await asyncio.sleep(0.05)
    third = await http.request("POST", server.origin, raw_request("POST", server.origin), 5)
    assert third.status == 200
    assert http.connections_made == 3


async def test_an_idle_connection_past_keepalive_is_not_reused(server: Server) -> None:
    http = LeanHttp(limit=10, keepalive_seconds=0.05)
    try:
        await http.request("POST", server.origin, raw_request("POST", server.origin), 5)
        await asyncio.sleep(0.1)
        await http.request("POST", server.origin, raw_request("POST", server.origin), 5)
        assert http.connections_made == 2
        assert http.stats()["open"] == 1, "the expired one was closed, not leaked"
    finally:
        await http.close()


async def test_429_comes_back_with_its_headers_and_the_connection_stays_usable(
    server: Server, http: LeanHttp
) -> None:
    async def throttled(request: web.Request) -> web.Response:
        return web.json_response(
            {"error": {"code": "Throttled", "message": "slow down"}},
            status=429,
            headers={"Retry-After": "7"},
        )

    server.handler = throttled
    response = await http.request("POST", server.origin, raw_request("POST", server.origin), 5)
    assert (response.status, response.reason) == (429, "Too Many Requests")
    assert response.headers["retry-after"] == "7"
    assert json.loads(response.body)["error"]["code"] == "Throttled"
    server.handler = answer_id
    await http.request("POST", server.origin, raw_request("POST", server.origin), 5)
    assert http.connections_made == 1


@pytest.mark.parametrize("framing", ["chunked", "gzip", "deflate", "to-the-close", "no-body"])
async def test_the_answer_is_read_whole_however_it_is_framed(
    server: Server, http: LeanHttp, framing: str
) -> None:
    payload = {"id": "x" * 5000, "ok": True}

    async def framed(request: web.Request) -> web.StreamResponse:
        if framing == "no-body":
            return web.Response(status=204)
        if framing == "to-the-close":  # HTTP/1.0 style: no length, the body ends at the close
            response = web.StreamResponse(headers={"Content-Type": "application/json"})
            response.force_close()
            await response.prepare(request)
            await response.write(json.dumps(payload).encode())
            await response.write_eof()
            return response
        response = web.json_response(payload)
        if framing == "chunked":
            response.enable_chunked_encoding()
        else:
            response.enable_compression(force=web.ContentCoding[framing])
        return response

    server.handler = framed
    response = await http.request("POST", server.origin, raw_request("POST", server.origin), 5)
    if framing == "no-body":
        assert (response.status, response.body) == (204, b"")
    else:
        assert response.status == 200
        assert json.loads(response.body) == payload
    # and the next request still gets its own answer
    server.handler = answer_id
    again = await http.request("POST", server.origin, raw_request("POST", server.origin), 5)
    assert json.loads(again.body) == {"id": "a-1"}


async def test_the_total_timeout_holds_and_says_the_request_may_have_arrived(
    server: Server, http: LeanHttp
) -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(1.0)
        return web.json_response({"id": "late"})

    server.handler = slow
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(HttpTransportError) as caught:
        await http.request("POST", server.origin, raw_request("POST", server.origin), 0.2)
    assert 0.15 < loop.time() - started < 0.9
    assert (caught.value.reason, caught.value.maybe_arrived) == ("timeout", True)
    assert http.stats()["open"] == 0, "the timed-out connection is closed, not reused"


async def test_a_deadline_that_passes_while_connecting_says_nothing_arrived() -> None:
    class NeverConnects(LeanHttp):
        async def _connect(self, loop: asyncio.AbstractEventLoop, origin: Origin) -> Any:
            await asyncio.sleep(10)

    http = NeverConnects(limit=1)
    origin = origin_of("http://127.0.0.1:9")
    with pytest.raises(HttpTransportError) as caught:
        await http.request("POST", origin, raw_request("POST", origin), 0.1)
    assert (caught.value.reason, caught.value.maybe_arrived) == ("connect timeout", False)
    assert http.stats()["open"] == 0, "the slot is given back"


async def test_refused_and_dropped_connections(server: Server, http: LeanHttp) -> None:
    nowhere = origin_of(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(HttpTransportError) as refused:
        await http.request("POST", nowhere, raw_request("POST", nowhere), 5)
    assert (refused.value.reason, refused.value.maybe_arrived) == ("connection refused", False)

    async def drop(request: web.Request) -> web.Response:
        assert request.transport is not None
        request.transport.close()
        await asyncio.sleep(0.2)
        return web.Response()

    server.handler = drop
    with pytest.raises(HttpTransportError) as dropped:
        await http.request("POST", server.origin, raw_request("POST", server.origin), 5)
    assert (dropped.value.reason, dropped.value.maybe_arrived) == ("connection dropped", True)
    assert len(server.seen) == 1, "a POST is never sent twice"

    server.seen.clear()
    with pytest.raises(HttpTransportError):
        await http.request("PUT", server.origin, raw_request("PUT", server.origin), 5)
    assert len(server.seen) == 2, "a PUT is sent once more on a new connection, as aiohttp did"


# --- through the connector client ---------------------------------------------------------------


class FixedToken:
    async def token(self) -> str | None:
        return "the-bot-token"


@pytest.fixture
async def clients(tmp_path: Path) -> AsyncIterator[ConnectorClients]:
    connectors = create_adapter(make_settings(tmp_path / "unused.db")).connectors
    connectors.tokens = FixedToken()
    yield connectors
    await connectors.close()


def thanks_update(service_url: str) -> Activity:
    activity = card_activity(thanks_card("da"))
    activity.id = "card-1"
    activity.service_url = service_url
    activity.channel_id = "msteams"
    activity.conversation = ConversationAccount(id="a:personal;x=1")
    return activity


async def test_the_card_update_is_the_request_the_sdks_client_sends(
    server: Server, clients: ConnectorClients, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"http://127.0.0.1:{server.port}/emea/"
    activity = thanks_update(url)
    monkeypatch.setattr(
        MicrosoftAppCredentials,
        "get_access_token",
        lambda self, force_refresh=False: "the-bot-token",
    )
    sdk = ConnectorClient(MicrosoftAppCredentials("app", "secret"), base_url=url)
    await asyncio.to_thread(sdk.conversations.update_activity, "a:personal;x=1", "card-1", activity)
    ours = await (await clients.client(url)).conversations.update_activity(
        "a:personal;x=1", "card-1", activity
    )
    assert ours is not None and ours.id == "a-1"
    theirs, mine = server.seen
    assert mine["method"] == theirs["method"] == "PUT"
    assert (
        mine["path"]
        == theirs["path"]
        == "/emea/v3/conversations/a%3Apersonal%3Bx%3D1/activities/card-1"
    )
    assert json.loads(mine["body"]) == json.loads(theirs["body"])
    for header in ("Content-Type", "Authorization", "Accept", "Host"):
        assert mine["headers"][header] == theirs["headers"][header], header
    assert mine["headers"]["Authorization"] == "Bearer the-bot-token"
    assert int(mine["headers"]["Content-Length"]) == len(mine["body"])


async def test_the_connector_client_keeps_one_connection_and_reads_429(
    server: Server, clients: ConnectorClients
) -> None:
    url = f"http://127.0.0.1:{server.port}/"
    conversations = (await clients.client(url)).conversations
    for _ in range(3):
        await conversations.update_activity("c", "card-1", thanks_update(url))
    assert clients.http.connections_made == 1

    async def throttled(request: web.Request) -> web.Response:
        return web.json_response({}, status=429, headers={"Retry-After": "3"})

    server.handler = throttled
    with pytest.raises(ErrorResponseException) as caught:
        await conversations.update_activity("c", "card-1", thanks_update(url))
    assert caught.value.response.status_code == 429
    assert retry_after(caught.value) == 3.0
    assert clients.http.connections_made == 1


async def test_a_service_url_that_cannot_be_a_request_line_is_never_sent(
    clients: ConnectorClients,
) -> None:
    for url in ("http://127.0.0.1:9/a b/", "http://127.0.0.1:9/a\r\nX-Evil: 1/", "mailto:x"):
        with pytest.raises(ConnectorTransportError) as caught:
            await clients.request("POST", url, {})
        assert transport_failure(caught.value) == ("cannot connect", False)
