"""The note every member of a team gets when its round closes: the result is out, ask your leader.

Employees see no unit results, so the note carries no figure and nothing about who answered. It
goes to every member alike, answered or not, and says one thing besides the team's name: whether
enough answered for a result. That is the same decision disclosure makes for the round's figures
(`storage.disclosure.release`), so the note never promises a result the leader cannot see.
"""

from __future__ import annotations

import json
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db.engine import SessionFactory
from storage.delivery.outbox import enqueue
from storage.delivery.push_origins import watch_push
from storage.disclosure import RoundFacts, release
from storage.tables.answers import RoundResponses
from storage.tables.directory import Membership, Recipient, RoleAssignment, Unit
from storage.tables.outbox import OutboxKind
from storage.tables.pulses import PulseRound, RoundKind, RoundState
from storage.values import Role


async def round_with_unit(
    session: AsyncSession, round_id: str
) -> tuple[PulseRound, str, int | None] | None:
    """A round with its unit's name and its count of answers so far (None: no such round)."""
    row = (
        await session.execute(
            select(PulseRound, Unit.name, RoundResponses.responses)
            .join(Unit, Unit.id == PulseRound.unit_id)
            .outerjoin(RoundResponses, RoundResponses.round_id == PulseRound.id)
            .where(PulseRound.id == round_id)
        )
    ).first()
    return None if row is None else (row[0], row[1], row[2])


class ClosingNote(BaseModel):
    model_config = ConfigDict(frozen=True)

    unit_name: str
    enough_answers: bool


async def enqueue_closing_notes(
    session: AsyncSession, pulse: PulseRound, now: datetime, send_at: datetime | None = None
) -> None:
    """One outbox row per member of the round's unit, and for a pulse one per leader of the unit
    (their summary card, so nobody has to remember to ask), inside the transaction that closes
    it. Leaders are asked for nothing and answer nothing here: rule 9 holds.

    `send_at`: the next working moment (`storage.calendar.quiet_hours`): the round closes on time, the notes
    about it wait for working hours.
    """
    members = await session.execute(
        select(Membership.user_id).where(Membership.unit_id == pulse.unit_id)
    )
    if await enqueue(session, OutboxKind.ROUND_CLOSED, pulse.id, members.scalars(), now, send_at):
        await watch_push(session, OutboxKind.ROUND_CLOSED, pulse.id, now)
    if pulse.kind is RoundKind.PULSE:  # leaders get a pulse's result card, not a prompt's
        leaders = await session.execute(
            select(Recipient.user_id)
            .join(RoleAssignment, RoleAssignment.aad_object_id == Recipient.aad_object_id)
            .where(
                RoleAssignment.unit_id == pulse.unit_id,
                RoleAssignment.role == Role.LEADER.value,
            )
        )
        leader_ids = leaders.scalars()
        if await enqueue(session, OutboxKind.LEADER_RESULT, pulse.id, leader_ids, now, send_at):
            await watch_push(session, OutboxKind.LEADER_RESULT, pulse.id, now)


class ClosingNotes:
    """What the note says, read when it is sent (the round is closed, so nothing changes any more)."""

    def __init__(self, factory: SessionFactory, min_group_size: int) -> None:
        self._factory = factory
        self._k = min_group_size

    async def note(self, round_id: str) -> ClosingNote | None:
        """None unless the round exists and is closed."""
        async with self._factory() as session:
            row = await round_with_unit(session, round_id)
        if row is None or row[0].state != RoundState.CLOSED.value:
            return None
        pulse, unit_name, responses = row
        ancestry = json.loads(pulse.ancestry) if pulse.ancestry else [pulse.unit_id]
        facts = RoundFacts(round_id=pulse.id, ancestry=ancestry, responses=responses or 0)
        decision = release([facts], self._k, period_complete=False)
        return ClosingNote(
            unit_name=unit_name, enough_answers=decision.is_shown(("round", pulse.id))
        )
