"""What /metrics reads from the database when it is scraped: shared state, the same on every replica.

Counts and ages only, over whole tables or states: no id, no unit, no person, no answer. Read at
scrape time (every 15–60 s), never on a turn, so the hot path pays nothing for them; each is one
indexed count (ix_outbox_due, ix_pulse_rounds_pending, the rounds' state index).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from storage.db.engine import SessionFactory
from storage.tables.outbox import DeliveryState, OutboxMessage
from storage.tables.pulses import PulseRound, RoundState

OUTBOX_WAITING = (DeliveryState.PENDING.value, DeliveryState.SENDING.value)


@dataclass(frozen=True)
class ServiceGauges:
    rounds_open: int
    outbox: dict[str, int]  # state -> rows, for the states that still wait to be sent
    # How long the oldest round step that is due has waited (a round past its opening time still
    # scheduled, or past its closing time still open); 0 when the scheduler is on time.
    scheduler_lag_seconds: float


async def read_gauges(factory: SessionFactory, now: datetime) -> ServiceGauges:
    current = now  # aware UTC, as the tables' UtcDateTime columns give and take
    async with factory() as session:
        rounds_open = await session.scalar(
            select(func.count())
            .select_from(PulseRound)
            .where(PulseRound.state == RoundState.OPEN.value)
        )
        outbox = {state: 0 for state in OUTBOX_WAITING}
        rows = await session.execute(
            select(OutboxMessage.state, func.count())
            .where(OutboxMessage.state.in_(OUTBOX_WAITING))
            .group_by(OutboxMessage.state)
        )
        outbox.update({str(state): int(count) for state, count in rows})
        late_open = await session.scalar(
            select(func.min(PulseRound.opens_at)).where(
                PulseRound.state == RoundState.SCHEDULED.value, PulseRound.opens_at <= current
            )
        )
        late_close = await session.scalar(
            select(func.min(PulseRound.closes_at)).where(
                PulseRound.state == RoundState.OPEN.value, PulseRound.closes_at <= current
            )
        )
    due = [moment for moment in (late_open, late_close) if moment is not None]
    lag = max(((current - moment).total_seconds() for moment in due), default=0.0)
    return ServiceGauges(int(rounds_open or 0), outbox, max(lag, 0.0))
