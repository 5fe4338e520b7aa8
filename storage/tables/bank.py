"""Tables for HR's question bank and for which template a unit's pulses are asked from.

Neither holds anything about a person: the items are content, a unit's template is an order.
Items are never deleted (the counters of old rounds refer to them by id); a retired one is kept.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables.directory import Base, utcnow


class QuestionItem(Base):
    """One question of the bank: its dimension, scale, use and state, and its texts."""

    __tablename__ = "question_items"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(30))
    scale: Mapped[str] = mapped_column(String(20))
    use: Mapped[str] = mapped_column(String(12))  # rotation, short_form, follow_up
    state: Mapped[str] = mapped_column(String(10))  # draft, active, retired
    higher_is_better: Mapped[bool] = mapped_column(Boolean, default=True)
    text_da: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str | None] = mapped_column(Text, nullable=True)  # None: Danish for all
    position: Mapped[int] = mapped_column(Integer)  # rotation and export order
    origin: Mapped[str] = mapped_column(String(10))  # "starter", "hr"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class UnitTemplate(Base):
    """HR's choice of template for a unit's pulses (no row: the default rotation)."""

    __tablename__ = "unit_templates"

    unit_id: Mapped[str] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(12))  # rotation, fixed, short_form
    items: Mapped[str] = mapped_column(Text, default="[]")  # JSON item ids, for "fixed"
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
