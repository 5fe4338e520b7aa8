"""Delivery status of a push for HR: counts per state and failure reasons, never who.

A report is computed from the outbox rows of one item (kind + subject). It carries numbers and
reasons only: no recipient id leaves this module, and nothing in it says who answered (rule 9).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import delete, func, select, update

from storage.db import SessionFactory
from storage.models import new_id, utcnow
from storage.outbox_models import DeliveryState, DeliveryWatch, OutboxKind, OutboxMessage


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

    @property
    def done(self) -> bool:
        return self.pending == 0

    def fingerprint(self) -> str:
        """What the card shows; the card is updated only when this changes."""
        reasons = ";".join(f"{k}={v}" for k, v in sorted(self.reasons.items()))
        return f"{self.sent}/{self.pending}/{self.failed}/{self.uncertain}/{reasons}"[:200]


class Watch(BaseModel):
    """A status card to keep current."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: OutboxKind
    subject_id: str
    label: str
    language: str
    reference: str
    activity_id: str | None
    shown: str | None


_FAILED = (DeliveryState.FAILED.value, DeliveryState.BLOCKED.value, DeliveryState.EXPIRED.value)


class Deliveries:
    def __init__(self, factory: SessionFactory, now: Callable[[], datetime] = utcnow) -> None:
        self._factory = factory
        self._now = now

    async def report(self, kind: OutboxKind, subject_id: str) -> DeliveryReport:
        async with self._factory() as session:
            of_item = (OutboxMessage.kind == kind.value, OutboxMessage.subject_id == subject_id)
            states = dict(
                (
                    await session.execute(
                        select(OutboxMessage.state, func.count())
                        .where(*of_item)
                        .group_by(OutboxMessage.state)
                    )
                ).all()
            )
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
                    select(OutboxMessage.last_error, func.count())
                    .where(*of_item, OutboxMessage.state.in_(_FAILED))
                    .group_by(OutboxMessage.last_error)
                )
            ).all():
                key = "?" if reason is None else str(reason)
                reasons[key] = reasons.get(key, 0) + int(n)
        count = {state: int(states.get(state.value, 0)) for state in DeliveryState}
        return DeliveryReport(
            total=sum(count.values()),
            sent=count[DeliveryState.SENT],
            pending=count[DeliveryState.PENDING] + count[DeliveryState.SENDING],
            failed=sum(count[DeliveryState(state)] for state in _FAILED),
            blocked=count[DeliveryState.BLOCKED],
            expired=count[DeliveryState.EXPIRED],
            uncertain=int(uncertain or 0),
            reasons=reasons,
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
