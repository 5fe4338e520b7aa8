"""Whose push is it: every message a round sends belongs to the HR person who ordered the round.

A round remembers who ordered it and under which order (`PushOrigin`). When one of its pushes is
queued (the invitation or prompt, the reminder, the closing notes, the leaders' result cards), the
transaction that queues it also makes a delivery watch for that person, keyed by the order, so the
status reporter (bot/delivery/status_cards.py) brings them one status card per push, whichever door
started it: the chat, the CLI, the admin API or a schedule they set.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, CompoundSelect, literal, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db.engine import insert_for
from storage.tables.directory import Recipient, Unit, new_id
from storage.tables.outbox import DeliveryWatch, OutboxKind, OutboxMessage, PushOrigin
from storage.tables.pulses import PulseRound


async def remember_origin(
    session: AsyncSession, round_id: str, group_id: str | None, requested_by: str | None
) -> None:
    """A new round's order (its own id when it is an order of one) and who placed it."""
    session.add(
        PushOrigin(
            round_id=round_id,
            group_id=group_id or round_id,
            requested_by=(requested_by or "").strip()[:100] or None,
        )
    )


def push_rounds(push_id: str) -> CompoundSelect[tuple[str]]:
    """SQL: the round ids of the push `push_id` (a round, or an order of several).

    Used as one IN over a union rather than `id = x OR id IN (…)`: SQLite reads the OR by
    scanning the whole table (or every row of the kind), the IN through the index."""
    grouped = select(PushOrigin.round_id).where(PushOrigin.group_id == push_id)
    return union(grouped, select(literal(push_id)))


def rounds_of_push(push_id: str) -> ColumnElement[bool]:
    """SQL: an outbox row belongs to the push `push_id`."""
    return OutboxMessage.subject_id.in_(push_rounds(push_id))


async def push_of(session: AsyncSession, round_id: str) -> str:
    """The push a round's messages count toward: its order's group, or the round itself."""
    group = await session.scalar(select(PushOrigin.group_id).where(PushOrigin.round_id == round_id))
    return group or round_id


async def watch_push(
    session: AsyncSession, kind: OutboxKind, round_id: str, now: datetime
) -> str | None:
    """Rows of `kind` were just queued for `round_id`: the person who ordered the round watches
    the push (once per order and kind). Returns the push id watched, None when nobody asked."""
    origin = await session.get(PushOrigin, round_id)
    if origin is None or origin.requested_by is None:
        return None
    label = await session.scalar(
        select(Unit.name)
        .join(PulseRound, PulseRound.unit_id == Unit.id)
        .where(PulseRound.id == round_id)
    )
    locale = await session.scalar(
        select(Recipient.locale)
        .where(Recipient.aad_object_id == origin.requested_by, Recipient.locale.is_not(None))
        .limit(1)
    )
    insert = insert_for(session)
    await session.execute(
        insert(DeliveryWatch)
        .values(
            id=new_id(),
            kind=kind.value,
            subject_id=origin.group_id,
            label=(label or "")[:200],
            language=(locale or "")[:5],
            reference=None,
            activity_id=None,
            shown=None,
            created_at=now,
            requested_by=origin.requested_by,
        )
        .on_conflict_do_nothing(index_elements=["kind", "subject_id", "requested_by"])
    )
    return origin.group_id
