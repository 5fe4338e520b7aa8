"""A leader shares a closed round's released summary with the team, in the team's channel.

What is posted is a part of what the leader's own card shows (storage.results.summaries.round_summary):
never more, and the anonymous comments only when the leader ticks them and the round reached the
comment threshold (storage.comments). Who may share: a leader of the round's team or of a unit
above it. HR who leads nothing may not: the team's result is for its leader to bring to the team.

Card data is untrusted and cards grow old, so every press (the preview and the confirmation) is
checked again here: the person, the round, its release, the channel. The post itself goes through
the channel-post queue (storage/prompts/channel_posts.py) like every other channel card: it survives a
restart, is retried with backoff, and waits for working hours (storage/calendar/quiet_hours.py). The row
keeps no trace of who shared it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.calendar.quiet_hours import WorkingHours
from storage.db.engine import SessionFactory
from storage.errors import DomainError, RoundNotFound
from storage.prompts.occurrences import channel_of
from storage.results.summaries import Summaries
from storage.results.values import Summary
from storage.rounds.lifecycle import unit_ancestry
from storage.tables.directory import RoleAssignment, Unit, utcnow
from storage.tables.outbox import DeliveryState
from storage.tables.prompts import ChannelPost, ChannelPostKind
from storage.tables.pulses import PulseRound
from storage.values import Role


class NotTeamLeader(DomainError):
    """The person leads neither the round's team nor a unit above it."""

    code = "share_not_leader"


class NothingToShare(DomainError):
    """Too few answered: the round's figures are not released, so nothing may be posted."""

    code = "share_nothing"


class NoTeamChannel(DomainError):
    """The bot is not in the team's channel (not installed, or removed since)."""

    code = "share_no_channel"


class CommentsNotReleased(DomainError):
    """Comments were asked for, but the round's comments are not released (or there are none)."""

    code = "share_comments_not_released"


class CommentsPromisedPrivate(DomainError):
    """The round's card promised that only the leaders and HR see its comments (it was made
    before sharing existed): a promise given to the people who wrote them is kept."""

    code = "share_comments_private"


def comments_may_go(summary: Summary) -> bool:
    """The comments may go along with a share: released, and written under the team promise."""
    return bool(summary.comments) and summary.comments_shareable


class ShareTarget(BaseModel):
    """A round that may be shared, as the leader's card shows it, and the channel it goes to."""

    model_config = ConfigDict(frozen=True)

    summary: Summary
    conversation_id: str


class ShareQueued(BaseModel):
    model_config = ConfigDict(frozen=True)

    send_at: datetime  # when the post goes out (now, or the next working moment)
    already: bool  # an earlier share of this round is queued or posted: nothing new was queued


RESHAREABLE = (DeliveryState.FAILED.value, DeliveryState.EXPIRED.value)


class TeamShares:
    def __init__(
        self,
        factory: SessionFactory,
        summaries: Summaries,
        working_hours: WorkingHours,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self._factory = factory
        self._summaries = summaries
        self._hours = working_hours
        self._now = now

    async def leads(self, aad_object_id: str | None, unit_id: str) -> bool:
        """Whether this person leads the unit or a unit above it (as the hierarchy is now, as
        for what they may see): a walk up the unit's chain and one look-up, not the whole tree."""
        if not aad_object_id:
            return False
        async with self._factory() as session:
            chain = await unit_ancestry(session, unit_id)
            found = await session.scalar(
                select(RoleAssignment.unit_id)
                .where(
                    RoleAssignment.aad_object_id == aad_object_id,
                    RoleAssignment.role == Role.LEADER.value,
                    RoleAssignment.unit_id.in_(chain),
                )
                .limit(1)
            )
        return found is not None

    async def may_share(self, aad_object_id: str | None, summary: Summary) -> bool:
        """Whether the card should offer "share with the team" (the press is checked again)."""
        if summary.round_id is None or summary.figures is None:
            return False
        if not await self.leads(aad_object_id, summary.unit_id):
            return False
        return await self._channel(summary.unit_id) is not None

    async def target(
        self, round_id: str, aad_object_id: str | None, with_comments: bool
    ) -> ShareTarget:
        """Everything checked: this person leads the round's team (or above), the round is closed
        and released, the comments (if asked for) are released, and the bot is in the channel.

        Raises RoundNotFound, RoundStillOpen, NotTeamLeader, NothingToShare,
        CommentsNotReleased or NoTeamChannel."""
        async with self._factory() as session:
            pulse = await session.get(PulseRound, round_id)
        if pulse is None:
            raise RoundNotFound(round_id)
        if not await self.leads(aad_object_id, pulse.unit_id):
            raise NotTeamLeader(round_id)
        summary = await self._summaries.round_summary(round_id, {pulse.unit_id})
        if summary.figures is None:
            raise NothingToShare(round_id)
        if with_comments and not summary.comments:
            raise CommentsNotReleased(round_id)
        if with_comments and not comments_may_go(summary):
            raise CommentsPromisedPrivate(round_id)
        channel = await self._channel(summary.unit_id)
        if channel is None:
            raise NoTeamChannel(summary.unit_id)
        return ShareTarget(summary=summary, conversation_id=channel)

    async def share(
        self,
        round_id: str,
        aad_object_id: str | None,
        *,
        language: str,
        with_comments: bool,
        fingerprint: str,
        record: Callable[[AsyncSession], Awaitable[object]] | None = None,
    ) -> ShareQueued:
        """Queue the post (checked again, as `target`); a round is shared once per channel.

        A share that failed or expired may be made again; one that is queued or posted is not
        queued a second time (a double press, or a second leader of the same team). `record`
        (the audit entry of who shared it, storage/privacy/audit.py `entry`) is written in the
        same transaction, only when this call queues the post: neither is kept without the other."""
        target = await self.target(round_id, aad_object_id, with_comments)
        now = self._now()
        send_at = self._hours.next_working_moment(now)
        values = {
            "state": DeliveryState.PENDING.value,
            "attempts": 0,
            "next_attempt_at": send_at,
            "last_error": None,
            "updated_at": now,
            "language": language,
            "with_comments": with_comments,
            "fingerprint": fingerprint,
        }
        try:
            async with self._factory.begin() as session:
                existing = await session.scalar(
                    select(ChannelPost)
                    .where(
                        ChannelPost.round_id == round_id,
                        ChannelPost.conversation_id == target.conversation_id,
                        ChannelPost.kind == ChannelPostKind.SHARED_SUMMARY.value,
                    )
                    .with_for_update()
                )
                if existing is not None and existing.state not in RESHAREABLE:
                    return ShareQueued(send_at=existing.next_attempt_at, already=True)
                if existing is None:
                    session.add(
                        ChannelPost(
                            round_id=round_id,
                            conversation_id=target.conversation_id,
                            kind=ChannelPostKind.SHARED_SUMMARY.value,
                            **values,
                        )
                    )
                else:
                    for name, value in values.items():
                        setattr(existing, name, value)
                if record is not None:
                    await record(session)
        except IntegrityError:  # the same share confirmed at the same instant elsewhere
            return ShareQueued(send_at=send_at, already=True)
        return ShareQueued(send_at=send_at, already=False)

    async def _channel(self, unit_id: str) -> str | None:
        async with self._factory() as session:
            unit = await session.get(Unit, unit_id)
            return await channel_of(session, unit) if unit is not None else None
