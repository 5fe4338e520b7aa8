"""The durable outbox: one row per recipient and item, so a push survives a crash.

It records who was *asked* (rule 9), never who answered: reminder rows, which would reveal who
had not answered yet, are deleted when the round closes, together with the participation hashes.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, new_id, utcnow


class DeliveryState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"  # the person removed or blocked the app: never retried
    EXPIRED = "expired"  # the round closed before it could be delivered


class OutboxKind(StrEnum):
    PULSE = "pulse"
    REMINDER = "reminder"


class OutboxMessage(Base):
    __tablename__ = "outbox"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[str] = mapped_column(String(32))  # e.g. the round id
    user_id: Mapped[str] = mapped_column(ForeignKey("recipients.user_id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(10), default=DeliveryState.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    uncertain: Mapped[bool] = mapped_column(Boolean, default=False)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("kind", "subject_id", "user_id", name="uq_outbox_item_recipient"),
        Index("ix_outbox_due", "state", "next_attempt_at"),
        Index("ix_outbox_subject", "kind", "subject_id"),
    )
