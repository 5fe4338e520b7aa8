"""Prompts at run time: the services, the starter library, the channel poster and the publication clock.

Kept apart from bot/app.py so the app factory only gains a few lines: build the services, seed the
library, start two background tasks.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from botbuilder.schema import Activity, ErrorResponseException

from bot.connector.proactive import ProactiveSender, reference_from_json
from bot.delivery.failure_policy import (
    Verdict,
    classify,
    error_code,
    http_status,
    retry_after,
    retry_delay,
)
from bot.delivery.periodic import run_every
from bot.settings import Settings
from dialogs.prompt_services import PromptServices
from storage.answers.reflections import Reflections
from storage.answers.writer import AnswerWriter
from storage.db.engine import SessionFactory
from storage.prompts.channel_posts import ChannelJob, ChannelPosts
from storage.prompts.file_format import starter_library
from storage.prompts.library import PromptLibrary
from storage.prompts.publisher import Publisher
from storage.rounds.lifecycle import Rounds
from storage.tables.directory import utcnow
from storage.tables.prompts import ChannelPostKind

log = logging.getLogger(__name__)

# The outbox's base (WorkerConfig.retry_base_seconds' default): posts back off as messages do.
RETRY_BASE_SECONDS = 2.0


def build_prompt_services(
    settings: Settings,
    factory: SessionFactory,
    rounds: Rounds,
    now: Callable[[], datetime] = utcnow,
    writer: AnswerWriter | None = None,
) -> PromptServices:
    secret = settings.anonymity_secrets
    return PromptServices(
        library=PromptLibrary(factory),
        publisher=Publisher(factory, rounds, secret, settings.pulse_reminder_hours),
        reflections=Reflections(factory, secret, writer),
        channel_posts=ChannelPosts(factory, now),
        open_days=settings.prompt_open_days,
    )


async def seed_starter_library(library: PromptLibrary) -> None:
    """The starter prompts whose ids are new go into the database; HR's edits are never overwritten."""
    added = await library.seed(starter_library())
    if added:
        log.info("prompts.seeded", extra={"added": added})


class ChannelPoster:
    """Sends the queued channel posts: one card per team, retried with backoff, never lost."""

    def __init__(
        self,
        posts: ChannelPosts,
        sender: ProactiveSender,
        render: Callable[[ChannelJob], Awaitable[Activity | None]],
        poll_seconds: float,
        stale_after: timedelta,
    ) -> None:
        self._posts = posts
        self._sender = sender
        self._render = render
        self._poll = poll_seconds
        self._stale_after = stale_after  # longer than one claimed post can take to send
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            try:
                busy = await self.tick()
            except Exception:
                log.exception("channel_posts.tick_failed")
                busy = 0
            if not busy:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), self._poll)
                except TimeoutError:
                    pass

    async def tick(self) -> int:
        """Recover what a dead sender left, then claim and send ONE post: a claimed post is sent
        at once, so its 'sending' never outlasts `stale_after` while its sender lives."""
        recovered = await self._posts.recover_in_flight(self._stale_after)
        if recovered:
            log.warning("channel_posts.recovered_in_flight", extra={"count": recovered})
        jobs = await self._posts.claim_due(1)
        for job in jobs:
            await self.deliver(job)
        return len(jobs)

    async def deliver(self, job: ChannelJob) -> None:
        """Send one post and settle it; never raises."""
        try:
            activity = await self._render(job)
            if activity is None:
                shared = job.kind is ChannelPostKind.SHARED_SUMMARY
                await self._posts.mark_expired(
                    job.id, "not what the leader confirmed" if shared else "round closed"
                )
                return
            await self._sender.send(reference_from_json(job.reference), activity)
        except ErrorResponseException as error:
            # The send-failure policy of every sender (bot/delivery/failure_policy.py).
            status = http_status(error)
            verdict = classify(status, error_code(error))
            if verdict.retried:
                waited = retry_after(error) if verdict is Verdict.THROTTLED else None
                delay = retry_delay(job.attempts, RETRY_BASE_SECONDS, waited)
                await self._posts.mark_retry(job, delay, str(status))
            else:
                await self._posts.mark_failed(job.id, f"HTTP {status}")
            log.info("channel_posts.http_error", extra={"status": status})
        except Exception as error:  # timeouts, dropped connections, a bug in rendering
            log.warning("channel_posts.send_failed", extra={"error": type(error).__name__})
            delay = retry_delay(job.attempts, RETRY_BASE_SECONDS)
            await self._posts.mark_retry(job, delay, type(error).__name__)
        else:
            await self._posts.mark_sent(job.id)
            log.info("channel_posts.sent")


class PublicationClock:
    """Publishes scheduled prompts and pulses when due, and forgets channel requests at close."""

    def __init__(
        self,
        publisher: Publisher,
        interval_seconds: float,
        now: Callable[[], datetime],
        on_queued: Callable[[], None],
        on_database_error: Callable[[str], None] | None = None,
    ) -> None:
        self._publisher = publisher
        self._interval = interval_seconds
        self._now = now
        self._on_queued = on_queued
        self._on_database_error = on_database_error

    async def run(self) -> None:
        await run_every(self._interval, self.tick, "publications", self._on_database_error)

    async def tick(self) -> None:
        """One pass; idempotent (a publication's slot is advanced in the transaction that uses it)."""
        published = await self._publisher.run_due(self._now())
        forgotten = await self._publisher.forget_channel_requests()
        if published:
            self._on_queued()
            log.info(
                "publications.published",
                extra={
                    "publications": len(published),
                    "rounds": sum(len(r.rounds) for r in published),
                },
            )
        if forgotten:
            log.info("publications.channel_requests_forgotten", extra={"count": forgotten})


def start_prompt_tasks(
    settings: Settings,
    prompts: PromptServices,
    sender: ProactiveSender,
    render: Callable[[ChannelJob], Awaitable[Activity | None]],
    now: Callable[[], datetime],
    wake_outbox: Callable[[], None],
    on_database_error: Callable[[str], None] | None = None,
) -> list[asyncio.Task[None]]:
    """The channel poster and the publication clock, as the app's background tasks."""
    poster = ChannelPoster(
        prompts.channel_posts,
        sender,
        render,
        settings.outbox_poll_seconds,
        # More than twice the send timeout (settings check it), as for the outbox lease.
        timedelta(seconds=settings.outbox_lease_seconds),
    )

    def queued() -> None:
        wake_outbox()
        poster.wake()

    clock = PublicationClock(
        prompts.publisher, settings.scheduler_interval_seconds, now, queued, on_database_error
    )
    return [
        asyncio.create_task(poster.run(), name="channel-poster"),
        asyncio.create_task(clock.run(), name="publication-clock"),
    ]
