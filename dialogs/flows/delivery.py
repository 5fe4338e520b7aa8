"""After HR starts a push in chat: the delivery status card, which the outbox worker keeps current.

The push made a watch for this HR person when it was queued (storage/delivery/push_origins.py). The flow
claims it first, then sends the card and says where it is; if the status reporter claimed it
first (a slow turn), its card is already in this chat and none is sent here: one card, always."""

from __future__ import annotations

import json
import logging

from botbuilder.core import TurnContext

from dialogs.cards.delivery import delivery_status_activity
from dialogs.turn import Turn
from storage.tables.outbox import OutboxKind

log = logging.getLogger(__name__)


async def show_delivery_status(turn: Turn, kind: OutboxKind, subject_id: str, label: str) -> None:
    """Send the card now (all waiting) and register it, so the worker updates it in place and
    sends the final report when nothing is pending. A failure here never undoes the push."""
    deliveries = turn.services.deliveries
    try:
        reference = json.dumps(TurnContext.get_conversation_reference(turn.activity).serialize())
        watch_id = await deliveries.claim(
            kind, subject_id, label, turn.language, reference, turn.person.aad_object_id
        )
        if watch_id is None:
            return  # the reporter has sent this push's card to this chat already
        report = await deliveries.report(kind, subject_id)
        response = await turn.context.send_activity(
            delivery_status_activity(report, label, turn.language, kind)
        )
        await deliveries.attach(watch_id, reference, getattr(response, "id", None), None)
    except Exception as error:  # the push is queued either way; only the card is missing
        log.warning("delivery_status.not_shown", extra={"error": type(error).__name__})
