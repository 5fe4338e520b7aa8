"""After HR starts a push in chat: the delivery status card, which the outbox worker keeps current.

The push made a watch for this HR person when it was queued (storage/push_origins.py); sending
the card here takes that watch over, so the card comes at once and only once."""

from __future__ import annotations

import json
import logging

from botbuilder.core import TurnContext

from dialogs.cards.delivery import delivery_status_activity
from dialogs.turn import Turn
from storage.outbox_models import OutboxKind

log = logging.getLogger(__name__)


async def show_delivery_status(turn: Turn, kind: OutboxKind, subject_id: str, label: str) -> None:
    """Send the card now (all waiting) and register it, so the worker updates it in place and
    sends the final report when nothing is pending. A failure here never undoes the push."""
    deliveries = turn.services.deliveries
    try:
        report = await deliveries.report(kind, subject_id)
        response = await turn.context.send_activity(
            delivery_status_activity(report, label, turn.language, kind)
        )
        reference = json.dumps(TurnContext.get_conversation_reference(turn.activity).serialize())
        await deliveries.watch(
            kind,
            subject_id,
            label,
            turn.language,
            reference,
            getattr(response, "id", None),
            requested_by=turn.person.aad_object_id,
        )
    except Exception as error:  # the push is queued either way; only the card is missing
        log.warning("delivery_status.not_shown", extra={"error": type(error).__name__})
