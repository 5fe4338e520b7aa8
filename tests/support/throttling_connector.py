"""The mock connector with Teams' throttling and the faults a real push meets.

- Per tenant: at most `tenant_rate` accepted requests in any 1-second window; more get 429 with
  Retry-After. Per conversation: 7 per second, 8 per 2 s, 60 per 30 s (PLATFORM-NOTES.md).
- Faults by script: `permanent[conversation] = (status, code)` answers every request to that
  conversation so (403 MessageWritesBlocked, 404 ConversationNotFound...); `script[conversation]`
  is a list of faults for its next requests, one each; `transient_rate` draws a fault from
  `transient` for any request, from a seeded generator. Faults: an HTTP status ("500", "502",
  "504", "412", "429"), "slow" (answers only after `slow_seconds`, past the client's timeout, and
  is not delivered) and "drop" (the connection is closed without an answer, not delivered).
- Records every request's arrival (monotonic time, kind, conversation, tenant, answer) and the
  accepted sends per conversation, so tests can measure rates and count duplicates.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.mock_connector import MockConnector

CONVERSATION_LIMITS = ((7, 1.0), (8, 2.0), (60, 30.0))


@dataclass
class Arrival:
    at: float
    kind: str  # send | reply | update | create
    conversation: str
    tenant: str
    status: int = 0  # what the mock answered; 0 = connection dropped


def _tenant_of(body: dict[str, Any]) -> str:
    conversation = body.get("conversation") or {}
    channel = body.get("channelData") or {}
    return str(
        conversation.get("tenantId")
        or conversation.get("tenantID")  # how botbuilder's schema serializes it
        or body.get("tenantId")
        or (channel.get("tenant") or {}).get("id")
        or "default"
    )


def max_in_window(times: list[float], seconds: float) -> int:
    """The most events in any window of `seconds` (half-open), over sorted or unsorted times."""
    ordered = sorted(times)
    best, start = 0, 0
    for end, at in enumerate(ordered):
        while at - ordered[start] >= seconds:
            start += 1
        best = max(best, end - start + 1)
    return best


@dataclass
class ThrottlingConnector(MockConnector):
    tenant_rate: float | None = 30.0
    conversation_limits: tuple[tuple[int, float], ...] = CONVERSATION_LIMITS
    retry_after: float = 1.0
    slow_seconds: float = 3.0
    permanent: dict[str, tuple[int, str]] = field(default_factory=dict)
    script: dict[str, list[str]] = field(default_factory=dict)
    transient_rate: float = 0.0
    transient: tuple[str, ...] = ("500", "502", "504", "412", "slow", "drop")
    seed: int = 5
    arrivals: list[Arrival] = field(default_factory=list)
    delivered: Counter[str] = field(default_factory=Counter)
    in_flight: int = 0
    _accepted_tenant: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _accepted_conversation: dict[str, deque[float]] = field(
        default_factory=lambda: defaultdict(deque)
    )
    _random: random.Random = field(default_factory=random.Random)

    async def start(self) -> ThrottlingConnector:
        self._random.seed(self.seed)
        await super().start()
        return self

    # --- the gate every call goes through --------------------------------------------------------

    def _throttled(self, tenant: str, conversation: str, now: float) -> bool:
        if self.tenant_rate is not None:
            window = self._accepted_tenant[tenant]
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) >= self.tenant_rate:
                return True
        events = self._accepted_conversation[conversation]
        while events and now - events[0] >= max(s for _, s in self.conversation_limits):
            events.popleft()
        for limit, seconds in self.conversation_limits:
            if sum(1 for at in events if now - at < seconds) >= limit:
                return True
        self._accepted_tenant[tenant].append(now)
        events.append(now)
        return False

    def _fault(self, conversation: str) -> str | None:
        if conversation in self.permanent:
            return "permanent"
        queued = self.script.get(conversation)
        if queued:
            return queued.pop(0)
        if self.transient_rate and self._random.random() < self.transient_rate:
            return self._random.choice(self.transient)
        return None

    async def _gate(
        self, request: web.Request, kind: str, conversation: str, body: dict[str, Any]
    ) -> web.StreamResponse | None:
        """None: let the call through. Otherwise the throttle or fault answer."""
        arrival = Arrival(time.monotonic(), kind, conversation, _tenant_of(body))
        self.arrivals.append(arrival)
        if self._throttled(arrival.tenant, conversation, arrival.at):
            arrival.status = 429
            return _error(429, "TooManyRequests", {"Retry-After": f"{self.retry_after:g}"})
        fault = self._fault(conversation)
        if fault is None:
            arrival.status = 201 if kind != "update" else 200
            return None
        if fault == "permanent":
            status, code = self.permanent[conversation]
            arrival.status = status
            return _error(status, code)
        if fault == "drop":
            assert request.transport is not None
            request.transport.close()
            return web.Response(status=500)  # never reaches the client: the socket is gone
        if fault == "slow":
            await asyncio.sleep(self.slow_seconds)
            arrival.status = 504
            return _error(504, "GatewayTimeout")
        status = int(fault)
        arrival.status = status
        if status == 429:
            return _error(429, "TooManyRequests", {"Retry-After": f"{self.retry_after:g}"})
        return _error(status, "ServiceError")

    async def _through(
        self, request: web.Request, kind: str, conversation: str, handler: Any
    ) -> web.StreamResponse:
        self.in_flight += 1
        try:
            body = await request.json()
            blocked = await self._gate(request, kind, conversation, body)
            if blocked is not None:
                return blocked
            response: web.StreamResponse = await handler(request)
            if kind in ("send", "reply"):
                self.delivered[conversation] += 1
            return response
        finally:
            self.in_flight -= 1

    async def _send(self, request: web.Request) -> web.Response:
        cid = request.match_info["cid"]
        return await self._through(request, "send", cid, super()._send)  # type: ignore[return-value]

    async def _reply(self, request: web.Request) -> web.Response:
        cid = request.match_info["cid"]
        return await self._through(request, "reply", cid, super()._reply)  # type: ignore[return-value]

    async def _update(self, request: web.Request) -> web.Response:
        cid = request.match_info["cid"]
        return await self._through(request, "update", cid, super()._update)  # type: ignore[return-value]

    async def _create_conversation(self, request: web.Request) -> web.Response:
        body = await request.json()
        member = (body.get("members") or [{}])[0].get("id", "x")
        return await self._through(  # type: ignore[return-value]
            request, "create", f"a:personal-{member}", super()._create_conversation
        )

    # --- what tests read -------------------------------------------------------------------------

    def times(self, kind: str | None = None, conversation: str | None = None) -> list[float]:
        """Arrival times of requests (throttled and failed ones included: Teams counts them)."""
        return [
            a.at
            for a in self.arrivals
            if (kind is None or a.kind == kind)
            and (conversation is None or a.conversation == conversation)
        ]

    def statuses(self) -> Counter[int]:
        return Counter(a.status for a in self.arrivals)

    def duplicates(self) -> int:
        return sum(n - 1 for n in self.delivered.values() if n > 1)


def _error(status: int, code: str, headers: dict[str, str] | None = None) -> web.Response:
    """Teams' error body: {"error": {"code": ..., "message": ...}}."""
    return web.json_response(
        {"error": {"code": code, "message": f"mock {status} {code}"}},
        status=status,
        headers=headers,
    )
