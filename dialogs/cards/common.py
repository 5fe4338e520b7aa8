"""Adaptive Card envelope and the activity that carries it: version 1.5, what Teams renders."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import Activity

from dialogs.dates import local_datetime
from dialogs.i18n import Language, t

CARD_VERSION = "1.5"
Card = dict[str, Any]


def adaptive_card(body: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None) -> Card:
    """Wrap elements in a card; Teams needs msteams.width=Full for cards that hold a form."""
    card: Card = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "body": body,
        "msteams": {"width": "Full"},
    }
    if actions:
        card["actions"] = actions
    return card


def heading(text: str) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "weight": "Bolder", "size": "Medium", "wrap": True}


def paragraph(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def anonymous_footer(
    language: Language,
    promise_key: str,
    closes_key: str,
    closes_at: datetime,
    *,
    k: int,
    comment_k: int,
) -> list[dict[str, Any]]:
    """The small print at the foot of every card that asks for an answer: what stays anonymous
    (with the thresholds this deployment keeps: `k` answers for figures, `comment_k` for texts)
    and until when the round takes answers, in Copenhagen time."""
    return [
        paragraph(t(language, promise_key, k=k, n=comment_k), isSubtle=True, size="Small"),
        paragraph(
            t(language, closes_key, closes=local_datetime(closes_at, language)),
            isSubtle=True,
            size="Small",
        ),
    ]


def submit(title: str, action: str, **data: Any) -> dict[str, Any]:
    """An Action.Submit whose data names the router action; extra data is checked by the router."""
    return {"type": "Action.Submit", "title": title, "data": {"action": action, **data}}


def card_activity(card: Card) -> Activity:
    """A message activity with one Adaptive Card attachment."""
    return MessageFactory.attachment(CardFactory.adaptive_card(card))
