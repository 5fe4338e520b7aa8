"""One outbox row: render, pace, send and settle it, acting on the one failure policy.

- A row is marked 'sending' in its send slot just before its request (only the pacer's short
  wait comes between) and settled right after it, so a crash leaves at most one row per slot in
  doubt.
- Every failure is classified by the one policy (bot/delivery/failure_policy.py) and acted on
  here: 429 honours Retry-After for its tenant and slows the tenant down (and counts towards the
  global pause, bot/delivery/send_lease.py); 412, 5xx, 401, timeouts and dropped connections
  back off exponentially with jitter up to MAX_ATTEMPTS; 403 MessageWritesBlocked blocks the
  person for every later item; other answers fail for good with the status and Teams' error code
  as the reason.
Logs carry counts, kinds and status codes only: never a user id, a conversation id or a text.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
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
from bot.delivery.new_chats import NewChats
from bot.delivery.rate_limit import Pacer
from bot.delivery.send_lease import SendLease
from bot.delivery.worker_config import WorkerConfig, WorkerStats, log, where
from storage.db.engine import is_database_unavailable
from storage.delivery.outbox import Outbox, OutboxJob
from storage.values import Person

__all__ = ["DEFER_AFTER", "Delivered", "NoAddress", "Renderer", "RowSender", "Slot"]

Renderer = Callable[[OutboxJob], Awaitable[Activity | None]]
Delivered = Callable[[OutboxJob], Awaitable[object]]

DEFER_AFTER = 1.0  # a conversation that must wait longer waits in the database, not in a slot


class RowSender:
    """Sends rows one at a time for the send loop's slots, while the lease says it may."""

    def __init__(
        self,
        outbox: Outbox,
        sender: ProactiveSender,
        render: Renderer,
        config: WorkerConfig,
        pacer: Pacer,
        lease: SendLease,
        chats: NewChats,
        stats: WorkerStats,
        stopping: Callable[[], bool],
        delivered: Delivered | None = None,
    ) -> None:
        self._outbox = outbox
        self._sender = sender
        self.render = render
        self._config = config
        self._pacer = pacer
        self._lease = lease
        self._chats = chats
        self._stats = stats
        self._stopping = stopping
        self._delivered = delivered  # rows of kinds that show results (`OutboxKind.audited`)
        self._renders: dict[tuple[str, str, str | None, str], PreparedActivity | None] = {}

    def forget_renders(self) -> None:
        """A new batch: render again, so a round that closed meanwhile renders as None."""
        self._renders.clear()

    async def _wait_out_pause(self) -> None:
        while not self._stopping():
            paused = self._lease.pause_remaining()
            if paused <= 0:
                return
            await asyncio.sleep(min(paused, 1.0))

    async def _rendered(self, job: OutboxJob) -> PreparedActivity | None:
        """Render and encode once per item and language per batch: a push is thousands of the
        same card, so only each person's address is encoded per row (bot/connector/prepared_send.py).
        A leader's result card is their own: rendered per person."""
        person = job.user_id if job.kind.per_person else ""
        key = (job.kind.value, job.subject_id, job.locale, person)
        if key not in self._renders:
            activity = await self.render(job)
            self._renders[key] = None if activity is None else PreparedActivity(activity)
        return self._renders[key]

    @staticmethod
    def _conversation_key(job: OutboxJob) -> str:
        return job.conversation_id or f"new:{job.user_id}"

    async def deliver(self, job: OutboxJob, slot: Slot | None = None) -> None:
        """Pace, send and settle one row; never raises (a database hiccup leaves it pending).
        Given its send slot, a 'sent' is left for the slot's next start to commit."""
        own = slot is None
        slot = slot or Slot()
        try:
            await self._deliver(job, slot)
            if own:
                await self.settled(slot)
        except Exception as error:
            log.error(
                "outbox.deliver_failed",
                extra={
                    "kind": job.kind.value,
                    "error": type(error).__name__,
                    "where": where(error),
                },
            )

    async def _deliver(self, job: OutboxJob, slot: Slot) -> None:
        try:
            activity = await self._rendered(job)
        except Exception as error:
            log.error("outbox.render_failed", extra={"kind": job.kind.value, "where": where(error)})
            await self._outbox.defer(
                job.id, backoff(job.attempts + 1, self._config.retry_base_seconds)
            )
            return
        if activity is None:
            await self._outbox.mark_expired(job.id)
            self._stats.add("expired")
            return
        key = self._conversation_key(job)
        delay = self._pacer.conversation_delay(key)
        if delay > DEFER_AFTER:
            await self._outbox.defer(job.id, timedelta(seconds=delay))
            self._stats.add("deferred")
            return
        await self._wait_out_pause()
        if self._stopping() or not self._lease.holds():
            return
        tries = await self._outbox.start(job.id)
        await self.settled(slot)  # committed with this start, or before it
        if tries is None:
            return  # closed or taken meanwhile
        # Paced after the row is marked, so nothing (not even a commit) comes between the slot
        # the pacer hands out and the request leaving: Teams measures arrivals, not intentions.
        answered = await self._pacer.acquire(job.tenant_id, key)
        if self._stopping() or not self._lease.holds() or self._lease.pause_remaining() > 0:
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
                    self._stats.add("database_errors")
                if wait is None:
                    raise
                await asyncio.sleep(wait)

    async def settled(self, slot: Slot) -> None:
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
            return await self.classify_http_error(job, tries, error)
        except (ClientRequestError, OSError, TimeoutError) as error:
            reason, maybe_arrived = transport_failure(error)
            self._stats.add("retried")
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
        except NoAddress:
            self._stats.add("failed")
            return lambda: outbox.mark_failed(job.id, "no conversation and no service URL")
        except Exception as error:
            log.error(
                "outbox.send_crashed",
                extra={
                    "kind": job.kind.value,
                    "error": type(error).__name__,
                    "where": where(error),
                },
            )
            self._stats.add("retried")
            name = type(error).__name__
            return lambda: outbox.mark_retry(job, tries, backoff(tries, base), name, uncertain=True)
        self._pacer.tenant(job.tenant_id).accepted()
        self._stats.add("sent")
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
                raise NoAddress()
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
            answered = await self._pacer.acquire(job.tenant_id, created.conversation.id)
        try:
            await self._sender.send_prepared(reference, activity)
        finally:
            answered()

    async def classify_http_error(
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
            self._stats.add("blocked")
            return lambda: outbox.mark_blocked(job)
        if verdict is Verdict.THROTTLED:
            waited = retry_after(error)
            tenant = self._pacer.tenant(job.tenant_id)
            tenant.throttled()
            if waited:
                tenant.hold(waited)
            delay = retry_delay(tries, base, waited)
            self._stats.add("throttled")
            await self._lease.note_429(waited)
            return lambda: outbox.mark_retry(job, tries, delay, "429", throttled=True)
        if verdict is Verdict.RETRY:
            self._stats.add("retried")
            return lambda: outbox.mark_retry(job, tries, backoff(tries, base), reason)
        self._stats.add("failed")
        return lambda: outbox.mark_failed(job.id, reason)


class Slot:
    """One send slot's state: its last row sent but not yet recorded, and that record's commit."""

    __slots__ = ("settling",)

    def __init__(self) -> None:
        self.settling: tuple[str, asyncio.Future[Any]] | None = None


class NoAddress(Exception):
    """Neither a stored 1:1 chat nor a service URL to create one: nothing can reach this person."""
