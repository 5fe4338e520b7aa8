"""The queue of cards for team channels: claimed before sending, settled after, retried with backoff.

A channel post is one message per team, so this is a small sibling of the outbox rather than a
part of it: outbox rows are per person (they reference the recipient directory), channel posts are
per conversation.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select, update

from storage.db.engine import SessionFactory
from storage.tables.directory import Conversation, utcnow
from storage.tables.outbox import DeliveryState
from storage.tables.prompts import ChannelPost, ChannelPostKind

MAX_POST_ATTEMPTS = 6


class ChannelJob(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    round_id: str
    conversation_id: str
    reference: str  # the stored conversation reference (JSON)
    attempts: int
    kind: ChannelPostKind = ChannelPostKind.ANNOUNCEMENT
    language: str | None = None  # a shared summary: the language the leader confirmed it in
    with_comments: bool = False
    fingerprint: str | None = None  # a shared summary: what the leader confirmed


class ChannelPosts:
    def __init__(self, factory: SessionFactory, now: Callable[[], datetime] = utcnow) -> None:
        self._factory = factory
        self._now = now

    async def claim_due(self, limit: int) -> list[ChannelJob]:
        """Take due posts (pending → sending); with PostgreSQL, replicas skip each other's rows."""
        now = self._now()
        async with self._factory.begin() as session:
            rows = list(
                (
                    await session.execute(
                        select(ChannelPost)
                        .where(
                            ChannelPost.state == DeliveryState.PENDING.value,
                            ChannelPost.next_attempt_at <= now,
                        )
                        .order_by(ChannelPost.next_attempt_at)
                        .limit(limit)
                        .with_for_update(skip_locked=True)
                    )
                ).scalars()
            )
            jobs = []
            for post in rows:
                conversation = await session.get(Conversation, post.conversation_id)
                post.attempts += 1
                post.updated_at = now
                if conversation is None or not conversation.installed:
                    post.state = DeliveryState.FAILED.value
                    post.last_error = "the bot is no longer in this channel"
                    continue
                post.state = DeliveryState.SENDING.value
                jobs.append(
                    ChannelJob(
                        id=post.id,
                        round_id=post.round_id,
                        conversation_id=post.conversation_id,
                        reference=conversation.reference,
                        attempts=post.attempts,
                        kind=ChannelPostKind(post.kind),
                        language=post.language,
                        with_comments=post.with_comments,
                        fingerprint=post.fingerprint,
                    )
                )
            return jobs

    async def _settle(self, job_id: str, **values: object) -> None:
        async with self._factory.begin() as session:
            await session.execute(
                update(ChannelPost)
                .where(ChannelPost.id == job_id)
                .values(updated_at=self._now(), **values)
            )

    async def mark_sent(self, job_id: str) -> None:
        await self._settle(job_id, state=DeliveryState.SENT.value, last_error=None)

    async def mark_expired(self, job_id: str, reason: str = "round closed") -> None:
        """Nothing to post any more: the round closed, or a shared summary is not what was
        confirmed."""
        await self._settle(job_id, state=DeliveryState.EXPIRED.value, last_error=reason[:200])

    async def mark_failed(self, job_id: str, reason: str) -> None:
        await self._settle(job_id, state=DeliveryState.FAILED.value, last_error=reason[:200])

    async def mark_retry(self, job: ChannelJob, delay: timedelta, reason: str) -> None:
        """Try again later, or give up after MAX_POST_ATTEMPTS and record why."""
        if job.attempts >= MAX_POST_ATTEMPTS:
            await self.mark_failed(job.id, f"gave up after {job.attempts} attempts: {reason}")
            return
        await self._settle(
            job.id,
            state=DeliveryState.PENDING.value,
            next_attempt_at=self._now() + delay,
            last_error=reason[:200],
        )

    async def recover_in_flight(self, older_than: timedelta) -> int:
        """Posts left 'sending' for longer than any send takes go out again: their sender died
        (at most one duplicate per team).

        Only stale ones: with replicas, a fresh 'sending' row is another process's send in
        flight. Resetting every 'sending' row when a replica started (as this once did) posted
        that card twice whenever a replica started during another's send, and left a dead
        replica's post stuck until some replica restarted.
        """
        now = self._now()
        async with self._factory.begin() as session:
            result = await session.execute(
                update(ChannelPost)
                .where(
                    ChannelPost.state == DeliveryState.SENDING.value,
                    ChannelPost.updated_at < now - older_than,
                )
                .values(state=DeliveryState.PENDING.value, updated_at=now)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def states(self, round_ids: Collection[str]) -> dict[str, str]:
        """round id → the state of its channel post, for HR's status (its announcement: a summary
        a leader shared later is not part of HR's push)."""
        async with self._factory() as session:
            rows = await session.execute(
                select(ChannelPost.round_id, ChannelPost.state).where(
                    ChannelPost.round_id.in_(list(round_ids)),
                    ChannelPost.kind == ChannelPostKind.ANNOUNCEMENT.value,
                )
            )
            return {round_id: state for round_id, state in rows.all()}

    async def pending(self) -> int:
        async with self._factory() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(ChannelPost)
                .where(
                    ChannelPost.state.in_(
                        [DeliveryState.PENDING.value, DeliveryState.SENDING.value]
                    )
                )
            )
            return int(count or 0)
