"""The summary card's button for the MED document, and the card with its download links."""

from __future__ import annotations

from typing import Any

from dialogs.cards.common import Card, adaptive_card, heading, paragraph, submit
from dialogs.cards.plain_text import plain_text
from dialogs.i18n import Language, t

DOCUMENT_ACTION = "summary.document"


def document_button(unit_id: str, period: str, language: Language) -> dict[str, Any]:
    """On the summary card: the unit and month it was about (checked again when pressed)."""
    return submit(t(language, "document.button"), DOCUMENT_ACTION, unit=unit_id, period=period)


def links_card(
    unit_name: str, month: str, urls: dict[str, str], minutes: int, language: Language
) -> Card:
    """Two links, each usable once for a few minutes: the Word file and the PDF."""
    body = [
        heading(t(language, "document.links_title", unit=plain_text(unit_name), month=month)),
        paragraph(t(language, "document.links_body", minutes=minutes)),
    ]
    actions = [
        {"type": "Action.OpenUrl", "title": t(language, f"document.get_{fmt}"), "url": urls[fmt]}
        for fmt in ("docx", "pdf")
    ]
    return adaptive_card(body, actions)
