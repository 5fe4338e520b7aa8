"""What leaders add to results: agreed actions, and baselines imported from the big surveys."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, new_id


class AgreedAction(Base):
    """An action a team agreed on after a summary; its unit's next pulse asks whether it happened."""

    __tablename__ = "agreed_actions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[str | None] = mapped_column(
        ForeignKey("pulse_rounds.id", ondelete="SET NULL"), nullable=True
    )
    text: Mapped[str] = mapped_column(Text)
    agreed_on: Mapped[date] = mapped_column(Date)
    follow_up_pending: Mapped[bool] = mapped_column(Boolean, default=True)


class Baseline(Base):
    """A unit's score per dimension in the last big survey (APV / trivselsmåling), 0–100."""

    __tablename__ = "baselines"

    unit_id: Mapped[str] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )
    dimension: Mapped[str] = mapped_column(String(40), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(100))
