"""What every door that hands out the MED document shares: who may have which unit's document,
how it is made, and the one place where an export is recorded.

Three doors: a leader's download link (bot/documents/download.py), HR's command line
(`trivselsbot results document`) and HR's admin API (`GET /admin/units/{unit_id}/document`).
A leader gets the units they lead and those below them, checked when the file is made (not only
when the link was); HR gets any unit. The document is made of released figures only
(storage/results/med_document.py), whichever door it leaves by.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from urllib.parse import quote

from bot.documents.docx_writer import write_docx
from bot.documents.pdf_writer import write_pdf
from dialogs.documents.layout import DocumentLayout
from dialogs.documents.med_meeting import med_meeting_layout
from dialogs.i18n import Language
from storage.directory.hierarchy import Hierarchy
from storage.directory.roles import Roles
from storage.errors import NotAllowed
from storage.privacy.audit import AuditLog, AuditWhat, Via
from storage.question_bank import QuestionBank
from storage.results.download_links import FileFormat
from storage.results.med_document import med_document
from storage.results.summaries import Summaries
from storage.tables.directory import utcnow
from storage.values import Role

CONTENT_TYPES: dict[str, str] = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
Door = Literal["download", "cli", "admin_api", "tab"]


@dataclass(frozen=True)
class DocumentFile:
    name: str  # with its suffix, in the reader's language
    content_type: str
    data: bytes


def attachment_header(name: str) -> str:
    """Content-Disposition for a download: the name in UTF-8 (RFC 6266), and in ASCII for
    old clients."""
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def render(layout: DocumentLayout, file_format: FileFormat) -> bytes:
    return write_docx(layout) if file_format == "docx" else write_pdf(layout)


class DocumentExporter:
    """Makes a unit's MED document for someone who may see it, through whichever door."""

    def __init__(
        self,
        summaries: Summaries,
        hierarchy: Hierarchy,
        roles: Roles | None,
        bank: QuestionBank,
        now: Callable[[], datetime] = utcnow,
        *,
        audit: AuditLog,
    ) -> None:
        self._audit = audit
        self._summaries = summaries
        self._hierarchy = hierarchy
        self._roles = roles
        self._bank = bank
        self._now = now

    async def visible_to(self, person: str) -> set[str]:
        """The units whose results this person may see now: none unless they lead or are HR."""
        if self._roles is None:
            return set()
        roles = await self._roles.roles_of(person)
        if Role.LEADER not in roles and Role.HR not in roles:
            return set()
        units = await self._hierarchy.units_visible_to(person, Role.HR in roles)
        return {unit.id for unit in units}

    async def for_person(
        self,
        person: str,
        unit_id: str,
        period: str,
        file_format: FileFormat,
        language: Language,
        door: Door = "download",
    ) -> DocumentFile:
        """A leader's (or HR's) own document: NotAllowed unless they may see the unit now."""
        visible = await self.visible_to(person)
        if unit_id not in visible:
            raise NotAllowed(unit_id)
        return await self._export(person, unit_id, period, file_format, language, visible, door)

    async def for_hr(
        self,
        unit_key: str,
        period: str,
        file_format: FileFormat,
        language: Language,
        door: Door,
        viewer: str = "hr",
    ) -> DocumentFile:
        """Any unit's document, by id, Teams team id or name (HR's CLI and admin API)."""
        unit = await self._hierarchy.resolve(unit_key)
        everything = {u.id for u in await self._hierarchy.units_visible_to(None, True)}
        return await self._export(viewer, unit.id, period, file_format, language, everything, door)

    async def _export(
        self,
        viewer: str,
        unit_id: str,
        period: str,
        file_format: FileFormat,
        language: Language,
        visible: Collection[str],
        door: Door,
    ) -> DocumentFile:
        doc = await med_document(self._summaries, unit_id, period, visible)
        layout = med_meeting_layout(doc, self._bank, language, self._now())
        # Writing a document is CPU work of a few hundred milliseconds: off the event loop.
        data = await asyncio.to_thread(render, layout, file_format)
        # The one place every MED document export passes (download link, CLI, admin API), after
        # the access check and once the file exists; a document that cannot be recorded is not
        # handed out (storage/privacy/audit.py: who looked at what, nothing about answers).
        await self._audit.record(
            viewer, unit_id, AuditWhat.MED_DOCUMENT, file_format, via=Via(door), period=doc.period
        )
        return DocumentFile(
            name=f"{layout.file_stem}.{file_format}",
            content_type=CONTENT_TYPES[file_format],
            data=data,
        )
