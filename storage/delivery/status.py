"""Delivery status of a push for HR: counts per state and failure reasons, never who.

A report is computed from the outbox rows of one push: a kind and its subject, which is a round
or an order of several rounds (storage/delivery/push_origins.py). HR's prompt or pulse notice in the teams'
channels is its own kind (`OutboxKind.CHANNEL_POST`), counted from the push's `channel_posts`
rows the same way: one post per team. A summary a leader shared there is the leader's, not HR's
push, and is never counted. A report carries numbers, reasons and an estimate of when the push
will be done (storage/delivery/estimate.py): no recipient id leaves this module, and nothing in
it says who answered (rule 9). HR's status card in chat, the final
report and `trivselsbot delivery status` all read the same report.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.calendar.quiet_hours import WORKING_HOURS, WorkingHours
from storage.db.engine import SessionFactory, insert_for
from storage.delivery.estimate import DeliveryEstimate, estimate
from storage.delivery.push_origins import push_of, push_rounds, rounds_of_push
from storage.tables.directory import Recipient, Unit, new_id, utcnow
from storage.tables.outbox import (
    DeliveryState,
    DeliveryWatch,
    OutboxKind,
    OutboxMessage,
    PushOrigin,
)
from storage.tables.prompts import ChannelPost, ChannelPostKind
from storage.tables.pulses import PulseRound, RoundState


class DeliveryReport(BaseModel):
    """How far one push has got. `reasons` groups the rows that were not delivered."""

    model_config = ConfigDict(frozen=True)

    total: int
    sent: int
    pending: int  # waiting or being sent right now
    failed: int  # failed, blocked (removed the app) or expired (closed before delivery)
    blocked: int
    expired: int
    uncertain: int  # sent, but a crash or timeout means a few may have got it twice
    reasons: dict[str, int]
    # Rounds of the push whose messages of this kind are not queued yet (an order opens its
    # rounds one by one): the push is not done before they are.
    waiting_rounds: int = 0
    rounds: int = 1  # rounds (teams) in the push
    estimate: DeliveryEstimate | None = None  # None when nothing is waiting
    as_of: datetime | None = None  # the moment the report was made (the estimate's "now")

    @property
    def done(self) -> bool:
        return self.pending == 0 and self.waiting_rounds == 0

    @property
    def settled(self) -> int:
        """Rows that will not change any more: delivered, or not and why."""
        return self.sent + self.failed

    def fingerprint(self) -> str:
        """What the card shows; the card is updated only when this changes (the estimate to the
        minute, so a card is not rewritten every few seconds for a second's difference)."""
        reasons = ";".join(f"{k}={v}" for k, v in sorted(self.reasons.items()))
        eta = ""
        if self.estimate is not None:
            starts = self.estimate.starts_at
            eta = f"{self.estimate.done_at:%Y%m%d%H%M}/{starts:%Y%m%d%H%M}" if starts else ""
            eta = eta or f"{self.estimate.done_at:%Y%m%d%H%M}"
        counts = f"{self.sent}/{self.pending}/{self.failed}/{self.uncertain}/{self.waiting_rounds}"
        return f"{counts}/{eta}/{reasons}"[:200]


class Watch(BaseModel):
    """A status card to keep current."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: OutboxKind
    subject_id: str
    label: str
    language: str
    reference: str | None  # None: made when the push was queued; the reporter finds HR's chat
    activity_id: str | None
    shown: str | None
    requested_by: str | None = None
    created_at: datetime | None = None


class HrChat(BaseModel):
    """Where an HR person can be reached: their stored 1:1 chat, or what creating one needs."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    reference: str | None
    service_url: str | None
    tenant_id: str | None
    locale: str | None


class PushStatus(BaseModel):
    """One push as `trivselsbot delivery status` lists it."""

    model_config = ConfigDict(frozen=True)

    kind: OutboxKind
    push_id: str
    label: str  # the first team's name
    report: DeliveryReport


def _waiting_rounds(kind: OutboxKind, rounds: ColumnElement[bool]) -> ColumnElement[bool] | None:
    """Rounds of a push that will still queue messages of `kind` (None: no kind waits)."""
    if kind is OutboxKind.PULSE:
        return and_(rounds, PulseRound.state == RoundState.SCHEDULED.value)
    if kind is OutboxKind.REMINDER:
        return and_(
            rounds,
            PulseRound.state == RoundState.OPEN.value,
            PulseRound.reminder_enqueued.is_(False),
            PulseRound.remind_at.is_not(None),
        )
    if kind in (OutboxKind.ROUND_CLOSED, OutboxKind.LEADER_RESULT):
        return and_(rounds, PulseRound.state != RoundState.CLOSED.value)
    return None


def _rows_of(
    kind: OutboxKind, push_id: str
) -> tuple[type[OutboxMessage] | type[ChannelPost], tuple[ColumnElement[bool], ...]]:
    """The queue a push of `kind` is in, and SQL for its rows there."""
    if kind is OutboxKind.CHANNEL_POST:
        return ChannelPost, (
            ChannelPost.round_id.in_(push_rounds(push_id)),
            ChannelPost.kind == ChannelPostKind.ANNOUNCEMENT.value,
        )
    return OutboxMessage, (OutboxMessage.kind == kind.value, rounds_of_push(push_id))


_FAILED = (DeliveryState.FAILED.value, DeliveryState.BLOCKED.value, DeliveryState.EXPIRED.value)
_WAITING = (DeliveryState.PENDING.value, DeliveryState.SENDING.value)


async def _claim(
    session: AsyncSession, watch_id: str, reference: str, language: str, label: str | None
) -> bool:
    """Set a watch's chat if nobody has yet: one conditional UPDATE, so of a chat flow and the
    reporter (on any replica) exactly one sends the first card."""
    values: dict[str, str] = {"reference": reference, "language": language[:5]}
    if label is not None:
        values["label"] = label[:200]
    result = await session.execute(
        update(DeliveryWatch)
        .where(DeliveryWatch.id == watch_id, DeliveryWatch.reference.is_(None))
        .values(**values)
    )
    return int(result.rowcount) == 1  # type: ignore[attr-defined]


async def _label(session: AsyncSession, push_id: str) -> str:
    """The name of a push's first team (by name), or its id when its rounds are gone."""
    name = await session.scalar(
        select(Unit.name)
        .join(PulseRound, PulseRound.unit_id == Unit.id)
        .outerjoin(PushOrigin, PushOrigin.round_id == PulseRound.id)
        .where(or_(PulseRound.id == push_id, PushOrigin.group_id == push_id))
        .order_by(Unit.name)
        .limit(1)
    )
    return str(name) if name else push_id


class Deliveries:
    def __init__(
        self,
        factory: SessionFactory,
        now: Callable[[], datetime] = utcnow,
        planned_rate: float = 25.0,
        working_hours: WorkingHours = WORKING_HOURS,
    ) -> None:
        self._factory = factory
        self._now = now
        self._planned_rate = planned_rate  # BOT_SEND_RATE_PER_SECOND, until a rate is observed
        self._hours = working_hours

    async def report(self, kind: OutboxKind, subject_id: str) -> DeliveryReport:
        """The push `subject_id`: a round, or an order of several (every round it opened)."""
        now = self._now()
        async with self._factory() as session:
            queue, of_item = _rows_of(kind, subject_id)
            states = dict(
                (
                    await session.execute(
                        select(queue.state, func.count()).where(*of_item).group_by(queue.state)
                    )
                ).all()
            )
            uncertain: int | None = 0  # a channel post is claimed per attempt: it has no such flag
            if queue is OutboxMessage:
                uncertain = await session.scalar(
                    select(func.count()).where(
                        *of_item,
                        OutboxMessage.uncertain.is_(True),
                        OutboxMessage.state == DeliveryState.SENT.value,
                    )
                )
            # Grouped by the plain column: PostgreSQL cannot match coalesce(col, $1) in the select
            # list with coalesce(col, $4) in GROUP BY, since each literal is its own parameter.
            reasons: dict[str, int] = {}
            for reason, n in (
                await session.execute(
                    select(queue.last_error, func.count())
                    .where(*of_item, queue.state.in_(_FAILED))
                    .group_by(queue.last_error)
                )
            ).all():
                key = "?" if reason is None else str(reason)
                reasons[key] = reasons.get(key, 0) + int(n)
            count = {state: int(states.get(state.value, 0)) for state in DeliveryState}
            pending = count[DeliveryState.PENDING] + count[DeliveryState.SENDING]
            in_push = PulseRound.id.in_(push_rounds(subject_id))
            teams = ChannelPost.round_id if queue is ChannelPost else OutboxMessage.subject_id
            with_rows = await session.scalar(
                select(func.count(func.distinct(teams))).where(*of_item)
            )
            waiting = _waiting_rounds(kind, in_push)
            waiting_rounds = 0
            if waiting is not None:
                waiting_rounds = int(
                    await session.scalar(
                        select(func.count()).select_from(PulseRound).where(waiting)
                    )
                    or 0
                )
            ahead = await estimate(
                session, and_(*of_item), pending, now, self._planned_rate, self._hours, queue
            )
        return DeliveryReport(
            total=sum(count.values()),
            sent=count[DeliveryState.SENT],
            pending=pending,
            failed=sum(count[DeliveryState(state)] for state in _FAILED),
            blocked=count[DeliveryState.BLOCKED],
            expired=count[DeliveryState.EXPIRED],
            uncertain=int(uncertain or 0),
            reasons=reasons,
            waiting_rounds=waiting_rounds,
            rounds=max(1, int(with_rows or 0) + waiting_rounds),
            estimate=ahead,
            as_of=now,
        )

    async def active(self, push_id: str | None = None) -> list[PushStatus]:
        """Every push with something still waiting, one per kind and order (oldest first); with
        `push_id` (a round or an order), that push's kinds whether done or not. HR's posts to
        the teams' channels are one more kind of the push (`OutboxKind.CHANNEL_POST`)."""
        async with self._factory() as session:
            group = func.coalesce(PushOrigin.group_id, OutboxMessage.subject_id)
            query = (
                select(OutboxMessage.kind, group, func.min(OutboxMessage.next_attempt_at))
                .outerjoin(PushOrigin, PushOrigin.round_id == OutboxMessage.subject_id)
                .group_by(OutboxMessage.kind, group)
            )
            channel_push = func.coalesce(PushOrigin.group_id, ChannelPost.round_id)
            channel = (
                select(channel_push, func.min(ChannelPost.next_attempt_at))
                .outerjoin(PushOrigin, PushOrigin.round_id == ChannelPost.round_id)
                .where(ChannelPost.kind == ChannelPostKind.ANNOUNCEMENT.value)
                .group_by(channel_push)
            )
            if push_id is None:
                query = query.where(OutboxMessage.state.in_(_WAITING))
                channel = channel.where(ChannelPost.state.in_(_WAITING))
            else:
                rounds = push_rounds(await push_of(session, push_id))
                query = query.where(OutboxMessage.subject_id.in_(rounds))
                channel = channel.where(ChannelPost.round_id.in_(rounds))
            found = [
                (first, OutboxKind(kind), str(key))
                for kind, key, first in await session.execute(query)
            ] + [
                (first, OutboxKind.CHANNEL_POST, str(key))
                for key, first in await session.execute(channel)
            ]
            pushes = [(kind, push) for _, kind, push in sorted(found, key=lambda row: row[0])]
            labels = {push: await _label(session, push) for _, push in pushes}
        return [
            PushStatus(
                kind=kind, push_id=push, label=labels[push], report=await self.report(kind, push)
            )
            for kind, push in pushes
        ]

    async def hr_chat(self, aad_object_id: str) -> HrChat | None:
        """The HR person's 1:1 chat (stored, or what creating it takes); None when the bot has
        never met them (they must open the bot in Teams once)."""
        async with self._factory() as session:
            rows = (
                await session.execute(
                    select(Recipient)
                    .where(Recipient.aad_object_id == aad_object_id, Recipient.blocked.is_(False))
                    .order_by(Recipient.personal_reference.is_(None), Recipient.user_id)
                )
            ).scalars()
            person = next(iter(rows), None)
            if person is None:
                return None
            return HrChat(
                user_id=person.user_id,
                reference=person.personal_reference if person.app_installed else None,
                service_url=person.service_url,
                tenant_id=person.tenant_id,
                locale=person.locale,
            )

    async def claim(
        self,
        kind: OutboxKind,
        subject_id: str,
        label: str,
        language: str,
        reference: str,
        requested_by: str | None,
    ) -> str | None:
        """Before a chat flow sends its status card: the watch to put it on, or None when the
        status reporter has already sent this push's card (then the chat sends none).

        The push made a watch for its HR person when it was queued (storage/delivery/push_origins.py);
        whoever sets its `reference` first sends the first card, so HR gets exactly one. Without
        such a watch (a push nobody ordered by name), a new one is made."""
        async with self._factory.begin() as session:
            if requested_by is not None:
                existing = await session.scalar(
                    select(DeliveryWatch).where(
                        DeliveryWatch.kind == kind.value,
                        DeliveryWatch.subject_id == subject_id,
                        DeliveryWatch.requested_by == requested_by,
                    )
                )
                if existing is not None:
                    claimed = await _claim(session, existing.id, reference, language, label)
                    return existing.id if claimed else None
            watch_id = new_id()
            insert = insert_for(session)
            result = await session.execute(
                insert(DeliveryWatch)
                .values(
                    id=watch_id,
                    kind=kind.value,
                    subject_id=subject_id,
                    label=label[:200],
                    language=language[:5],
                    reference=reference,
                    activity_id=None,
                    shown=None,
                    created_at=self._now(),
                    requested_by=requested_by,
                )
                .on_conflict_do_nothing(index_elements=["kind", "subject_id", "requested_by"])
            )
            return watch_id if result.rowcount == 1 else None  # type: ignore[attr-defined]

    async def claim_for_reporter(self, watch_id: str, reference: str, language: str) -> bool:
        """The reporter is about to send a watch's first card: True when no chat flow has."""
        async with self._factory.begin() as session:
            return await _claim(session, watch_id, reference, language, None)

    async def unclaim(self, watch_id: str) -> None:
        """The reporter's first card surely never reached Teams: free the watch for a retry."""
        async with self._factory.begin() as session:
            await session.execute(
                update(DeliveryWatch)
                .where(DeliveryWatch.id == watch_id, DeliveryWatch.activity_id.is_(None))
                .values(reference=None)
            )

    async def attach(
        self, watch_id: str, reference: str, activity_id: str | None, shown: str | None
    ) -> None:
        """A watch's first card is out: where it is, and what it shows."""
        async with self._factory.begin() as session:
            await session.execute(
                update(DeliveryWatch)
                .where(DeliveryWatch.id == watch_id)
                .values(reference=reference, activity_id=activity_id, shown=shown)
            )

    async def watch(
        self,
        kind: OutboxKind,
        subject_id: str,
        label: str,
        language: str,
        reference: str,
        activity_id: str | None,
    ) -> str:
        """Keep the status card at `activity_id` in HR's chat current until the push is done."""
        watch_id = new_id()
        async with self._factory.begin() as session:
            session.add(
                DeliveryWatch(
                    id=watch_id,
                    kind=kind.value,
                    subject_id=subject_id,
                    label=label[:200],
                    language=language,
                    reference=reference,
                    activity_id=activity_id,
                    shown=None,
                    created_at=self._now(),
                )
            )
        return watch_id

    async def watches(self, limit: int = 50) -> list[Watch]:
        async with self._factory() as session:
            rows = (
                await session.execute(
                    select(DeliveryWatch).order_by(DeliveryWatch.created_at).limit(limit)
                )
            ).scalars()
            return [
                Watch(
                    id=row.id,
                    kind=OutboxKind(row.kind),
                    subject_id=row.subject_id,
                    label=row.label,
                    language=row.language,
                    reference=row.reference,
                    activity_id=row.activity_id,
                    shown=row.shown,
                    requested_by=row.requested_by,
                    created_at=row.created_at,
                )
                for row in rows
            ]

    async def shown(self, watch_id: str, fingerprint: str) -> None:
        async with self._factory.begin() as session:
            await session.execute(
                update(DeliveryWatch).where(DeliveryWatch.id == watch_id).values(shown=fingerprint)
            )

    async def finish(self, watch_id: str) -> None:
        """The final report is out: forget where HR's card is."""
        async with self._factory.begin() as session:
            await session.execute(delete(DeliveryWatch).where(DeliveryWatch.id == watch_id))
