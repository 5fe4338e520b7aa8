"""A local stand-in for the Bot Connector REST API (the serviceUrl side of Teams).

It records every activity the bot sends or updates and serves team rosters page by page, so the
real botbuilder pipeline can be exercised without Teams. Later issues add throttling and faults.
"""

from __future__ import annotations

import asyncio
import itertools
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Sent:
    """One call the bot made: 'send', 'reply', 'update' or 'delete', with the conversation and the activity."""

    kind: str
    conversation_id: str
    activity: dict[str, Any]
    activity_id: str
    authorization: str | None = None  # the Authorization header the bot sent


@dataclass
class MockConnector:
    """Start with `await connector.start()`; point activities' serviceUrl at `connector.url`."""

    members: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    page_size_seen: list[int] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    port: int = 0
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    async def start(self) -> MockConnector:
        app = web.Application()
        app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._reply)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._update)
        app.router.add_delete("/v3/conversations/{cid}/activities/{aid}", self._delete)
        app.router.add_get("/v3/conversations/{cid}/pagedmembers", self._paged_members)
        app.router.add_get("/v3/conversations/{cid}/members/{mid}", self._member)
        app.router.add_post("/v3/conversations", self._create_conversation)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        self.port = self.port or free_port()  # started again after stop(): the same address
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    def _record(
        self,
        kind: str,
        cid: str,
        body: dict[str, Any],
        aid: str | None = None,
        authorization: str | None = None,
    ) -> str:
        activity_id = aid or f"act-{next(self._ids)}"
        self.sent.append(Sent(kind, cid, body, activity_id, authorization))
        self._changed.set()
        return activity_id

    async def _send(self, request: web.Request) -> web.Response:
        aid = self._record(
            "send", request.match_info["cid"], await request.json(), None, _auth(request)
        )
        return web.json_response({"id": aid})

    async def _reply(self, request: web.Request) -> web.Response:
        aid = self._record(
            "reply", request.match_info["cid"], await request.json(), None, _auth(request)
        )
        return web.json_response({"id": aid})

    async def _update(self, request: web.Request) -> web.Response:
        aid = request.match_info["aid"]
        self._record("update", request.match_info["cid"], await request.json(), aid, _auth(request))
        return web.json_response({"id": aid})

    async def _delete(self, request: web.Request) -> web.Response:
        aid = request.match_info["aid"]
        self._record("delete", request.match_info["cid"], {}, aid, _auth(request))
        return web.Response(status=200)

    async def _create_conversation(self, request: web.Request) -> web.Response:
        body = await request.json()
        member = (body.get("members") or [{}])[0].get("id", "x")
        return web.json_response({"id": f"a:personal-{member}", "serviceUrl": self.url})

    async def _member(self, request: web.Request) -> web.Response:
        """Teams' handler looks up each added member; unknown ids get the shape Teams gives."""
        cid, mid = request.match_info["cid"], request.match_info["mid"]
        for member in self.members.get(cid, []):
            if member["id"] == mid:
                return web.json_response(member)
        number = mid.rsplit("-", 1)[-1]
        if number.isascii() and number.isdigit():
            fallback = {**teams_member(int(number)), "id": mid}  # Teams answers for the id asked
        else:
            fallback = {"id": mid, "name": mid}
        return web.json_response(fallback)

    async def _paged_members(self, request: web.Request) -> web.Response:
        cid = request.match_info["cid"]
        members = self.members.get(cid)
        if members is None:
            return web.json_response(
                {"error": {"code": "NotFound", "message": "unknown conversation"}}, status=404
            )
        size = int(request.query.get("pageSize") or 100)
        self.page_size_seen.append(size)
        start = int(request.query.get("continuationToken") or 0)
        page = members[start : start + size]
        token = str(start + size) if start + size < len(members) else None
        return web.json_response({"members": page, "continuationToken": token})

    # --- what tests read -------------------------------------------------------------------

    def activities(self, predicate: Callable[[Sent], bool] = lambda s: True) -> list[Sent]:
        return [s for s in self.sent if predicate(s)]

    async def wait_for(self, predicate: Callable[[Sent], bool], timeout: float = 5.0) -> Sent:
        """Wait until the bot has made a matching call (turns may finish after the HTTP 201)."""

        async def _wait() -> Sent:
            while True:
                for sent in self.sent:
                    if predicate(sent):
                        return sent
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(_wait(), timeout)


def _auth(request: web.Request) -> str | None:
    return request.headers.get("Authorization")


def teams_member(n: int, tenant: str = "tenant-1") -> dict[str, Any]:
    """A roster entry as Teams returns it."""
    return {
        "id": f"29:user-{n}",
        "name": f"Person {n}",
        "aadObjectId": f"aad-{n:04d}",
        "tenantId": tenant,
        "userRole": "user",
    }


def personal(n: int) -> str:
    """The 1:1 chat this mock creates for test person n (`teams_member(n)`, id 29:user-n)."""
    return f"a:personal-29:user-{n}"


def cards_in(connector: MockConnector, conversation: str) -> list[Sent]:
    """The cards the bot sent (not updated) into one conversation, oldest first."""
    return [
        s
        for s in connector.sent
        if s.conversation_id == conversation
        and s.kind in ("send", "reply")
        and s.activity.get("attachments")
    ]


def card_of(sent: Sent) -> dict[str, Any]:
    """The Adaptive Card a sent activity carries."""
    return sent.activity["attachments"][0]["content"]
