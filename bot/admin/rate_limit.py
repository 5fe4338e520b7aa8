"""How often the admin API may be called: per client address, and failed tokens across all clients.

Token buckets that refill continuously (`per_minute` units a minute, holding at most that many):
a call costs 1, a failed token attempt costs FAILED_AUTH_COST, so a client guessing tokens gets a
tenth of the calls of one that has the token. An address whose own bucket is empty gets 429 and
its token is not looked at: from that address a right token and a wrong one are answered alike,
so it cannot go on guessing by reading 200 against 429. (IPv6 addresses count by their /64, which
one customer line usually owns whole.)

Failed attempts from *all* addresses also share one bucket, but that one only *slows*: while it is
spent, each failed attempt is answered after a delay (at most MAX_SLOWDOWN_SECONDS, and at most
MAX_SLOWED answers held at once; past that, 429 at once). It never holds back a right token: if it
blocked, as it once did, anyone could keep it spent from a few addresses and lock HR out. Spreading
the guessing over many addresses therefore gets each address its own small budget, slowed; the
token (at least 32 characters) is what makes guessing hopeless, this keeps the attempts visible,
cheap to carry and slow.

Refused calls cost nothing: a client that waits the Retry-After it was given gets through.
The clock and the sleep are injectable so tests move time instead of sleeping.
"""

from __future__ import annotations

import asyncio
import ipaddress
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

FAILED_AUTH_COST = 10.0
MAX_TRACKED_CLIENTS = 10_000  # beyond this, clients whose bucket is full again are forgotten
MAX_SLOWDOWN_SECONDS = 5.0  # the longest a failed attempt is held while the shared budget is spent
MAX_SLOWED = 64  # failed attempts held at once; more get 429 at once (the server's cost is bounded)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass
class _Bucket:
    level: float
    updated: float


class TokenBuckets:
    """One bucket per key, each holding at most `capacity` units and refilling `capacity` a minute."""

    def __init__(self, capacity: float, clock: Clock) -> None:
        self._capacity = capacity
        self._per_second = capacity / 60.0
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def _bucket(self, key: str) -> _Bucket:
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= MAX_TRACKED_CLIENTS:
                self._forget_full(now)
            bucket = self._buckets[key] = _Bucket(self._capacity, now)
        else:
            elapsed = max(0.0, now - bucket.updated)
            bucket.level = min(self._capacity, bucket.level + elapsed * self._per_second)
            bucket.updated = now
        return bucket

    def _forget_full(self, now: float) -> None:
        for key, bucket in list(self._buckets.items()):
            if bucket.level + (now - bucket.updated) * self._per_second >= self._capacity:
                del self._buckets[key]
        # Still full of debtors (many addresses at once): the oldest tenth go, so the next sweep
        # is a thousand new addresses away rather than one (a sweep per request under a flood
        # would itself be the flood's cost); memory stays bounded, and the shared bucket of
        # failed attempts still slows the guessing down.
        keep = MAX_TRACKED_CLIENTS * 9 // 10
        for key in list(self._buckets)[: max(0, len(self._buckets) - keep)]:
            del self._buckets[key]

    def wait(self, key: str, cost: float = 1.0) -> float:
        """Seconds until `cost` units are there (0: now). A bucket may be in debt after a charge."""
        bucket = self._bucket(key)
        missing = min(cost, self._capacity) - bucket.level
        return max(0.0, missing / self._per_second)

    def charge(self, key: str, cost: float, floor: float | None = None) -> None:
        """Take `cost` units, going into debt if need be (a failed attempt is charged in full);
        `floor`: the debt stops there (a flood does not slow the next day's mistakes)."""
        bucket = self._bucket(key)
        bucket.level -= cost
        if floor is not None:
            bucket.level = max(bucket.level, floor)


def client_key(address: str) -> str:
    """The unit a budget belongs to: an IPv4 address, an IPv6 /64, or the text as given."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


def parse_networks(
    values: Sequence[str],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """BOT_ADMIN_TRUSTED_PROXIES: addresses or networks (10.0.0.5, 10.0.0.0/24, fd00::/8)."""
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values)


def forwarded_client(
    peer: str | None,
    forwarded_for: str | None,
    trusted: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network],
) -> str:
    """The client's address: the connecting one, unless that is a proxy we were told to trust.

    Then X-Forwarded-For is read from the right (each proxy appends the address it saw) and the
    first address that is not a trusted proxy is the client. Left of it anyone may write anything,
    so X-Forwarded-For from an untrusted peer, or beyond the first untrusted hop, is ignored."""

    def is_trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in trusted)

    if not peer or not trusted or not is_trusted(peer) or not forwarded_for:
        return peer or "unknown"
    hops = [hop.strip() for hop in forwarded_for.split(",")]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return peer  # a malformed chain: count it against the proxy, not a made-up client
        if not is_trusted(hop):
            return hop
    return peer


class AdminRateLimit:
    """The admin API's limits; the handler asks before looking at the token, then reports."""

    GLOBAL = "*"

    def __init__(
        self,
        per_minute: int,
        failed_per_minute: int,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._clients = TokenBuckets(float(per_minute), clock)
        self._failure_capacity = float(failed_per_minute) * FAILED_AUTH_COST
        self._failures = TokenBuckets(self._failure_capacity, clock)
        self.sleep = sleep
        self.slowed = 0  # failed attempts being held right now

    def retry_after(self, client: str) -> int:
        """Whole seconds this address must wait before its call is looked at (0: go ahead).

        Only the address's own budget: failures elsewhere never make a right token wait."""
        wait = self._clients.wait(client_key(client))
        return math.ceil(wait) if wait > 0 else 0

    def allowed(self, client: str) -> None:
        """A call with the right token (or to the public document)."""
        self._clients.charge(client_key(client), 1.0)

    def failed(self, client: str) -> float:
        """A missing or wrong token: charged harder to the address, and to the shared bucket.

        Returns how long to hold the 401 (0 while the shared budget lasts)."""
        self._clients.charge(client_key(client), FAILED_AUTH_COST)
        delay = self._failures.wait(self.GLOBAL, FAILED_AUTH_COST)
        self._failures.charge(self.GLOBAL, FAILED_AUTH_COST, floor=-self._failure_capacity)
        return min(delay, MAX_SLOWDOWN_SECONDS)

    async def hold(self, delay: float) -> bool:
        """Hold a failed attempt's answer for `delay` seconds; False when too many are held
        already (the caller answers 429 at once rather than keep another connection open)."""
        if delay <= 0:
            return True
        if self.slowed >= MAX_SLOWED:
            return False
        self.slowed += 1
        try:
            await self.sleep(delay)
        finally:
            self.slowed -= 1
        return True
