"""Retention: nothing is kept longer than its purpose needs, and deleting never weakens rule 4.

What goes, and when (the settings are in bot/settings.py, BOT_RETENTION_* and friends):

- **Closed rounds** (pulse and reflection) with everything that hangs on them — counters, response
  counts, anonymous comments and reflections, prompt round texts, channel post rows, and the outbox
  and status rows about them — once their calendar month ended more than `years` ago. Agreed
  actions go by the date they were agreed.
- **Participation hashes** are deleted when a round closes (storage/rounds/lifecycle.py). The safety net
  here deletes any that are left for a round that is closed, or whose closing time passed more
  than `participation_grace` ago (a scheduler that was down must not keep them), together with
  the reminder rows of such rounds, which say who had not answered.
- **The audit log** (who looked at which results, storage/privacy/audit.py): each row after `audit_days`,
  395 by default. Long enough to answer "who saw our results before last year's MED meeting" a
  whole yearly cycle later; far shorter than the results themselves, because the log is about
  leaders and HR, and a reading habit kept for five years says more about a person than its purpose
  needs. No other row depends on it, so it goes by its own date, not by whole months.
- **Who ordered a push** (`push_origins`, `publications`, `pulse_schedules`): forgotten once no
  status card can need it any more (a round closed `delivery_days` ago, an order no longer active).
- **Delivery records**: outbox rows that are settled (sent, failed, blocked, expired) for rounds
  that are over, after `delivery_days`; HR status cards that never finished, after as long; and
  people who are in no team any more and have not been seen for as long (their directory row,
  their 1:1 chat reference and anything still queued for them).

Why whole months. Results are released per calendar month (storage/disclosure.py): a month's
figures — its rounds and the unit aggregates above them — are decided from that month's closed
rounds alone, with complementary suppression so that no shown figure minus others isolates fewer
than k answers. Deleting *some* rounds of a month would change that month's decision: a unit
aggregate suppressed because it differed from a shown figure by a small group could be shown
afterwards, and subtracted from the figure someone saw (or exported) before the deletion. So
the cut-off is always the first day of a month (Copenhagen time), every round of an older month
goes together, and a month that still holds a round not yet closed is skipped whole until it
is. No other month's decision reads the deleted rounds: trends show each round as its own month
decided, and comparisons with a parent unit read the parent's own months. Deleting a month
therefore removes figures and never makes a suppressed one computable.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.calendar.zone import month_start
from storage.db.engine import SessionFactory
from storage.rounds.period_versions import forget_periods, period_of
from storage.tables.answers import (
    AnonymousComment,
    AnswerCount,
    FileRewrite,
    Participation,
    RoundKey,
    RoundResponses,
    StagedAnswer,
)
from storage.tables.audit import AuditRow
from storage.tables.directory import Conversation, Membership, Recipient
from storage.tables.outbox import (
    DeliveryState,
    DeliveryWatch,
    OutboxKind,
    OutboxMessage,
    PushOrigin,
)
from storage.tables.prompts import ChannelPost, PromptRound, Publication
from storage.tables.pulses import PulseRound, PulseSchedule, RoundKind, RoundState
from storage.tables.results import AgreedAction

SETTLED = [
    DeliveryState.SENT.value,
    DeliveryState.FAILED.value,
    DeliveryState.BLOCKED.value,
    DeliveryState.EXPIRED.value,
]
_CHUNK = 500  # ids per IN (...) list: well inside SQLite's and asyncpg's parameter limits


@dataclass(frozen=True)
class RetentionPolicy:
    """How long each kind of data is kept (from Settings; the defaults are the documented ones)."""

    years: int = 5
    participation_grace: timedelta = timedelta(hours=24)
    delivery_days: int = 90
    audit_days: int = 395

    def __post_init__(self) -> None:
        if self.years < 1 or self.delivery_days < 31:
            raise ValueError("keep rounds at least a year and delivery records at least 31 days")
        if self.audit_days < 90:
            raise ValueError("keep the audit log at least 90 days")


class PurgeReport(BaseModel):
    """What a purge deleted (or, in a dry run, would delete): counts only, never contents."""

    model_config = ConfigDict(frozen=True)

    dry_run: bool
    cutoff: datetime  # rounds closing before this moment (a month start) are old enough
    periods: list[str]  # the months deleted, e.g. "2020-10"
    skipped_periods: list[str]  # old months kept whole because a round in them is not closed
    pulse_rounds: int
    reflection_rounds: int
    comments: int  # anonymous comments and reflection texts
    agreed_actions: int
    participation: int
    reminders: int
    outbox: int
    watches: int
    people: int
    audit_entries: int = 0

    @property
    def total(self) -> int:
        return sum(
            (
                self.pulse_rounds,
                self.reflection_rounds,
                self.agreed_actions,
                self.participation,
                self.reminders,
                self.outbox,
                self.watches,
                self.people,
                self.audit_entries,
            )
        )


def round_cutoff(now: datetime, years: int) -> datetime:
    """The first moment of the month `years` before now, in Copenhagen: a period boundary."""
    return month_start(now, years_back=years)


def _chunks(ids: Sequence[str]) -> list[Sequence[str]]:
    return [ids[start : start + _CHUNK] for start in range(0, len(ids), _CHUNK)]


async def _delete(session: AsyncSession, model: Any, *where: Any) -> int:
    """Delete the matching rows; how many there were."""
    result = await session.execute(
        delete(model).where(*where).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def _old_periods(
    session: AsyncSession, cutoff: datetime
) -> tuple[dict[str, list[PulseRound]], list[str]]:
    """Rounds of months wholly before the cut-off, by month, and the months that must wait."""
    by_period: dict[str, list[PulseRound]] = defaultdict(list)
    rows = (
        await session.execute(select(PulseRound).where(PulseRound.closes_at < cutoff))
    ).scalars()
    for pulse in rows:
        by_period[period_of(pulse.closes_at)].append(pulse)
    waiting = sorted(
        period
        for period, rounds in by_period.items()
        if any(p.state != RoundState.CLOSED.value for p in rounds)
    )
    return {p: r for p, r in by_period.items() if p not in waiting}, waiting


async def _delete_rounds(session: AsyncSession, ids: Sequence[str]) -> tuple[int, int]:
    """Everything that hangs on these rounds, then the rounds (explicit, not left to cascades)."""
    comments = outbox = 0
    for chunk in _chunks(ids):
        comments += await _delete(session, AnonymousComment, AnonymousComment.round_id.in_(chunk))
        answer_side = (AnswerCount, RoundResponses, Participation, StagedAnswer, RoundKey)
        for model in (*answer_side, FileRewrite, PromptRound, ChannelPost, PushOrigin):
            await _delete(session, model, model.round_id.in_(chunk))
        outbox += await _delete(session, OutboxMessage, OutboxMessage.subject_id.in_(chunk))
        await _delete(session, DeliveryWatch, DeliveryWatch.subject_id.in_(chunk))
        await _delete(session, PulseRound, PulseRound.id.in_(chunk))
    return comments, outbox


def _rounds_over(now: datetime, grace: timedelta) -> Any:
    """Rounds whose participation hashes have no purpose left: closed, or past closing + grace."""
    return select(PulseRound.id).where(
        or_(PulseRound.state == RoundState.CLOSED.value, PulseRound.closes_at < now - grace)
    )


async def purge(
    factory: SessionFactory, policy: RetentionPolicy, now: datetime, *, dry_run: bool = False
) -> PurgeReport:
    """Apply the retention policy in one transaction. A dry run does exactly the same deletes
    and rolls them back, so its counts are the real ones and nothing changes."""
    async with factory() as session:
        await session.begin()
        try:
            report = await _apply(session, policy, now, dry_run)
        except BaseException:
            await session.rollback()
            raise
        if dry_run:
            await session.rollback()
        else:
            await session.commit()
    return report


async def _apply(
    session: AsyncSession, policy: RetentionPolicy, now: datetime, dry_run: bool
) -> PurgeReport:
    cutoff = round_cutoff(now, policy.years)
    delivery_cutoff = now - timedelta(days=policy.delivery_days)
    periods, skipped = await _old_periods(session, cutoff)
    old_rounds = [pulse for rounds in periods.values() for pulse in rounds]
    comments, outbox = await _delete_rounds(session, [p.id for p in old_rounds])
    await forget_periods(session, periods)  # their kept releases go, and can never be served
    actions = await _delete(session, AgreedAction, AgreedAction.agreed_on < cutoff.date())

    over = _rounds_over(now, policy.participation_grace)
    participation = await _delete(session, Participation, Participation.round_id.in_(over))
    reminders = await _delete(
        session,
        OutboxMessage,
        OutboxMessage.kind == OutboxKind.REMINDER.value,
        OutboxMessage.subject_id.in_(over),
    )
    still_running = select(PulseRound.id).where(PulseRound.state != RoundState.CLOSED.value)
    outbox += await _delete(
        session,
        OutboxMessage,
        OutboxMessage.state.in_(SETTLED),
        OutboxMessage.updated_at < delivery_cutoff,
        OutboxMessage.subject_id.not_in(still_running),
    )
    watches = await _delete(session, DeliveryWatch, DeliveryWatch.created_at < delivery_cutoff)
    await _forget_who_ordered(session, delivery_cutoff)
    people = await _forget_people_gone(session, delivery_cutoff)
    audit_cutoff = now - timedelta(days=policy.audit_days)
    audit_entries = await _delete(session, AuditRow, AuditRow.at < audit_cutoff)
    return PurgeReport(
        dry_run=dry_run,
        cutoff=cutoff,
        periods=sorted(periods),
        skipped_periods=skipped,
        pulse_rounds=sum(1 for p in old_rounds if p.kind is RoundKind.PULSE),
        reflection_rounds=sum(1 for p in old_rounds if p.kind is RoundKind.PROMPT),
        comments=comments,
        agreed_actions=actions,
        participation=participation,
        reminders=reminders,
        outbox=outbox,
        watches=watches,
        people=people,
        audit_entries=audit_entries,
    )


async def _forget_who_ordered(session: AsyncSession, cutoff: datetime) -> None:
    """Who ordered a push is kept only while a status card may still need it: for a round until
    `delivery_days` after it closed, for a schedule or publication while it is active."""
    long_closed = select(PulseRound.id).where(
        PulseRound.state == RoundState.CLOSED.value, PulseRound.closes_at < cutoff
    )
    for model, still in (
        (PushOrigin, PushOrigin.round_id.in_(long_closed)),
        (Publication, Publication.active.is_(False)),
        (PulseSchedule, PulseSchedule.active.is_(False)),
    ):
        await session.execute(
            update(model)
            .where(still, model.requested_by.is_not(None))
            .values(requested_by=None)
            .execution_options(synchronize_session=False)
        )


async def _forget_people_gone(session: AsyncSession, cutoff: datetime) -> int:
    """People in no team, not seen since the cut-off: their directory row and 1:1 chat go."""
    in_a_team = select(Membership.user_id)
    rows = (
        await session.execute(
            select(Recipient.user_id, Recipient.personal_conversation_id).where(
                Recipient.updated_at < cutoff, Recipient.user_id.not_in(in_a_team)
            )
        )
    ).all()
    ids = [user_id for user_id, _ in rows]
    chats = [chat for _, chat in rows if chat]
    for chunk in _chunks(ids):
        await _delete(session, OutboxMessage, OutboxMessage.user_id.in_(chunk))
        await _delete(session, Recipient, Recipient.user_id.in_(chunk))
    for chunk in _chunks(chats):
        await _delete(session, Conversation, Conversation.id.in_(chunk))
    return len(ids)
