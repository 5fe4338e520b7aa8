"""When will a push be done: from the rate its own messages are going out at, and what holds it.

- The rate is observed: the push's rows settled in the last minute, over the time since the first
  of them. Before three have gone there is nothing to observe, and the planned rate
  (BOT_SEND_RATE_PER_SECOND) stands in, said as such.
- The push waits for what is ahead of it: the worker sends in `next_attempt_at` order, so every row
  due before the push's last one (its own and other pushes') goes first.
- Rows held by quiet hours (storage/calendar/quiet_hours.py) are due at the next working moment: then the
  push *starts* then, and the estimate says so; the same for a retry later on, and for a pause Teams
  asked for (`outbox_control.throttled_until`), which stops every send.
- Posts to team channels (storage/prompts/channel_posts.py) are their own queue with their own sender:
  the same sums over that table, and the outbox's pause does not hold them.

Counts and moments only: nothing here says who a message is for.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.calendar.quiet_hours import WorkingHours
from storage.delivery.send_control import CONTROL_ROW
from storage.tables.outbox import DeliveryState, OutboxControl, OutboxMessage
from storage.tables.prompts import ChannelPost

RATE_WINDOW = timedelta(seconds=60)
MIN_OBSERVED = 3  # rows settled in the window before their rate means anything
HELD = timedelta(seconds=5)  # a start this much later than now is worth saying
_WAITING = (DeliveryState.PENDING.value, DeliveryState.SENDING.value)
_GONE = (DeliveryState.SENT.value, DeliveryState.FAILED.value, DeliveryState.BLOCKED.value)


class DeliveryEstimate(BaseModel):
    """How long the rest of a push will take, and why it might not be going yet."""

    model_config = ConfigDict(frozen=True)

    rate_per_second: float  # what the estimate assumes
    observed: bool  # the push's own rate over the last minute; else the planned rate
    starts_at: datetime | None  # nothing of it goes before then (quiet hours, a retry, a pause)
    quiet_hours: bool  # starts_at is the start of the next working hours
    paused_until: datetime | None  # Teams asked for a pause: no send goes before then
    done_at: datetime


async def estimate(
    session: AsyncSession,
    of_push: ColumnElement[bool],
    pending: int,
    now: datetime,
    planned_rate: float,
    hours: WorkingHours,
    queue: type[OutboxMessage] | type[ChannelPost] = OutboxMessage,
) -> DeliveryEstimate | None:
    """None when nothing of the push is waiting. `of_push` selects the push's rows of `queue`."""
    if pending <= 0:
        return None
    first_due, last_due = (
        await session.execute(
            select(func.min(queue.next_attempt_at), func.max(queue.next_attempt_at)).where(
                of_push, queue.state.in_(_WAITING)
            )
        )
    ).one()
    first_due = first_due or now
    last_due = last_due or now
    settled, oldest = (
        await session.execute(
            select(func.count(), func.min(queue.updated_at)).where(
                of_push,
                queue.state.in_(_GONE),
                queue.updated_at >= now - RATE_WINDOW,
            )
        )
    ).one()
    observed = int(settled or 0) >= MIN_OBSERVED and oldest is not None
    rate = planned_rate
    if observed:
        rate = int(settled) / max(1.0, (now - oldest).total_seconds())
    # Everything due no later than the push's last row goes before that row: the worker takes
    # rows in next_attempt_at order (the push's own rows are counted here too).
    ahead = await session.scalar(
        select(func.count()).where(
            queue.state == DeliveryState.PENDING.value,
            queue.next_attempt_at <= last_due,
        )
    )
    paused_until = None
    if queue is OutboxMessage:  # the channel poster does not wait for the outbox's pause
        paused_until = await session.scalar(
            select(OutboxControl.throttled_until).where(OutboxControl.name == CONTROL_ROW)
        )
    if paused_until is not None and paused_until <= now:
        paused_until = None
    start = max(now, first_due, paused_until or now)
    done_at = max(
        start + timedelta(seconds=pending / rate),
        now + timedelta(seconds=max(pending, int(ahead or 0)) / rate),
        last_due,
    )
    held = start - now >= HELD
    return DeliveryEstimate(
        rate_per_second=round(rate, 2),
        observed=observed,
        starts_at=start if held else None,
        quiet_hours=held
        and not hours.always
        and not hours.is_working_moment(now)
        and first_due >= hours.next_working_moment(now) - HELD,
        paused_until=paused_until,
        done_at=done_at,
    )
