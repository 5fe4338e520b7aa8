"""The durable outbox: one row per recipient and item, so a push survives a crash.

It records who was *asked* (rule 9), never who answered: reminder rows, which would reveal who
had not answered yet, are deleted when the round closes, together with the participation hashes.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables.directory import Base, new_id, utcnow


class DeliveryState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # an HTTP request may be on its way: at most one per send slot
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"  # the person removed or blocked the app: never retried
    EXPIRED = "expired"  # the round closed before it could be delivered


class OutboxKind(StrEnum):
    PULSE = "pulse"
    REMINDER = "reminder"
    PROMPT = "prompt"  # a dialogue prompt to answer with a reflection
    ROUND_CLOSED = "round_closed"  # the note to every member: the result is out, ask your leader
    LEADER_RESULT = "leader_result"  # the unit's leaders get its summary card, unasked
    MONTH_SETTLED = "month_settled"  # leaders above the teams: the month's aggregate is settled
    # HR's prompt or pulse notice in each team's channel: a push of `channel_posts` rows
    # (storage/prompts/channel_posts.py), never an outbox row; the delivery report reads it from there.
    CHANNEL_POST = "channel_post"

    @property
    def per_person(self) -> bool:
        """Rendered for each recipient (what they may see), never shared between rows."""
        return self in (OutboxKind.LEADER_RESULT, OutboxKind.MONTH_SETTLED)

    @property
    def audited(self) -> bool:
        """Shows results: each delivery is written to the audit log (storage/privacy/audit.py)."""
        return self is OutboxKind.LEADER_RESULT


class OutboxMessage(Base):
    __tablename__ = "outbox"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[str] = mapped_column(String(32))  # e.g. the round id
    user_id: Mapped[str] = mapped_column(ForeignKey("recipients.user_id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(10), default=DeliveryState.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # HTTP tries, 429s included
    # Of those, the ones that were not the row's failure: answered with 429, or never sent
    # because the connector could not be reached. They count toward MAX_TRIES only.
    throttles: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    uncertain: Mapped[bool] = mapped_column(Boolean, default=False)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("kind", "subject_id", "user_id", name="uq_outbox_item_recipient"),
        Index("ix_outbox_due", "state", "next_attempt_at"),
        Index("ix_outbox_subject", "kind", "subject_id"),
    )


class OutboxControl(Base):
    """One row shared by every worker process: who may send now, and the global 429 pause.

    Only the lease holder sends, so the per-tenant rate holds across replicas without a shared
    counter, and rows left 'sending' are recovered only by the process that takes the lease over.
    The pause survives restarts because a restarted worker must not hammer a throttled tenant.
    """

    __tablename__ = "outbox_control"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    lease_holder: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(nullable=True)
    throttled_until: Mapped[datetime | None] = mapped_column(nullable=True)
    throttle_strikes: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeliveryWatch(Base):
    """A push whose delivery status card HR is watching: where the card is, until nothing is pending.

    It holds the chat of the HR person who started the push (rule 9: who asked), never anything
    about recipients; the row is deleted when the final report has been shown. `subject_id` is
    the push: one round, or a push group (`PushOrigin.group_id`) of every round one order opened.
    A watch made by storage when the push was queued has no `reference` yet: the status reporter
    finds the HR person's chat from `requested_by` and sends the first card itself.
    """

    __tablename__ = "delivery_watches"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(200))  # e.g. the team name, shown on the card
    language: Mapped[str] = mapped_column(String(5))
    reference: Mapped[str | None] = mapped_column(Text, nullable=True)  # HR's chat (JSON)
    activity_id: Mapped[str | None] = mapped_column(String(300), nullable=True)
    shown: Mapped[str | None] = mapped_column(String(200), nullable=True)  # counts last shown
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    requested_by: Mapped[str | None] = mapped_column(String(100), nullable=True)  # HR's object id

    __table_args__ = (
        UniqueConstraint("kind", "subject_id", "requested_by", name="uq_delivery_watches_push"),
    )


class PushOrigin(Base):
    """Who started the pushes of a round, and which order it belongs to.

    Every message a round sends (its invitation or prompt, the reminder, the closing notes, the
    leaders' result cards) is a push of the HR person who ordered the round; a publication to many
    units opens many rounds under one `group_id`, so each of its pushes is one status card, not one
    per team. It names who *asked* for the round, never who was asked or who answered.
    """

    __tablename__ = "push_origins"

    round_id: Mapped[str] = mapped_column(
        ForeignKey("pulse_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[str] = mapped_column(String(32), index=True)
    requested_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
