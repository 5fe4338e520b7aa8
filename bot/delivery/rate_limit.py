"""Pacing proactive sends to the limits Teams documents, measured as Teams measures them.

- Per app per tenant: at most `rate` requests per second (BOT_SEND_RATE_PER_SECOND, 25 by
  default against the documented 30): requests are spaced 1/rate apart *and* no 1-second window
  ever holds more than `rate`, so there is no burst above the configured figure at all (above
  100/s the spacing may catch up by BURST_SECONDS at once; the window still caps).
- Per conversation (send and create): 7 per second, 8 per 2 seconds, 60 per 30 seconds.
What counts is when requests *arrive*, and the network (or a busy machine) can bring two of them
closer together than they left. So a request's place in the windows moves from the moment it left
to the moment its answer came back, once it has (the caller says so with the function `acquire`
returns): it arrived somewhere between the two, so a window measured from the answer can never
hold more than it should, however uneven the way there. Only requests still in flight count from
when they left, and the conversation windows keep a 5% pad for them; the tenant's window, whose
requests of one second ago have long been answered, needs none: a pad there cost a few percent of
the rate, and jitter still got through it as 429s on a busy machine.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable

# The platform's own numbers (PLATFORM-NOTES.md): per bot per conversation.
CONVERSATION_LIMITS: tuple[tuple[int, float], ...] = ((7, 1.0), (8, 2.0), (60, 30.0))
WINDOW_MARGIN = 1.05
TENANT_WINDOW_MARGIN = 1.0
FORGET_ABOVE = 10_000  # conversations remembered before the idle ones are swept out
BURST_SECONDS = 0.01  # how far behind its spacing a fast tenant may catch up at once
Clock = Callable[[], float]
Mark = list[float]  # one request in the windows: [when it left, or when its answer came back]


class SlidingWindows:
    """At most `limit` events in any `seconds`-long window, for each (limit, seconds) pair."""

    def __init__(
        self,
        limits: tuple[tuple[int, float], ...],
        clock: Clock = time.monotonic,
        margin: float = WINDOW_MARGIN,
    ) -> None:
        self._limits = tuple((n, s * margin) for n, s in limits)
        self._events: deque[Mark] = deque(maxlen=max(n for n, _ in limits))
        self._clock = clock

    def delay(self) -> float:
        """Seconds until one more event fits every window (0 when it fits now)."""
        now = self._clock()
        wait = 0.0
        for limit, seconds in self._limits:
            if len(self._events) >= limit:
                wait = max(wait, self._events[-limit][0] + seconds - now)
        return max(0.0, wait)

    def record(self) -> Mark:
        """A request leaves now; answered(mark) when its answer is back."""
        mark = [self._clock()]
        self._events.append(mark)
        return mark

    def answered(self, mark: Mark) -> None:
        """It arrived by now: count it from here (windows only ever start later, never earlier)."""
        mark[0] = max(mark[0], self._clock())

    @property
    def last(self) -> float | None:
        return self._events[-1][0] if self._events else None


class TenantPacer:
    """One tenant's budget: evenly spaced requests, a hard cap per second, and a hold for
    Retry-After. After a 429 the rate drops to 3/4 and creeps back by 1% of the configured rate
    per accepted request (additive increase, multiplicative decrease), so a tenant whose budget
    someone else is using settles below the limit instead of being throttled again and again."""

    def __init__(self, rate: float, clock: Clock = time.monotonic) -> None:
        self._configured = rate
        self._rate = rate
        self._clock = clock
        self._window = SlidingWindows(
            ((max(1, math.floor(rate)), 1.0),), clock, TENANT_WINDOW_MARGIN
        )
        self._next = 0.0
        # Above 100/s spacing alone would admit one request per turn of the event loop when
        # the send slots arrive together (they do: their rows are started in one commit); a
        # few milliseconds of catching up let them through, the 1-second window still caps.
        # At Teams' rates the slack is nil: 1/rate is longer than BURST_SECONDS.
        self._slack = max(0.0, BURST_SECONDS - 1.0 / rate)
        self._held_until = 0.0
        self._lock = asyncio.Lock()

    @property
    def rate(self) -> float:
        return self._rate

    async def acquire(self) -> Mark:
        """Wait for this tenant's next request slot (callers queue in order).

        A caller that finds nobody waiting and the slot free takes it without the lock: at high
        rates the lock's own bookkeeping with a queue of slots behind it showed in profiles. Every
        path decides on the same state without an await in between, so the limits hold alike."""
        if not self._lock.locked():
            mark = self._take()
            if mark is not None:
                return mark
        async with self._lock:
            while True:
                mark = self._take()
                if mark is not None:
                    return mark
                now = self._clock()
                await asyncio.sleep(
                    max(self._next - now, self._held_until - now, self._window.delay())
                )

    def _take(self) -> Mark | None:
        """The slot now, if every limit allows one now (None: wait)."""
        now = self._clock()
        if max(self._next - now, self._held_until - now, self._window.delay()) > 0:
            return None
        self._next = max(now - self._slack, self._next) + 1.0 / self._rate
        return self._window.record()

    def answered(self, mark: Mark) -> None:
        self._window.answered(mark)

    def hold(self, seconds: float) -> None:
        """Teams said Retry-After: nothing more to this tenant until then."""
        self._held_until = max(self._held_until, self._clock() + seconds)

    def throttled(self) -> None:
        self._rate = max(1.0, self._rate * 0.75)

    def accepted(self) -> None:
        if self._rate < self._configured:
            self._rate = min(self._configured, self._rate + self._configured * 0.01)


class Pacer:
    """Every limit in one place: the worker and the status reporter both go through it."""

    def __init__(self, rate: float, clock: Clock = time.monotonic) -> None:
        self._rate = rate
        self._clock = clock
        self._tenants: dict[str, TenantPacer] = {}
        self._conversations: dict[str, SlidingWindows] = {}
        self._forget_above = FORGET_ABOVE

    def tenant(self, tenant_id: str | None) -> TenantPacer:
        key = tenant_id or ""
        pacer = self._tenants.get(key)
        if pacer is None:
            pacer = self._tenants[key] = TenantPacer(self._rate, self._clock)
        return pacer

    def _conversation(self, key: str) -> SlidingWindows:
        windows = self._conversations.get(key)
        if windows is None:
            if len(self._conversations) > self._forget_above:
                self._forget_idle()
            windows = self._conversations[key] = SlidingWindows(CONVERSATION_LIMITS, self._clock)
        return windows

    def _forget_idle(self) -> None:
        """Conversations quiet for longer than the longest window cannot limit anything."""
        horizon = self._clock() - max(s for _, s in CONVERSATION_LIMITS) * WINDOW_MARGIN
        for key in [k for k, w in self._conversations.items() if (w.last or 0) < horizon]:
            del self._conversations[key]
        # The next sweep once as many again have come: above 10,000 / 31.5 s ≈ 320 new
        # conversations a second nothing is idle yet, and sweeping on every new one made a
        # 20,000-person push quadratic (338/s instead of 1,900/s at a 2,000/s ceiling).
        self._forget_above = max(FORGET_ABOVE, 2 * len(self._conversations))

    def conversation_delay(self, key: str) -> float:
        return self._conversation(key).delay()

    async def acquire(self, tenant_id: str | None, conversation: str) -> Callable[[], None]:
        """Wait until one request to `conversation` in `tenant_id` is within every limit.

        Returns what to call when the request's answer (or failure) is back; not calling it
        leaves the request counted from when it left, the conservative-enough old way."""
        windows = self._conversation(conversation)
        if windows.delay() > 0:  # (asked first: a push's conversations are mostly new, and a
            await _sleep_off(windows.delay)  # coroutine per check showed at high rates)
        tenant = self.tenant(tenant_id)
        tenant_mark = await tenant.acquire()
        if windows.delay() > 0:  # another slot may have used the conversation meanwhile
            await _sleep_off(windows.delay)
        conversation_mark = windows.record()

        def answered() -> None:
            tenant.answered(tenant_mark)
            windows.answered(conversation_mark)

        return answered


async def _sleep_off(delay: Callable[[], float]) -> None:
    """Sleep until `delay()` says zero; it is asked again after each sleep."""
    while True:
        wait = delay()
        if wait <= 0:
            return
        await asyncio.sleep(wait)
