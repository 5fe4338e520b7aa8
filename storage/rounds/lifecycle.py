"""Pulse rounds through their life: scheduled → open (people are asked) → closed (results out).

Rule 5: results are released at close, not live; rule 2: participation hashes die at close.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.anonymity.participation import (
    forget_participation,
    not_participated,
    rewrite_in_key_order,
)
from storage.anonymity.random_keys import SYSTEM_KEYS, KeySource
from storage.anonymity.seal import UnreadableAnswer
from storage.anonymity.secrets import AnonymitySecrets
from storage.calendar.quiet_hours import WORKING_HOURS, WorkingHours
from storage.db.crash_points import crash_point
from storage.db.engine import SessionFactory, write_lock_first
from storage.db.file_rewrite import rewrite_due
from storage.delivery.outbox import enqueue
from storage.delivery.push_origins import remember_origin, watch_push
from storage.errors import InvalidTemplate, PulseAlreadyRunning, RoundNotFound, UnitNotFound
from storage.question_bank import ItemState, QuestionBank
from storage.questions.store import catch_up
from storage.questions.templates import TemplateIn, TemplateRefused, template_items, unit_template
from storage.rounds.closing_note import enqueue_closing_notes
from storage.rounds.period_versions import bump_period, period_of
from storage.rounds.tally import tally_round
from storage.tables.directory import Membership, Unit, utcnow
from storage.tables.outbox import DeliveryState, OutboxKind, OutboxMessage
from storage.tables.pulses import PulseRound, RoundKind, RoundState, is_pulse_round, next_sequence
from storage.tables.results import AgreedAction

MIN_ITEMS, MAX_ITEMS = 3, 5
logger = logging.getLogger(__name__)


class RoundInfo(BaseModel):
    """A round as the rest of the bot sees it."""

    model_config = ConfigDict(frozen=True)

    id: str
    unit_id: str
    unit_name: str
    sequence: int
    items: list[str]
    opens_at: datetime
    closes_at: datetime
    remind_at: datetime | None
    state: RoundState
    eligible_count: int | None
    follow_up_title: str | None = None  # the agreed action the follow-up question names


def round_items(pulse: PulseRound) -> list[str]:
    items = json.loads(pulse.items)
    assert isinstance(items, list)
    return [str(item) for item in items]


def _info(pulse: PulseRound, unit_name: str, follow_up_title: str | None = None) -> RoundInfo:
    return RoundInfo(
        follow_up_title=follow_up_title,
        id=pulse.id,
        unit_id=pulse.unit_id,
        unit_name=unit_name,
        sequence=pulse.sequence,
        items=round_items(pulse),
        opens_at=pulse.opens_at,
        closes_at=pulse.closes_at,
        remind_at=pulse.remind_at,
        state=RoundState(pulse.state),
        eligible_count=pulse.eligible_count,
    )


async def unit_ancestry(session: AsyncSession, unit_id: str) -> list[str]:
    """The unit and its ancestors up to the root (cycles in a broken hierarchy are cut)."""
    chain: list[str] = []
    current: str | None = unit_id
    while current is not None and current not in chain:
        chain.append(current)
        unit = await session.get(Unit, current)
        current = unit.parent_id if unit else None
    return chain


def check_template(bank: QuestionBank, items: list[str]) -> list[str]:
    """A pulse asks 3–5 distinct items from the bank (plus the follow-up item): under a minute."""
    follow_up = bank.follow_up.id if bank.follow_up else None
    regular = [item for item in items if item != follow_up]
    if not MIN_ITEMS <= len(regular) <= MAX_ITEMS or len(set(items)) != len(items):
        raise InvalidTemplate(f"a pulse needs {MIN_ITEMS}-{MAX_ITEMS} distinct items")
    for item_id in items:
        try:
            item = bank.item(item_id)
        except KeyError:
            raise InvalidTemplate(f"unknown item {item_id!r}") from None
        if item.state is not ItemState.ACTIVE:  # drafts and retired items are never asked
            raise InvalidTemplate(f"item {item_id!r} is not active")
    return items


# A press's `now` is read before it waits for the unit's lock, so a second press of the same
# button (at another replica) can carry a `now` a little earlier than the round the first one
# created: that round must still count as "about to open" for it, or it would start a second one.
SAME_PRESS_WINDOW = timedelta(minutes=5)


class Rounds:
    """Service for creating, opening, reminding and closing rounds; each step is one transaction.

    Every message a round sends (invitation, reminder, closing note) goes through `working_hours`
    (`storage.calendar.quiet_hours`); the round's own opening and closing times do not move.
    """

    def __init__(
        self,
        factory: SessionFactory,
        bank: QuestionBank,
        secret: str | AnonymitySecrets,
        working_hours: WorkingHours = WORKING_HOURS,
        *,
        keys: KeySource = SYSTEM_KEYS,
    ) -> None:
        self._factory = factory
        self._bank = bank
        self._secret = secret
        self._keys = keys  # a seeded source only in the permutation test
        self._hours = working_hours

    @property
    def bank(self) -> QuestionBank:
        """The bank rounds ask from (the live one in the app), for checking templates early."""
        return self._bank

    @property
    def working_hours(self) -> WorkingHours:
        """The quiet-hours policy, for the services that send on rounds' behalf (prompts)."""
        return self._hours

    async def create(
        self,
        unit_id: str,
        opens_at: datetime,
        closes_at: datetime,
        remind_at: datetime | None,
        origin: str,
        items: list[str] | None = None,
    ) -> RoundInfo:
        """Schedule a round; its items default to the rotating template for the unit's next number."""
        async with self._factory.begin() as session:
            return await self.create_in(
                session, unit_id, opens_at, closes_at, remind_at, origin, items
            )

    async def start_now(
        self,
        unit_id: str,
        opens_at: datetime,
        closes_at: datetime,
        remind_at: datetime | None,
        items: list[str] | None = None,
        requested_by: str | None = None,
    ) -> RoundInfo:
        """HR's "start now": one round, however often the press arrives. `requested_by`: the HR
        person (object id) whose chat gets the status card of each of its pushes.

        Refused with PulseAlreadyRunning while the unit has a pulse open or due to open. On
        PostgreSQL the unit row is locked first, so a second press (at this or another replica)
        waits for the first to commit and then sees its round; any press that still races past
        meets the unique (unit, sequence) and is refused the same way.
        """
        try:
            async with self._factory.begin() as session:
                await write_lock_first(session)
                unit = await session.get(Unit, unit_id, with_for_update=True)
                if unit is None:
                    raise UnitNotFound(unit_id)
                running = await self._running(session, unit_id, opens_at + SAME_PRESS_WINDOW)
                if running is not None:
                    raise PulseAlreadyRunning(unit.name, running.closes_at)
                return await self.create_in(
                    session,
                    unit_id,
                    opens_at,
                    closes_at,
                    remind_at,
                    "hr",
                    items,
                    requested_by=requested_by,
                )
        except IntegrityError:
            async with self._factory() as session:
                running = await self._running(session, unit_id, opens_at + SAME_PRESS_WINDOW)
                unit = await session.get(Unit, unit_id)
            name = unit.name if unit else ""
            raise PulseAlreadyRunning(name, running.closes_at if running else None) from None

    @staticmethod
    async def _running(session: AsyncSession, unit_id: str, now: datetime) -> PulseRound | None:
        return await session.scalar(
            select(PulseRound)
            .where(
                PulseRound.unit_id == unit_id,
                is_pulse_round(),
                or_(
                    PulseRound.state == RoundState.OPEN.value,
                    and_(
                        PulseRound.state == RoundState.SCHEDULED.value, PulseRound.opens_at <= now
                    ),
                ),
            )
            .order_by(PulseRound.closes_at.desc())
            .limit(1)
        )

    async def create_in(
        self,
        session: AsyncSession,
        unit_id: str,
        opens_at: datetime,
        closes_at: datetime,
        remind_at: datetime | None,
        origin: str,
        items: list[str] | None = None,
        *,
        requested_by: str | None = None,
        group_id: str | None = None,
        template: TemplateIn | None = None,
    ) -> RoundInfo:
        """As create(), inside the caller's transaction (the scheduler advances its slot in the same one).

        A round whose invitations quiet hours hold back closes (and is reminded) that much later,
        so it keeps its whole time (`WorkingHours.invitation_delay`). `remind_at` is the reminder
        as planned; it is stored moved to a working moment, or dropped when that is not before the
        close (`WorkingHours.reminder_time`). `requested_by` and `group_id`: who ordered the round
        and the order it is part of (storage/delivery/push_origins.py).
        """
        if closes_at <= opens_at:
            raise InvalidTemplate("a round must close after it opens")
        held = self._hours.invitation_delay(opens_at)
        if held:  # in UTC: added to a Copenhagen time it would be wall-clock hours across DST
            closes_at = closes_at.astimezone(UTC) + held
            remind_at = remind_at.astimezone(UTC) + held if remind_at else None
        remind_at = self._hours.reminder_time(opens_at, closes_at, remind_at)
        unit = await session.get(Unit, unit_id)
        if unit is None:
            raise UnitNotFound(unit_id)
        last = await session.scalar(
            select(func.max(PulseRound.sequence)).where(
                PulseRound.unit_id == unit_id, is_pulse_round()
            )
        )
        sequence = next_sequence(RoundKind.PULSE, last)
        if items:
            await catch_up(session, self._bank, items)
        else:  # a publication's template, else the unit's, else the rotation
            template = template or await unit_template(session, unit_id)
            await catch_up(session, self._bank, template.items)
            try:
                items = template_items(self._bank, template, sequence - 1)
            except TemplateRefused as refused:
                raise InvalidTemplate(refused.message) from None
        chosen = check_template(self._bank, items)
        action = await self._take_follow_up(session, unit_id) if self._bank.follow_up else None
        if action is not None and self._bank.follow_up:
            chosen = [*chosen, self._bank.follow_up.id]
        pulse = PulseRound(
            follow_up_action_id=action.id if action else None,
            unit_id=unit_id,
            sequence=sequence,
            items=json.dumps(chosen),
            opens_at=opens_at,
            closes_at=closes_at,
            remind_at=remind_at,
            state=RoundState.SCHEDULED.value,
            reminder_enqueued=False,
            origin=origin,
        )
        session.add(pulse)
        await session.flush()
        await remember_origin(session, pulse.id, group_id, requested_by)
        return _info(pulse, unit.name, action.text if action else None)

    @staticmethod
    async def _take_follow_up(session: AsyncSession, unit_id: str) -> AgreedAction | None:
        """The oldest agreed action still waiting for its follow-up question: this round asks
        about it by name, once; the next action waits for the next round (one question each)."""
        action = await session.scalar(
            select(AgreedAction)
            .where(AgreedAction.unit_id == unit_id, AgreedAction.follow_up_pending.is_(True))
            .order_by(AgreedAction.agreed_on, AgreedAction.id)
            .limit(1)
            .with_for_update()
        )
        if action is not None:
            action.follow_up_pending = False
        return action

    async def get(self, round_id: str) -> RoundInfo:
        """With the title of the action its follow-up question names (the card shows it)."""
        async with self._factory() as session:
            row = (
                await session.execute(
                    select(PulseRound, Unit.name, AgreedAction.text)
                    .join(Unit, Unit.id == PulseRound.unit_id)
                    .outerjoin(AgreedAction, AgreedAction.id == PulseRound.follow_up_action_id)
                    .where(PulseRound.id == round_id)
                )
            ).first()
            if row is None:
                raise RoundNotFound(round_id)
            info = _info(row[0], row[1], row[2])
            await catch_up(session, self._bank, info.items)  # its card names every item
            return info

    async def for_unit(self, unit_id: str) -> list[RoundInfo]:
        async with self._factory() as session:
            rows = await session.execute(
                select(PulseRound, Unit.name)
                .join(Unit, Unit.id == PulseRound.unit_id)
                .where(PulseRound.unit_id == unit_id)
                .order_by(PulseRound.sequence)
            )
            return [_info(pulse, name) for pulse, name in rows]

    async def open_rounds_of_member(self, user_id: str) -> list[RoundInfo]:
        async with self._factory() as session:
            rows = await session.execute(
                select(PulseRound, Unit.name)
                .join(Unit, Unit.id == PulseRound.unit_id)
                .join(Membership, Membership.unit_id == PulseRound.unit_id)
                .where(Membership.user_id == user_id, PulseRound.state == RoundState.OPEN.value)
                .order_by(PulseRound.closes_at)
            )
            return [_info(pulse, name) for pulse, name in rows]

    async def open_due(self, now: datetime) -> list[RoundInfo]:
        """Open every scheduled round whose time has come, and ask every member of its unit."""
        opened = []
        for round_id in await self._due_ids(RoundState.SCHEDULED, PulseRound.opens_at, now):
            async with self._factory.begin() as session:
                pulse = await self._locked(session, round_id, RoundState.SCHEDULED)
                if pulse is None:
                    continue
                members = list(
                    (
                        await session.execute(
                            select(Membership.user_id).where(Membership.unit_id == pulse.unit_id)
                        )
                    ).scalars()
                )
                pulse.state = RoundState.OPEN.value
                pulse.eligible_count = len(members)
                send_at = self._hours.next_working_moment(now)
                if await enqueue(session, OutboxKind.PULSE, pulse.id, members, now, send_at):
                    await watch_push(session, OutboxKind.PULSE, pulse.id, now)
                unit = await session.get(Unit, pulse.unit_id)
                opened.append(_info(pulse, unit.name if unit else ""))
        return opened

    async def enqueue_due_reminders(self, now: datetime) -> int:
        """One reminder, to those who have not answered; returns how many were queued."""
        queued = 0
        ids = await self._due_ids(RoundState.OPEN, PulseRound.remind_at, now, reminder=True)
        for round_id in ids:
            async with self._factory.begin() as session:
                pulse = await self._locked(session, round_id, RoundState.OPEN)
                if pulse is None or pulse.reminder_enqueued:
                    continue
                members = (
                    await session.execute(
                        select(Membership.user_id).where(Membership.unit_id == pulse.unit_id)
                    )
                ).scalars()
                missing = await not_participated(session, self._secret, pulse.id, members)
                # remind_at is a working moment already; a late pass (the scheduler was down) may not be.
                send_at = self._hours.next_working_moment(now)
                if await enqueue(session, OutboxKind.REMINDER, pulse.id, missing, now, send_at):
                    await watch_push(session, OutboxKind.REMINDER, pulse.id, now)
                pulse.reminder_enqueued = True
                queued += len(missing)
        return queued

    async def close_due(self, now: datetime) -> list[RoundInfo]:
        """Close rounds whose time is up; finish a files' rewrite that a crash interrupted."""
        closed = []
        for round_id in await self._due_ids(RoundState.OPEN, PulseRound.closes_at, now):
            try:
                info = await self.close(round_id, now, rewrite=False)
            except UnreadableAnswer:  # another secret: kept open, nothing lost, others go on
                logger.error("round.close_refused", extra={"round_id": round_id})
                continue
            if info:
                closed.append(info)
        await rewrite_due(self._factory)
        return closed

    async def close(
        self, round_id: str, now: datetime | None = None, *, rewrite: bool = True
    ) -> RoundInfo | None:
        """Close now: count the staged answers, forget them, participation and reminder targets,
        expire undelivered invitations; then rewrite the files (storage/db/file_rewrite.py).

        All but the rewrite is one transaction: a crash before its commit leaves the round open
        with every answer staged, after it closed with every answer counted once. The rewrite
        is marked due in that transaction and runs again after a crash.
        """
        crash_point("close.before")
        info = await self._close(round_id, now)
        crash_point("close.committed")
        if rewrite:
            await rewrite_due(self._factory)
        return info

    async def _close(self, round_id: str, now: datetime | None) -> RoundInfo | None:
        async with self._factory.begin() as session:
            pulse = await self._locked(session, round_id, None)
            if pulse is None:
                raise RoundNotFound(round_id)
            if pulse.state == RoundState.CLOSED.value:
                return None
            closed_at = now or utcnow()
            if pulse.opens_at <= closed_at < pulse.closes_at:
                # Closed early (`pulse close`): it closed now, and every card, note and month that
                # says when it closed must say so, not the planned time.
                pulse.closes_at = closed_at
            pulse.state = RoundState.CLOSED.value
            pulse.ancestry = json.dumps(await unit_ancestry(session, pulse.unit_id))
            # The month's closed rounds change: a release kept for it is stale from this commit.
            await bump_period(session, period_of(pulse.closes_at))
            connection = await session.connection()
            await connection.run_sync(tally_round, self._secret, pulse.id, self._keys)
            send_at = self._hours.next_working_moment(closed_at)
            await enqueue_closing_notes(session, pulse, closed_at, send_at)
            await forget_participation(session, pulse.id)
            await rewrite_in_key_order(session, pulse.id, at_close=True)
            await session.execute(
                delete(OutboxMessage).where(
                    OutboxMessage.kind == OutboxKind.REMINDER.value,
                    OutboxMessage.subject_id == pulse.id,
                )
            )
            await session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.kind == OutboxKind.PULSE.value,
                    OutboxMessage.subject_id == pulse.id,
                    OutboxMessage.state == DeliveryState.PENDING.value,
                )
                .values(state=DeliveryState.EXPIRED.value, last_error="round closed")
            )
            unit = await session.get(Unit, pulse.unit_id)
            info = _info(pulse, unit.name if unit else "")
            crash_point("close.inside")
            return info

    async def _due_ids(
        self, state: RoundState, column: Any, now: datetime, reminder: bool = False
    ) -> list[str]:
        async with self._factory() as session:
            query = select(PulseRound.id).where(
                PulseRound.state == state.value,
                column <= now,
            )
            if reminder:
                query = query.where(PulseRound.reminder_enqueued.is_(False))
            return list((await session.execute(query)).scalars())

    @staticmethod
    async def _locked(
        session: AsyncSession, round_id: str, state: RoundState | None
    ) -> PulseRound | None:
        """Re-read the round under a row lock (PostgreSQL) so two replicas never both act on it;
        on SQLite under the database's write lock, so two passes in one process never do either."""
        await write_lock_first(session)
        query = select(PulseRound).where(PulseRound.id == round_id).with_for_update()
        if state is not None:
            query = query.where(PulseRound.state == state.value)
        return (await session.execute(query)).scalar_one_or_none()
