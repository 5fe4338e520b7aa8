"""HR's delivery status card and final report: counts and reasons, never a name.

Reasons are grouped as the outbox records them (status code and Teams' error code); the common
ones get a plain-language explanation in front.
"""

from __future__ import annotations

from typing import Any

from botbuilder.core import MessageFactory
from botbuilder.schema import Activity

from dialogs.cards.common import adaptive_card, card_activity, heading, paragraph
from dialogs.i18n import Language, t
from storage.delivery import DeliveryReport

MAX_REASONS = 8


def _reason_text(reason: str, language: Language) -> str:
    if "MessageWritesBlocked" in reason:
        return t(language, "delivery.reason.blocked")
    if reason in ("item closed", "round closed"):
        return t(language, "delivery.reason.closed")
    if "ConversationNotFound" in reason or reason.startswith("404"):
        return t(language, "delivery.reason.not_found")
    if reason.startswith("gave up after"):
        return t(language, "delivery.reason.gave_up", detail=reason.removeprefix("gave up after "))
    return reason


def _facts(report: DeliveryReport, language: Language) -> dict[str, Any]:
    return {
        "type": "FactSet",
        "facts": [
            {"title": t(language, "delivery.sent"), "value": str(report.sent)},
            {"title": t(language, "delivery.pending"), "value": str(report.pending)},
            {"title": t(language, "delivery.failed"), "value": str(report.failed)},
            {"title": t(language, "delivery.total"), "value": str(report.total)},
        ],
    }


def delivery_status_card(report: DeliveryReport, label: str, language: Language) -> dict[str, Any]:
    """While running: the counts. Done: the counts, the reasons grouped, and any uncertainty."""
    title = "delivery.report_title" if report.done else "delivery.title"
    body: list[dict[str, Any]] = [heading(t(language, title, team=label)), _facts(report, language)]
    if not report.done:
        body.append(paragraph(t(language, "delivery.running"), isSubtle=True))
        return adaptive_card(body)
    if report.reasons:
        body.append(paragraph(t(language, "delivery.reasons"), weight="Bolder", spacing="Medium"))
        ranked = sorted(report.reasons.items(), key=lambda item: (-item[1], item[0]))
        for reason, count in ranked[:MAX_REASONS]:
            body.append(paragraph(f"• {_reason_text(reason, language)}: {count}", spacing="None"))
    if report.uncertain:
        body.append(paragraph(t(language, "delivery.uncertain", count=report.uncertain)))
    body.append(paragraph(t(language, "delivery.counts_only"), isSubtle=True))
    return adaptive_card(body)


def delivery_status_activity(report: DeliveryReport, label: str, language: Language) -> Activity:
    return card_activity(delivery_status_card(report, label, language))


def delivery_done_activity(report: DeliveryReport, label: str, language: Language) -> Activity:
    """A short new message when the push is done: card updates do not notify anyone."""
    return MessageFactory.text(
        t(
            language,
            "delivery.done",
            team=label,
            sent=report.sent,
            total=report.total,
            failed=report.failed,
        )
    )
