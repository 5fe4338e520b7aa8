"""What leaders add to results: agreed actions, and baselines imported from the big surveys."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables.directory import Base, new_id


class AgreedAction(Base):
    """One line of a unit's handlingsplan: what the team agreed after a summary, who carries it,
    by when, and how far it got. The unit's next pulse asks about it by name.

    Written by a leader about the team's work: nothing in it comes from an answer, and no author
    is kept (storage/results/actions.py)."""

    __tablename__ = "agreed_actions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[str | None] = mapped_column(
        ForeignKey("pulse_rounds.id", ondelete="SET NULL"), nullable=True
    )
    text: Mapped[str] = mapped_column(Text)  # the title
    agreed_on: Mapped[date] = mapped_column(Date)
    follow_up_pending: Mapped[bool] = mapped_column(Boolean, default=True)
    # What it addresses: "dimension:<id>", "item:<id>" or "theme:<id>" (storage/results/actions.py).
    addresses: Mapped[str | None] = mapped_column(String(60), nullable=True)
    responsible: Mapped[str | None] = mapped_column(String(200), nullable=True)
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="planned")


class Baseline(Base):
    """A unit's score per dimension in the last big survey (APV / trivselsmåling), 0–100."""

    __tablename__ = "baselines"

    unit_id: Mapped[str] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )
    dimension: Mapped[str] = mapped_column(String(40), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(100))


class PeriodVersion(Base):
    """How often the facts of a month's closed rounds have changed (storage/rounds/period_versions.py).

    Bumped in the same transaction as every change: a round closing, a month deleted by retention.
    A month's release decided under one version is valid exactly while the version stays."""

    __tablename__ = "period_versions"

    period: Mapped[str] = mapped_column(String(7), primary_key=True)  # "2026-11"
    version: Mapped[int] = mapped_column(Integer)


class PeriodDecision(Base):
    """A finished month's release was decided under this version and k; its figures are below.

    Written last, in the transaction that writes the month's PeriodFigure rows, so a reader who
    finds it finds every figure of the decision."""

    __tablename__ = "period_decisions"

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    k: Mapped[int] = mapped_column(Integer, primary_key=True)


class PeriodFigure(Base):
    """One unit's aggregate in a decided month: its counters when shown, else only the reason.

    Derived from the month's closed rounds by storage/disclosure.release and nothing else; a unit
    with no row had no rounds that month."""

    __tablename__ = "period_figures"

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    k: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    reason: Mapped[str | None] = mapped_column(String(20), nullable=True)  # None: shown
    responses: Mapped[int | None] = mapped_column(Integer, nullable=True)  # shown figures only
    eligible: Mapped[int | None] = mapped_column(Integer, nullable=True)
    counts: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON item → value → count
    # JSON dimension → reason: asked below the unit that month, but not shown (disclosure).
    withheld: Mapped[str | None] = mapped_column(Text, nullable=True)


class PeriodNotice(Base):
    """The leaders of the units above were told that this month's aggregate is settled.

    One row per month, written in the transaction that queues their notes (storage/results/month_notes.py),
    so the notes go out once however many replicas settle the month, and a month decided again
    (another k, a late round) is not announced twice."""

    __tablename__ = "period_notices"

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    queued_at: Mapped[datetime] = mapped_column()
