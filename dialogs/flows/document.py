""" "Hent dokument til MED-mødet": the leader gets download links for the unit's MED document.

The links go only into the person's own chat (each one is the credential for one file, see
storage/results/download_links.py), only for a unit the person may see, and only for a month written as
the card wrote it. Nothing is made here: the file is made when a link is used, with the
person's access as it is then (bot/documents/export.py).
"""

from __future__ import annotations

import logging
from typing import Any

from dialogs.cards.common import card_activity
from dialogs.cards.document import links_card
from dialogs.cards.summary import month_label
from dialogs.flows.summary import leader_units, refuse, unit_name
from dialogs.i18n import t
from dialogs.turn import Turn
from storage.errors import DomainError, NotAllowed, UnitNotFound
from storage.results.download_links import FileFormat
from storage.results.med_document import InvalidPeriod, parse_period

log = logging.getLogger(__name__)
FORMATS: tuple[FileFormat, ...] = ("docx", "pdf")


async def send_document_links(turn: Turn) -> None:
    """Only in their own chat, for a leader or HR (the route says so, bot/teams/router.py)."""
    visible = await leader_units(turn)
    value: dict[str, Any] = turn.activity.value
    unit_id, period = value.get("unit"), value.get("period")
    links = turn.services.download_links
    person = turn.person.aad_object_id or turn.person.user_id
    if not isinstance(unit_id, str):
        raise UnitNotFound("missing")
    period = parse_period(period if isinstance(period, str) else "")
    if unit_id not in visible:
        raise NotAllowed(unit_id)
    if not links.available:
        await turn.context.send_activity(t(turn.language, "document.unavailable"))
        return
    urls: dict[str, str] = {
        fmt: links.url(
            links.issue(person, unit_id, period, fmt, turn.language), unit_id, period, fmt
        )
        for fmt in FORMATS
    }
    minutes = max(1, round(links.lifetime.total_seconds() / 60))
    name = await unit_name(turn, unit_id)
    card = links_card(name, month_label(period, turn.language), urls, minutes, turn.language)
    await turn.context.send_activity(card_activity(card))
    log.info("document.links_sent")


async def refuse_document(turn: Turn, error: DomainError) -> bool:
    """A month not written as the card writes it is named; anything else is told as a summary's."""
    if isinstance(error, InvalidPeriod):
        await turn.context.send_activity(t(turn.language, "document.invalid_period"))
        return True
    return await refuse(turn, error)
