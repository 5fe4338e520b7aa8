"""Who looked at what: one row each time released results leave the bot, for HR and the MED secretariat.

The API the rest of the bot calls is one method:

    await audit.record(viewer_id, unit_id, AuditWhat.ROUND_SUMMARY, round_id=..., via=Via.CHAT)

`viewer_id` is the viewer's own Entra ID (AAD) object id (`viewer_of(person)` picks it); a door
that knows no person names itself (`cli:hr@server`, `admin-api@10.0.0.5`). `unit_id` is the unit
whose figures were seen (None: every unit at once). `what` says which kind of figure, `round_id`
or `period` which one, `detail` anything short and plain about the view (a file format).

It records viewers, never anything about who answered: no figure, count, comment, suppression
reason or response rate goes in, so the log cannot be read back into results. Callers record
*before* the results leave (a view that cannot be recorded is not shown), except the leader's
unasked card, recorded once Teams has accepted it (`record_delivered`).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db.engine import SessionFactory
from storage.rounds.period_versions import period_of
from storage.tables.audit import AuditRow
from storage.tables.directory import Recipient, Unit, new_id, utcnow
from storage.tables.pulses import PulseRound

MAX_VIEWER = 120
MAX_DETAIL = 200
MAX_ENTRIES = 5000
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")


class AuditWhat(StrEnum):
    """Which kind of figure was seen. New doors add a member here (and its texts in the CLI)."""

    ROUND_SUMMARY = "round_summary"  # a team's round on the summary card, in chat
    PERIOD_SUMMARY = "period_summary"  # a unit's month on the summary card
    REFLECTIONS = "reflections"  # a reflection round's released texts and ratings
    LEADER_RESULT = "leader_result"  # the summary card a leader gets unasked when a round closes
    RESULTS_EXPORT = "results_export"  # a file of every released figure (CLI, admin API)
    MED_DOCUMENT = "med_document"  # the document for the MED meeting (DOCX, PDF)
    CHANNEL_SHARE = "channel_share"  # a summary posted to the team's channel
    HEATMAP = "heatmap"  # the Resultater tab's units × dimensions for a month
    UNIT_PAGE = "unit_page"  # the Resultater tab's page of one unit (every released month/round)


class Via(StrEnum):
    """Through which door the figures left."""

    CHAT = "chat"  # asked for in the bot's chat
    PUSH = "push"  # sent unasked by the outbox (the leader's result card)
    CLI = "cli"
    ADMIN_API = "admin_api"
    DOWNLOAD = "download"  # a short-lived download link served by the bot
    TAB = "tab"  # the Resultater tab in Teams (single sign-on)


class AuditEntry(BaseModel):
    """One row as HR reads it; `viewer_name` is looked up in the directory when read."""

    model_config = ConfigDict(frozen=True)

    id: str
    at: datetime
    viewer_id: str
    viewer_name: str | None
    via: Via
    unit_id: str | None
    unit_name: str | None
    what: AuditWhat
    round_id: str | None
    round_sequence: int | None  # the round's number in its unit, while the round is kept
    period: str | None
    detail: str | None


class InvalidAuditEntry(ValueError):
    """A caller's mistake (an empty viewer, a detail with line breaks): nothing is written."""


def viewer_of(aad_object_id: str | None, user_id: str) -> str:
    """The id a person is logged under: their Entra ID object id (what leader and HR roles are
    given by), else their Teams user id marked as such."""
    return aad_object_id or f"teams:{user_id}"


def _clean(value: str, limit: int, name: str) -> str:
    value = value.strip()
    if _UNPRINTABLE.search(value):
        raise InvalidAuditEntry(f"{name}: one line of plain text")
    if len(value) > limit:
        raise InvalidAuditEntry(f"{name}: at most {limit} characters")
    return value


# An entry checked and waiting for its transaction: called with the session that writes it.
AuditWrite = Callable[[AsyncSession], Awaitable[str]]


class AuditLog:
    def __init__(self, factory: SessionFactory, now: Callable[[], datetime] = utcnow) -> None:
        self._factory = factory
        self._now = now

    async def record(
        self,
        viewer_id: str,
        unit_id: str | None,
        what: AuditWhat | str,
        detail: str = "",
        *,
        via: Via | str = Via.CHAT,
        round_id: str | None = None,
        period: str | None = None,
    ) -> str:
        """One view or export; the row's id. With a `round_id`, the unit and month default to
        the round's. Raises InvalidAuditEntry (and writes nothing) for a malformed entry."""
        write = self.entry(
            viewer_id, unit_id, what, detail, via=via, round_id=round_id, period=period
        )
        async with self._factory.begin() as session:
            return await write(session)

    def entry(
        self,
        viewer_id: str,
        unit_id: str | None,
        what: AuditWhat | str,
        detail: str = "",
        *,
        via: Via | str = Via.CHAT,
        round_id: str | None = None,
        period: str | None = None,
    ) -> AuditWrite:
        """`record`'s entry, checked now and written by whoever holds the transaction of what it
        records (a share and its entry are kept together or not at all: results/team_share.py).
        Raises InvalidAuditEntry (and nothing is written) for a malformed entry."""
        viewer = _clean(viewer_id, MAX_VIEWER, "viewer_id")
        if not viewer:
            raise InvalidAuditEntry("viewer_id: who looked must be named")
        try:
            kind, door = AuditWhat(what), Via(via)
        except ValueError as error:
            raise InvalidAuditEntry(str(error)) from None
        if period is not None and not _PERIOD.match(period):
            raise InvalidAuditEntry("period: YYYY-MM")
        text = _clean(detail, MAX_DETAIL, "detail") or None

        async def write(session: AsyncSession) -> str:
            unit, month = unit_id, period
            if round_id is not None:
                pulse = await session.get(PulseRound, round_id)
                if pulse is not None:
                    unit = unit or pulse.unit_id
                    month = month or period_of(pulse.closes_at)
            known = await session.get(Unit, unit) if unit else None
            row = AuditRow(
                id=new_id(),
                at=self._now(),
                viewer_id=viewer,
                via=door.value,
                unit_id=unit,
                unit_name=known.name if known else None,
                what=kind.value,
                round_id=round_id,
                period=month,
                detail=text,
            )
            session.add(row)
            return row.id

        return write

    async def record_delivered(self, user_id: str, round_id: str) -> str:
        """The outbox delivered a leader's result card (Teams accepted it): that leader has it."""
        async with self._factory() as session:
            aad = await session.scalar(
                select(Recipient.aad_object_id).where(Recipient.user_id == user_id)
            )
        return await self.record(
            viewer_of(aad, user_id),
            None,
            AuditWhat.LEADER_RESULT,
            via=Via.PUSH,
            round_id=round_id,
        )

    async def entries(
        self,
        unit_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 1000,
    ) -> list[AuditEntry]:
        """Newest first. `unit_id`: that unit's rows and the rows about every unit at once."""
        name = (
            select(Recipient.name)
            .where(Recipient.aad_object_id == AuditRow.viewer_id)
            .order_by(Recipient.name)
            .limit(1)
            .scalar_subquery()
        )
        query = (
            select(AuditRow, name, PulseRound.sequence)
            .outerjoin(PulseRound, PulseRound.id == AuditRow.round_id)
            .order_by(AuditRow.at.desc(), AuditRow.id)
        )
        if unit_id is not None:
            query = query.where((AuditRow.unit_id == unit_id) | AuditRow.unit_id.is_(None))
        if since is not None:
            query = query.where(AuditRow.at >= since)
        if until is not None:
            query = query.where(AuditRow.at < until)
        query = query.limit(max(1, min(limit, MAX_ENTRIES)))
        async with self._factory() as session:
            rows = (await session.execute(query)).all()
        return [
            AuditEntry(
                id=row.id,
                at=row.at,
                viewer_id=row.viewer_id,
                viewer_name=viewer_name,
                via=Via(row.via),
                unit_id=row.unit_id,
                unit_name=row.unit_name,
                what=AuditWhat(row.what),
                round_id=row.round_id,
                round_sequence=sequence,
                period=row.period,
                detail=row.detail,
            )
            for row, viewer_name, sequence in rows
        ]
