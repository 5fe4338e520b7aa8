"""HR's delivery status card: updated in place while a push runs, a final report when it is done.

Runs inside the outbox worker that holds the send lease, so exactly one process updates each card
and the updates are paced with the messages themselves. Everything shown is a count or a reason.
"""

from __future__ import annotations

import logging

from botbuilder.schema import ErrorResponseException

from bot.proactive import ProactiveSender, reference_from_json
from bot.rate_limit import Pacer
from dialogs.cards.delivery import delivery_done_activity, delivery_status_activity
from dialogs.i18n import language_for
from storage.delivery import Deliveries, Watch

log = logging.getLogger(__name__)


class DeliveryStatusReporter:
    def __init__(self, deliveries: Deliveries, sender: ProactiveSender, pacer: Pacer) -> None:
        self._deliveries = deliveries
        self._sender = sender
        self._pacer = pacer

    async def tick(self) -> None:
        """One pass over every watched push; a card is touched only when its numbers changed."""
        for watch in await self._deliveries.watches():
            try:
                await self._update(watch)
            except ErrorResponseException as error:
                status = int(getattr(error.response, "status_code", 0) or 0)
                log.info("delivery_status.update_failed", extra={"status": status})
                if 400 <= status < 500 and status not in (408, 412, 429):
                    await self._deliveries.finish(watch.id)  # the card or chat is gone: stop

    async def _update(self, watch: Watch) -> None:
        report = await self._deliveries.report(watch.kind, watch.subject_id)
        fingerprint = report.fingerprint()
        reference = reference_from_json(watch.reference)
        tenant = getattr(reference.conversation, "tenant_id", None)
        conversation = reference.conversation.id
        language = language_for(watch.language)
        if fingerprint != watch.shown and watch.activity_id:
            answered = await self._pacer.acquire(tenant, conversation)
            try:
                await self._sender.update(
                    reference,
                    watch.activity_id,
                    delivery_status_activity(report, watch.label, language),
                )
            finally:
                answered()
            await self._deliveries.shown(watch.id, fingerprint)
        if report.done:
            answered = await self._pacer.acquire(tenant, conversation)
            try:
                await self._sender.send(
                    reference, delivery_done_activity(report, watch.label, language)
                )
            finally:
                answered()
            await self._deliveries.finish(watch.id)
            log.info(
                "delivery_status.done",
                extra={"sent": report.sent, "failed": report.failed, "total": report.total},
            )
