"""How often the admin API may be called: per client address, and failed tokens across all clients.

Token buckets that refill continuously (`per_minute` units a minute, holding at most that many):
a call costs 1, a failed token attempt costs FAILED_AUTH_COST, so a client guessing tokens gets a
tenth of the calls of one that has the token. Failed attempts from *all* addresses also share one
bucket, so spreading the guessing over many addresses does not multiply it. While that shared
bucket is empty no token is looked at at all (everyone gets 429): answering a right token with 200
and a wrong one with 429 would still let the guessing go on at full speed. The token is long
enough that guessing cannot succeed anyway; this keeps the attempts visible and cheap to carry.

Refused calls cost nothing: a client that waits the Retry-After it was given gets through.
The clock is injectable so tests move time instead of sleeping.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

FAILED_AUTH_COST = 10.0
MAX_TRACKED_CLIENTS = 10_000  # beyond this, clients whose bucket is full again are forgotten

Clock = Callable[[], float]


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
        # failed attempts still holds the guessing down.
        keep = MAX_TRACKED_CLIENTS * 9 // 10
        for key in list(self._buckets)[: max(0, len(self._buckets) - keep)]:
            del self._buckets[key]

    def wait(self, key: str, cost: float = 1.0) -> float:
        """Seconds until `cost` units are there (0: now). A bucket may be in debt after a charge."""
        bucket = self._bucket(key)
        missing = min(cost, self._capacity) - bucket.level
        return max(0.0, missing / self._per_second)

    def charge(self, key: str, cost: float) -> None:
        """Take `cost` units, going into debt if need be (a failed attempt is charged in full)."""
        self._bucket(key).level -= cost


class AdminRateLimit:
    """The admin API's two limits; the handler asks before looking at the token, then reports."""

    GLOBAL = "*"

    def __init__(
        self, per_minute: int, failed_per_minute: int, clock: Clock = time.monotonic
    ) -> None:
        self._clients = TokenBuckets(float(per_minute), clock)
        self._failures = TokenBuckets(float(failed_per_minute) * FAILED_AUTH_COST, clock)

    def retry_after(self, client: str) -> int:
        """Whole seconds the client must wait before this call is looked at (0: go ahead)."""
        wait = max(
            self._clients.wait(client),
            self._failures.wait(self.GLOBAL, FAILED_AUTH_COST),
        )
        return math.ceil(wait) if wait > 0 else 0

    def allowed(self, client: str) -> None:
        """A call with the right token (or to the public document)."""
        self._clients.charge(client, 1.0)

    def failed(self, client: str) -> None:
        """A missing or wrong token: charged harder, and to the shared bucket too."""
        self._clients.charge(client, FAILED_AUTH_COST)
        self._failures.charge(self.GLOBAL, FAILED_AUTH_COST)
