"""Proactive delivery: sends outbox rows through the Bot Connector, at the rate Teams allows.

- One process sends at a time, the holder of the send lease (storage/delivery/send_control.py); others are
  hot standbys. The lease makes the per-tenant rate exact across replicas and decides who may
  recover rows a dead sender left 'sending'.
- A row is marked 'sending' in its send slot just before its request (only the pacer's short
  wait comes between) and settled right after it, so a crash leaves at most one row per slot in
  doubt.
- Every failure is classified by the one policy (bot/delivery/failure_policy.py) and acted on
  here: 429 honours Retry-After for its tenant and slows the tenant down; repeated 429s pause
  *all* sends, stored in the database; 412, 5xx, 401, timeouts and dropped connections back off
  exponentially with jitter up to MAX_ATTEMPTS; 403 MessageWritesBlocked blocks the person for
  every later item; other answers fail for good with the status and Teams' error code as the
  reason.
Logs carry counts, kinds and status codes only: never a user id, a conversation id or a text.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import time
import traceback
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from botbuilder.schema import Activity, ErrorResponseException
from msrest.exceptions import ClientRequestError

from bot.connector.activity_json import reference_body
from bot.connector.prepared_send import PreparedActivity
from bot.connector.proactive import ProactiveSender
from bot.delivery.failure_policy import (
    Verdict,
    backoff,
    classify,
    error_code,
    http_status,
    retry_after,
    retry_delay,
    transport_failure,
)
from bot.delivery.rate_limit import Pacer
from storage.db.engine import is_database_unavailable
from storage.delivery.outbox import Outbox, OutboxJob
from storage.delivery.send_control import SendControl
from storage.directory.recipients import Directory
from storage.tables.directory import utcnow
from storage.values import Person

log = logging.getLogger(__name__)

Renderer = Callable[[OutboxJob], Awaitable[Activity | None]]
Delivered = Callable[[OutboxJob], Awaitable[object]]

THROTTLE_BURST = 3  # this many 429s ...
THROTTLE_WINDOW = 10.0  # ... within this many seconds pause every send
PAUSE_CAP_SECONDS = 660.0  # Company Communicator's fixed pause is 11 minutes; ours ends there
DEFER_AFTER = 1.0  # a conversation that must wait longer waits in the database, not in a slot
CHATS_GATHER_SECONDS = 0.1  # new 1:1 chats are stored in groups gathered this long
PROGRESS_EVERY = 10.0


@dataclass(frozen=True)
class WorkerConfig:
    """The knobs, from Settings (BOT_SEND_*, BOT_OUTBOX_*, BOT_DELIVERY_STATUS_SECONDS)."""

    rate_per_second: float = 25.0
    concurrency: int = 8
    poll_seconds: float = 1.0
    timeout_seconds: float = 10.0
    retry_base_seconds: float = 2.0
    lease_seconds: float = 30.0
    throttle_pause_seconds: float = 60.0
    status_seconds: float = 5.0


def _where(error: BaseException) -> str:
    """Where an unexpected error happened, without its message (which may hold ids)."""
    frames = traceback.extract_tb(error.__traceback__)[-3:]
    return " < ".join(
        f"{os.path.basename(f.filename)}:{f.lineno}:{f.name}" for f in reversed(frames)
    )


class _Stats:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def add(self, name: str) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1


class OutboxWorker:
    def __init__(
        self,
        outbox: Outbox,
        control: SendControl,
        directory: Directory,
        sender: ProactiveSender,
        render: Renderer,
        config: WorkerConfig,
        pacer: Pacer | None = None,
        report: Callable[[], Awaitable[None]] | None = None,
        now: Callable[[], datetime] = utcnow,
        clock: Callable[[], float] = time.monotonic,
        delivered: Delivered | None = None,
    ) -> None:
        self._outbox = outbox
        self._control = control
        self._directory = directory
        self._chats = _NewChats(directory)
        self._sender = sender
        self._render = render
        self._config = config
        self.pacer = pacer or Pacer(config.rate_per_second, clock)
        self._report = report
        self._delivered = delivered  # rows of kinds that show results (`OutboxKind.audited`)
        self._now = now
        self._clock = clock
        self._wake = asyncio.Event()
        self._holder = f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._lease_deadline = 0.0
        self._recovered = False
        self._paused_until = 0.0
        self._recent_429: deque[float] = deque()
        self._renders: dict[tuple[str, str, str | None, str], PreparedActivity | None] = {}
        self._in_flight: set[str] = set()  # rows a slot has taken and not yet settled
        self._stopping = False
        self.stats = _Stats()

    # --- lifecycle ---------------------------------------------------------------------------

    def wake(self) -> None:
        """Something was queued: look now rather than at the next poll."""
        self._wake.set()

    def stop(self) -> None:
        """Start no new send; run() returns once the requests in flight are settled."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        helpers = [
            asyncio.create_task(self._lease_loop(), name="outbox-lease"),
            asyncio.create_task(self._report_loop(), name="outbox-status"),
            asyncio.create_task(self._progress_loop(), name="outbox-progress"),
        ]
        try:
            await self._send_loop()
        finally:
            for task in helpers:
                task.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)
            try:
                await self._chats.drain()
            except Exception as error:
                log.warning("outbox.new_chats_not_stored", extra={"error": type(error).__name__})
            if self._lease_deadline:
                try:
                    await self._control.release(self._holder)
                except Exception:
                    log.warning("outbox.lease_release_failed")
            self._lease_deadline = 0.0
            self._log_progress()

    def holds_lease(self) -> bool:
        """True while this process may start a send: its lease outlives any request it starts."""
        margin = self._config.timeout_seconds + 1.0
        return self._recovered and self._clock() < self._lease_deadline - margin

    async def _lease_loop(self) -> None:
        lease_seconds = self._config.lease_seconds
        while True:
            started = self._clock()
            try:
                lease = await self._control.hold(self._holder, lease_seconds)
                if lease is None:
                    if self._lease_deadline:
                        log.warning("outbox.lease_lost")
                    self._lease_deadline = 0.0
                    self._recovered = False
                else:
                    if lease.took_over:
                        self._recovered = False
                    if not self._recovered:
                        recovered = await self._outbox.recover_in_flight()
                        self._recovered = True
                        log.info("outbox.lease_taken", extra={"recovered_in_flight": recovered})
                    self._lease_deadline = started + lease_seconds
                    self._sync_pause(lease.throttled_until)
                    self._wake.set()
            except Exception as error:
                log.error("outbox.lease_failed", extra={"error": type(error).__name__})
                if is_database_unavailable(error):
                    self.stats.add("database_errors")
            leader = self._lease_deadline > 0
            await asyncio.sleep(lease_seconds / 6 if leader else max(0.2, lease_seconds / 3))

    async def _report_loop(self) -> None:
        while self._report is not None:
            await asyncio.sleep(self._config.status_seconds)
            if self.holds_lease():
                try:
                    await self._report()
                except Exception as error:
                    log.error(
                        "delivery_status.failed",
                        extra={"error": type(error).__name__, "where": _where(error)},
                    )

    async def _progress_loop(self) -> None:
        while True:
            await asyncio.sleep(PROGRESS_EVERY)
            self._log_progress()

    def _log_progress(self) -> None:
        if self.stats.counts:
            log.info("outbox.progress", extra=dict(self.stats.counts))
            self.stats.counts.clear()

    # --- the global pause ----------------------------------------------------------------------

    def _sync_pause(self, until: datetime | None) -> None:
        """Adopt a pause from the database (set before a restart, or by the previous holder)."""
        if until is None:
            return
        remaining = (until - self._now()).total_seconds()
        if remaining > 0:
            self._paused_until = max(self._paused_until, self._clock() + remaining)

    def pause_remaining(self) -> float:
        return max(0.0, self._paused_until - self._clock())

    async def _wait_out_pause(self) -> None:
        while not self._stopping:
            paused = self.pause_remaining()
            if paused <= 0:
                return
            await asyncio.sleep(min(paused, 1.0))

    async def _note_429(self, retry_after: float | None) -> None:
        """Count 429s; THROTTLE_BURST of them within THROTTLE_WINDOW pause every send."""
        now = self._clock()
        self._recent_429.append(now)
        while self._recent_429 and self._recent_429[0] < now - THROTTLE_WINDOW:
            self._recent_429.popleft()
        if len(self._recent_429) < THROTTLE_BURST or self.pause_remaining() > 0:
            return
        self._recent_429.clear()
        until = await self._control.pause(
            self._config.throttle_pause_seconds, retry_after or 0.0, PAUSE_CAP_SECONDS
        )
        self._sync_pause(until)
        self.stats.add("pauses")
        log.warning("outbox.paused", extra={"seconds": round(self.pause_remaining(), 1)})

    # --- sending -----------------------------------------------------------------------------

    async def _idle(self, seconds: float) -> None:
        self._wake.clear()
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
        except TimeoutError:
            pass

    def _batch_size(self) -> int:
        """About two seconds of sending, so a batch's tail leaves few slots idle."""
        return int(min(1000, max(self._config.concurrency * 4, self._config.rate_per_second * 2)))

    async def _send_loop(self) -> None:
        while not self._stopping:
            if not self.holds_lease():
                await self._idle(min(self._config.poll_seconds, 0.5))
                continue
            paused = self.pause_remaining()
            if paused > 0:
                await self._idle(min(paused, 1.0))
                continue
            jobs = await self._claim(self._batch_size())
            if not jobs:
                await self._idle(self._config.poll_seconds)
                continue
            self._renders.clear()
            queue = deque(jobs)
            slots = min(self._config.concurrency, len(jobs))
            refill = (
                asyncio.create_task(self._refill(queue), name="outbox-refill")
                if len(jobs) == self._batch_size()  # a full batch: probably more behind it
                else None
            )
            try:
                await asyncio.gather(*(self._slot(queue) for _ in range(slots)))
            finally:
                if refill is not None:
                    refill.cancel()
                    await asyncio.gather(refill, return_exceptions=True)

    async def _claim(self, limit: int, exclude: Collection[str] = ()) -> list[OutboxJob]:
        try:
            return await self._outbox.due(limit, exclude)
        except Exception as error:
            log.error("outbox.claim_failed", extra={"error": type(error).__name__})
            return []

    async def _refill(self, queue: deque[OutboxJob]) -> None:
        """Claim the next batch while the slots still send the last one. Waiting for a batch to
        finish before claiming the next left every slot idle for the claim: at high rates a gap
        of a few hundred milliseconds per batch. Rows held here or in a slot are excluded; one
        claimed twice anyway would be refused by start(), which only takes pending rows."""
        low_water = max(2 * self._config.concurrency, int(self._config.rate_per_second / 4))
        while not self._stopping:
            if len(queue) > low_water or not self.holds_lease() or self.pause_remaining() > 0:
                await asyncio.sleep(0.02)
                continue
            held = {job.id for job in queue} | self._in_flight
            jobs = await self._claim(self._batch_size(), held)
            if jobs:
                # Rendered again per batch, as before: a round that closed meanwhile renders
                # as None, and its remaining rows expire instead of going out.
                self._renders.clear()
            queue.extend(job for job in jobs if job.id not in self._in_flight)
            if len(jobs) < self._batch_size():
                return  # the rest of what is due is in the queue now

    async def _slot(self, queue: deque[OutboxJob]) -> None:
        """One send slot: takes the batch's next row until none is left. A task per slot rather
        than per row: at high rates creating and scheduling a thousand tasks a batch showed."""
        slot = _Slot()
        try:
            while queue:
                if self._stopping or not self.holds_lease():
                    return  # the rest stay pending: the next holder (or this one, later) sends them
                job = queue.popleft()
                self._in_flight.add(job.id)
                try:
                    await self.deliver(job, slot)
                finally:
                    self._in_flight.discard(job.id)
        finally:
            try:
                await self._settled(slot)
            except Exception as error:
                log.error("outbox.settle_failed", extra={"error": type(error).__name__})

    async def _rendered(self, job: OutboxJob) -> PreparedActivity | None:
        """Render and encode once per item and language per batch: a push is thousands of the
        same card, so only each person's address is encoded per row (bot/connector/prepared_send.py).
        A leader's result card is their own: rendered per person."""
        person = job.user_id if job.kind.per_person else ""
        key = (job.kind.value, job.subject_id, job.locale, person)
        if key not in self._renders:
            activity = await self._render(job)
            self._renders[key] = None if activity is None else PreparedActivity(activity)
        return self._renders[key]

    @staticmethod
    def _conversation_key(job: OutboxJob) -> str:
        return job.conversation_id or f"new:{job.user_id}"

    async def deliver(self, job: OutboxJob, slot: _Slot | None = None) -> None:
        """Pace, send and settle one row; never raises (a database hiccup leaves it pending).
        Given its send slot, a 'sent' is left for the slot's next start to commit."""
        own = slot is None
        slot = slot or _Slot()
        try:
            await self._deliver(job, slot)
            if own:
                await self._settled(slot)
        except Exception as error:
            log.error(
                "outbox.deliver_failed",
                extra={
                    "kind": job.kind.value,
                    "error": type(error).__name__,
                    "where": _where(error),
                },
            )

    async def _deliver(self, job: OutboxJob, slot: _Slot) -> None:
        try:
            activity = await self._rendered(job)
        except Exception as error:
            log.error(
                "outbox.render_failed", extra={"kind": job.kind.value, "where": _where(error)}
            )
            await self._outbox.defer(
                job.id, backoff(job.attempts + 1, self._config.retry_base_seconds)
            )
            return
        if activity is None:
            await self._outbox.mark_expired(job.id)
            self.stats.add("expired")
            return
        key = self._conversation_key(job)
        delay = self.pacer.conversation_delay(key)
        if delay > DEFER_AFTER:
            await self._outbox.defer(job.id, timedelta(seconds=delay))
            self.stats.add("deferred")
            return
        await self._wait_out_pause()
        if self._stopping or not self.holds_lease():
            return
        tries = await self._outbox.start(job.id)
        await self._settled(slot)  # committed with this start, or before it
        if tries is None:
            return  # closed or taken meanwhile
        # Paced after the row is marked, so nothing (not even a commit) comes between the slot
        # the pacer hands out and the request leaving: Teams measures arrivals, not intentions.
        answered = await self.pacer.acquire(job.tenant_id, key)
        if self._stopping or not self.holds_lease() or self.pause_remaining() > 0:
            await self._outbox.unstart(job.id)  # not sent: pending again, no try counted
            return
        settle = await self._send_and_classify(job, tries, activity, answered)
        if settle is None:
            # Sent, the common case: recorded in the same commit as this slot's next start
            # (one commit per message, and still never two rows of one slot 'sending').
            slot.settling = (job.id, self._outbox.queue_sent(job.id))
            if job.kind.audited and self._delivered is not None:
                await self._record_delivery(job)
            return
        await self._settle(settle)

    async def _record_delivery(self, job: OutboxJob) -> None:
        """A result card reached its leader: that is a view, for the audit log. Recorded once
        Teams accepted it (not when queued, not per try), retried like a settle."""
        assert self._delivered is not None
        delivered = self._delivered
        try:
            await self._settle(lambda: delivered(job))
        except Exception as error:
            log.error(
                "audit.delivery_not_recorded",
                extra={"kind": job.kind.value, "error": type(error).__name__},
            )

    async def _settle(self, settle: Callable[[], Awaitable[object]]) -> None:
        for wait in (0.2, 1.0, 3.0, None):
            try:
                await settle()
                return
            except Exception as error:
                # The request is done; losing its outcome would send it again after a takeover.
                log.warning("outbox.settle_retry", extra={"error": type(error).__name__})
                if is_database_unavailable(error):
                    self.stats.add("database_errors")
                if wait is None:
                    raise
                await asyncio.sleep(wait)

    async def _settled(self, slot: _Slot) -> None:
        """Wait for the slot's last 'sent' to be committed (retried alone if its commit failed)."""
        if slot.settling is None:
            return
        job_id, future = slot.settling
        slot.settling = None
        try:
            await future
        except Exception as error:
            log.warning("outbox.settle_retry", extra={"error": type(error).__name__})
            await self._settle(lambda: self._outbox.mark_sent(job_id))

    async def _send_and_classify(
        self, job: OutboxJob, tries: int, activity: PreparedActivity, answered: Callable[[], None]
    ) -> Callable[[], Awaitable[object]] | None:
        """Send, and return how to record the outcome (so recording can be retried alone);
        None when it was sent, which the caller records with the slot's next start."""
        base = self._config.retry_base_seconds
        outbox = self._outbox
        try:
            await self._send(job, activity, answered)
        except ErrorResponseException as error:
            return await self._classify_http_error(job, tries, error)
        except (ClientRequestError, OSError, TimeoutError) as error:
            reason, maybe_arrived = transport_failure(error)
            self.stats.add("retried")
            # A request that never left says the connector is away, not that this row fails:
            # a long Teams or network outage delays the push instead of failing every row.
            return lambda: outbox.mark_retry(
                job,
                tries,
                backoff(tries, base),
                reason,
                uncertain=maybe_arrived,
                never_left=not maybe_arrived,
            )
        except _NoAddress:
            self.stats.add("failed")
            return lambda: outbox.mark_failed(job.id, "no conversation and no service URL")
        except Exception as error:
            log.error(
                "outbox.send_crashed",
                extra={
                    "kind": job.kind.value,
                    "error": type(error).__name__,
                    "where": _where(error),
                },
            )
            self.stats.add("retried")
            name = type(error).__name__
            return lambda: outbox.mark_retry(job, tries, backoff(tries, base), name, uncertain=True)
        self.pacer.tenant(job.tenant_id).accepted()
        self.stats.add("sent")
        return None

    async def _send(
        self, job: OutboxJob, activity: PreparedActivity, answered: Callable[[], None]
    ) -> None:
        """The request(s) for one row; `answered` tells the pacer each one is back (rate_limit)."""
        reference: dict[str, Any]
        if job.personal_reference:
            reference = json.loads(job.personal_reference)
        else:
            if not job.service_url:
                answered()  # nothing left
                raise _NoAddress()
            # First message to someone who never opened the bot: create the 1:1 chat once, keep it.
            try:
                created = await self._sender.create_personal(
                    job.service_url, job.tenant_id, job.user_id
                )
            finally:
                answered()
            reference = reference_body(created)
            self._chats.remember(
                (
                    Person(user_id=job.user_id, tenant_id=job.tenant_id),
                    created.conversation.id,
                    json.dumps(reference),
                    created.service_url,
                )
            )
            answered = await self.pacer.acquire(job.tenant_id, created.conversation.id)
        try:
            await self._sender.send_prepared(reference, activity)
        finally:
            answered()

    async def _classify_http_error(
        self, job: OutboxJob, tries: int, error: ErrorResponseException
    ) -> Callable[[], Awaitable[object]]:
        status = http_status(error)
        code = error_code(error)
        reason = f"{status} {code}".strip()
        base = self._config.retry_base_seconds
        outbox = self._outbox
        log.debug("outbox.http_error", extra={"status": status, "code": code})
        verdict = classify(status, code)
        if verdict is Verdict.BLOCKED:
            self.stats.add("blocked")
            return lambda: outbox.mark_blocked(job)
        if verdict is Verdict.THROTTLED:
            waited = retry_after(error)
            tenant = self.pacer.tenant(job.tenant_id)
            tenant.throttled()
            if waited:
                tenant.hold(waited)
            delay = retry_delay(tries, base, waited)
            self.stats.add("throttled")
            await self._note_429(waited)
            return lambda: outbox.mark_retry(job, tries, delay, "429", throttled=True)
        if verdict is Verdict.RETRY:
            self.stats.add("retried")
            return lambda: outbox.mark_retry(job, tries, backoff(tries, base), reason)
        self.stats.add("failed")
        return lambda: outbox.mark_failed(job.id, reason)


class _Slot:
    """One send slot's state: its last row sent but not yet recorded, and that record's commit."""

    __slots__ = ("settling",)

    def __init__(self) -> None:
        self.settling: tuple[str, asyncio.Future[Any]] | None = None


class _NewChats:
    """The 1:1 chats a push creates, stored in groups a moment later rather than one transaction
    each before sending into them: at high rates those transactions cost more than the rest of
    the message. Nothing is lost if a group never gets stored (a crash, a database hiccup):
    creating a person's 1:1 chat again answers with the same conversation, so the only cost is
    that one extra request the next time; the delivery itself is settled in the outbox as usual.
    """

    def __init__(self, directory: Directory, gather_seconds: float = CHATS_GATHER_SECONDS) -> None:
        self._directory = directory
        self._gather = gather_seconds
        self._queued: list[tuple[Person, str, str, str | None]] = []
        self._flusher: asyncio.Task[None] | None = None

    def remember(self, chat: tuple[Person, str, str, str | None]) -> None:
        self._queued.append(chat)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="outbox-new-chats")

    async def _flush(self) -> None:
        while self._queued:
            await asyncio.sleep(self._gather)
            batch, self._queued = self._queued, []
            try:
                await self._directory.remember_personal_chats(batch)
            except Exception as error:
                log.warning(
                    "outbox.new_chats_not_stored",
                    extra={"count": len(batch), "error": type(error).__name__},
                )

    async def drain(self) -> None:
        """At stop: store what is queued."""
        while self._flusher is not None and not self._flusher.done():
            await asyncio.shield(self._flusher)


class _NoAddress(Exception):
    """Neither a stored 1:1 chat nor a service URL to create one: nothing can reach this person."""
