"""Proactive delivery: sends outbox rows through the Bot Framework, at the rate Teams allows.

The worker claims rows before sending and settles them right after; every failure is classified
once here: 429 waits for Retry-After, 412/5xx/timeouts back off with jitter, 403 MessageWritesBlocked
means the person removed the app, anything else is a recorded failure.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import timedelta

import aiohttp
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
    ErrorResponseException,
)
from msrest.exceptions import ClientRequestError

from bot.rate_limit import TokenBucket
from storage.directory import Directory
from storage.outbox import Outbox, OutboxJob
from storage.values import Person

log = logging.getLogger(__name__)

Renderer = Callable[[OutboxJob], Awaitable[Activity | None]]
RETRYABLE_STATUS = {408, 412, 429, 500, 502, 503, 504}


def backoff(attempt: int, base: float = 2.0, cap: float = 600.0) -> timedelta:
    """Exponential backoff with full jitter, so retries from many rows do not arrive together."""
    return timedelta(seconds=random.uniform(0, min(cap, base * 2 ** max(0, attempt - 1))))


def _retry_after(error: ErrorResponseException) -> timedelta | None:
    headers = getattr(error.response, "headers", None) or {}
    value = headers.get("Retry-After") if hasattr(headers, "get") else None
    try:
        return timedelta(seconds=float(value)) if value is not None else None
    except ValueError:
        return None


def _error_code(error: ErrorResponseException) -> str:
    detail = getattr(getattr(error, "error", None), "error", None)
    code = getattr(detail, "code", None)
    if code:
        return str(code)
    text = getattr(error.response, "text", "") or ""
    return "MessageWritesBlocked" if "MessageWritesBlocked" in text else ""


class OutboxWorker:
    def __init__(
        self,
        outbox: Outbox,
        directory: Directory,
        adapter: CloudAdapter,
        app_id: str,
        render: Renderer,
        rate_per_second: float,
        concurrency: int,
        poll_seconds: float,
    ) -> None:
        self._outbox = outbox
        self._directory = directory
        self._adapter = adapter
        self._app_id = app_id
        self._render = render
        self._bucket = TokenBucket(rate_per_second, burst=max(1, concurrency))
        self._concurrency = concurrency
        self._slots = asyncio.Semaphore(concurrency)
        self._poll = poll_seconds
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Something was queued: look now rather than at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        recovered = await self._outbox.recover_in_flight()
        if recovered:
            log.warning("outbox.recovered_in_flight", extra={"count": recovered})
        while True:
            try:
                jobs = await self._outbox.claim_due(self._concurrency * 4)
            except Exception:
                log.exception("outbox.claim_failed")
                jobs = []
            if not jobs:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), self._poll)
                except TimeoutError:
                    pass
                continue
            await asyncio.gather(*(self._deliver_in_slot(job) for job in jobs))

    async def _deliver_in_slot(self, job: OutboxJob) -> None:
        async with self._slots:
            await self.deliver(job)

    async def deliver(self, job: OutboxJob) -> None:
        """Send one row and settle it; never raises."""
        try:
            activity = await self._render(job)
            if activity is None:
                await self._outbox.mark_expired(job.id)
                return
            await self._bucket.acquire()
            await self._send(job, activity)
        except ErrorResponseException as error:
            await self._settle_http_error(job, error)
        except (aiohttp.ClientError, ClientRequestError, OSError, TimeoutError) as error:
            await self._outbox.mark_retry(job, backoff(job.attempts), type(error).__name__)
        except Exception as error:
            log.exception("outbox.send_crashed", extra={"kind": job.kind.value})
            await self._outbox.mark_retry(job, backoff(job.attempts), type(error).__name__)
        else:
            await self._outbox.mark_sent(job.id)
            log.info(
                "outbox.sent", extra={"kind": job.kind.value, "uncertain_retry": job.attempts > 1}
            )

    async def _send(self, job: OutboxJob, activity: Activity) -> None:
        async def send(context: TurnContext) -> None:
            await context.send_activity(activity)

        if job.personal_reference:
            reference = ConversationReference().deserialize(json.loads(job.personal_reference))
            await self._adapter.continue_conversation(reference, send, self._app_id)
            return
        if not job.service_url:
            raise LookupError("no conversation and no service URL for this person")
        await self._create_and_send(job, send)

    async def _create_and_send(
        self, job: OutboxJob, send: Callable[[TurnContext], Awaitable[None]]
    ) -> None:
        """First message to someone who never opened the bot: create the 1:1 chat once, keep it."""
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=f"28:{self._app_id}" if self._app_id else None),
            members=[ChannelAccount(id=job.user_id)],
            tenant_id=job.tenant_id,
            channel_data={"tenant": {"id": job.tenant_id}} if job.tenant_id else None,
        )

        async def remember_and_send(context: TurnContext) -> None:
            activity = context.activity
            reference = json.dumps(TurnContext.get_conversation_reference(activity).serialize())
            await self._directory.remember_personal_chat(
                Person(user_id=job.user_id, tenant_id=job.tenant_id),
                activity.conversation.id,
                reference,
                activity.service_url,
            )
            await send(context)

        await self._adapter.create_conversation(
            self._app_id, remember_and_send, parameters, "msteams", job.service_url, None
        )

    async def _settle_http_error(self, job: OutboxJob, error: ErrorResponseException) -> None:
        status = getattr(error.response, "status_code", 0) or 0
        code = _error_code(error)
        if status == 403 and code == "MessageWritesBlocked":
            await self._outbox.mark_blocked(job)
        elif status == 429:
            await self._outbox.mark_retry(job, _retry_after(error) or backoff(job.attempts), "429")
        elif status in RETRYABLE_STATUS:
            await self._outbox.mark_retry(job, backoff(job.attempts), str(status))
        else:
            await self._outbox.mark_failed(job.id, f"{status} {code}".strip())
        log.info("outbox.http_error", extra={"status": status, "code": code})
