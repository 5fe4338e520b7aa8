"""HR's delivery status card: updated in place while a push runs, a final report when it is done.

Runs inside the outbox worker that holds the send lease, so exactly one process updates each card
and the updates are paced with the messages themselves. Everything shown is a count or a reason.

A push started in chat has its card already (dialogs/flows/delivery.py). Every other push (from
the CLI, the admin API, a schedule, or a round's later messages: reminder, closing notes, leaders'
cards) was given a watch when it was queued (storage/delivery/push_origins.py) with no card yet: the first
pass that finds it, after `first_card_after` seconds (a chat flow may still be taking it over),
finds the HR person's 1:1 chat (creating it if need be) and sends the first card there. The wait
is measured on this process's own monotonic clock, not the database's, so a test's clock that
stands still holds nothing up. A new message in HR's chat is a push like any other, so the first
card and the final message keep quiet hours (storage/calendar/quiet_hours.py); editing a card that is
there already notifies nobody and goes on at any hour.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from botbuilder.schema import ErrorResponseException
from msrest.exceptions import ClientRequestError

from bot.connector.client import ConnectorTransportError
from bot.connector.proactive import ProactiveSender, reference_from_json, reference_to_json
from bot.delivery.failure_policy import classify, error_code, http_status
from bot.delivery.rate_limit import Pacer
from dialogs.cards.delivery import delivery_done_activity, delivery_status_activity
from dialogs.i18n import language_for
from storage.calendar.quiet_hours import ALWAYS, WorkingHours
from storage.delivery.status import Deliveries, DeliveryReport, Watch
from storage.tables.directory import utcnow

log = logging.getLogger(__name__)


class DeliveryStatusReporter:
    def __init__(
        self,
        deliveries: Deliveries,
        sender: ProactiveSender,
        pacer: Pacer,
        first_card_after: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        working_hours: WorkingHours = ALWAYS,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self._deliveries = deliveries
        self._sender = sender
        self._pacer = pacer
        self._first_card_after = first_card_after
        self._clock = clock
        # Watches without a card, and when this process first saw them so.
        self._first_seen: dict[str, float] = {}
        self._hours = working_hours  # new messages to HR (not edits of a card) wait for them
        self._now = now

    async def tick(self) -> None:
        """One pass over every watched push; a card is touched only when its numbers changed."""
        watches = await self._deliveries.watches()
        for gone in set(self._first_seen) - {watch.id for watch in watches}:
            del self._first_seen[gone]
        for watch in watches:
            try:
                await self._update(watch)
            except ErrorResponseException as error:
                status = http_status(error)
                log.info("delivery_status.update_failed", extra={"status": status})
                # The send-failure policy (bot/delivery/failure_policy.py); a card has no backoff:
                # every other failure is tried again on the next pass, redrawn from the counts.
                if classify(status, error_code(error)).gone:
                    await self._deliveries.finish(watch.id)  # the card or chat is gone: stop
            except ClientRequestError as error:  # no answer from Teams: the next pass tries again
                log.info("delivery_status.unreachable", extra={"reason": str(error)})

    def _waited(self, watch_id: str) -> bool:
        """True once this process has seen the watch without a card for `first_card_after` s."""
        seen = self._first_seen.setdefault(watch_id, self._clock())
        if self._clock() - seen < self._first_card_after:
            return False
        self._first_seen.pop(watch_id, None)
        return True

    async def _update(self, watch: Watch) -> None:
        if watch.reference is not None and watch.activity_id is None and watch.shown is None:
            # A chat flow claimed it and its card is on its way; if that turn died, go on
            # without a card to update (the final message still comes).
            if not self._waited(watch.id):
                return
        report = await self._deliveries.report(watch.kind, watch.subject_id)
        if watch.reference is None:
            watch = await self._first_card(watch, report)
            if watch.reference is None:
                return
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
                    delivery_status_activity(report, watch.label, language, watch.kind),
                )
            finally:
                answered()
            await self._deliveries.shown(watch.id, fingerprint)
        if report.done:
            if self._hours.is_working_moment(self._now()):
                answered = await self._pacer.acquire(tenant, conversation)
                try:
                    await self._sender.send(
                        reference,
                        delivery_done_activity(report, watch.label, language, watch.kind),
                    )
                finally:
                    answered()
            # After hours the card shows the final report and no message pings HR's phone.
            await self._deliveries.finish(watch.id)
            log.info(
                "delivery_status.done",
                extra={"sent": report.sent, "failed": report.failed, "total": report.total},
            )

    async def _first_card(self, watch: Watch, report: DeliveryReport) -> Watch:
        """Send a storage-made watch its first card in the HR person's chat; the watch as it is
        now (still without a reference when it must wait or HR cannot be reached)."""
        if not self._hours.is_working_moment(self._now()):
            return watch  # a new message to HR is a push too: it waits for working hours
        if not self._waited(watch.id):
            return watch  # a chat flow may still claim it, to send the card in its turn
        chat = await self._deliveries.hr_chat(watch.requested_by) if watch.requested_by else None
        if chat is None or (chat.reference is None and not chat.service_url):
            log.info("delivery_status.no_chat", extra={"kind": watch.kind.value})
            if report.done:
                await self._deliveries.finish(watch.id)  # nobody to tell: forget it
            return watch
        language = language_for(watch.language or chat.locale)
        if chat.reference is not None:
            reference = reference_from_json(chat.reference)
        else:
            assert chat.service_url is not None
            reference = await self._sender.create_personal(
                chat.service_url, chat.tenant_id, chat.user_id
            )
        stored = reference_to_json(reference)
        if not await self._deliveries.claim_for_reporter(watch.id, stored, language):
            return watch  # a chat flow claimed it meanwhile: its card is coming
        tenant = getattr(reference.conversation, "tenant_id", None)
        answered = await self._pacer.acquire(tenant, reference.conversation.id)
        try:
            activity_id = await self._sender.send(
                reference, delivery_status_activity(report, watch.label, language, watch.kind)
            )
        except ConnectorTransportError as error:
            if not error.maybe_arrived:
                # Never sent: the next pass sends the first card again. One that may have arrived
                # is not sent twice; the watch goes on without a card and the final message comes.
                await self._deliveries.unclaim(watch.id)
            raise
        finally:
            answered()
        fingerprint = report.fingerprint()
        await self._deliveries.attach(watch.id, stored, activity_id, fingerprint)
        log.info("delivery_status.card_sent", extra={"kind": watch.kind.value})
        return watch.model_copy(
            update={
                "reference": stored,
                "activity_id": activity_id,
                "shown": fingerprint,
                "language": language,
            }
        )
