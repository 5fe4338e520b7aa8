"""Answering a pulse, and HR starting one now. Each refusal is polite and changes nothing."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from dialogs.cards.common import adaptive_card, card_activity, heading, paragraph, submit
from dialogs.cards.pulse import COMMENT_INPUT, answers_from, thanks_card
from dialogs.dates import local_datetime
from dialogs.flows.delivery import show_delivery_status
from dialogs.flows.replace import replace_card, replace_or_send
from dialogs.i18n import t
from dialogs.turn import Turn
from storage.calendar.quiet_hours import planned_reminder
from storage.errors import (
    AlreadyAnswered,
    DomainError,
    PulseAlreadyRunning,
    RoundNotFound,
    UnitNotFound,
)
from storage.tables.outbox import OutboxKind

log = logging.getLogger(__name__)

START_ACTION = "pulse.start"


async def answer_pulse(turn: Turn) -> None:
    """Count the answer, then replace the card with the neutral thanks card (rule 8).

    Only in the person's own chat (the route says so, bot/teams/router.py): the bot never posts a
    pulse card anywhere else, and a card answered in a group chat or channel would be replaced in
    front of everyone there."""
    value: dict[str, Any] = turn.activity.value
    round_id = value.get("round")
    if not isinstance(round_id, str) or not round_id:
        raise RoundNotFound("missing")
    await turn.services.answers.submit(
        round_id,
        turn.person.user_id,
        answers_from(value),
        value.get(COMMENT_INPUT),
        turn.services.now(),
    )
    log.debug("pulse.answered")  # per answer: DEBUG only (bot/teams/router.py ANSWER says why)
    await _replace_card(turn)


async def refuse_answer(turn: Turn, refusal: DomainError) -> bool:
    """The answer was not counted, and nothing changed: say why, in the person's words."""
    log.info("pulse.refused", extra={"reason": refusal.code})
    await turn.context.send_activity(t(turn.language, f"pulse.refused.{refusal.code}"))
    if isinstance(refusal, AlreadyAnswered):
        await neutralise_answered_card(turn)
    return True


async def neutralise_answered_card(turn: Turn) -> None:
    """After "already answered", make sure the card the person pressed is the neutral one.

    Normally it already is. But if the bot died after the answer was committed and before the
    card was replaced, the answered card would otherwise stay in the chat history (rule 8). The
    thanks card is the same for everyone, and the refusal just said they answered, so it adds
    nothing; without a card id there is nothing to replace."""
    await replace_card(turn, thanks_card(turn.language), log, "pulse.card_update_failed")


async def _replace_card(turn: Turn) -> None:
    """The answered card becomes the thanks card; without a card id, the thanks is a new message."""
    await replace_or_send(turn, thanks_card(turn.language), log, "pulse.card_update_failed")


async def start_pulse_menu(turn: Turn) -> None:
    """HR: pick a team to send a pulse to now."""
    units = await turn.services.directory.installed_units()
    if not units:
        await turn.context.send_activity(t(turn.language, "pulse_start.none"))
        return
    language = turn.language
    card = adaptive_card(
        [
            heading(t(language, "pulse_start.title")),
            paragraph(t(language, "pulse_start.pick", days=turn.services.pulse_open_days)),
        ],
        [submit(unit.name, START_ACTION, unit=unit.id) for unit in units],
    )
    await turn.context.send_activity(card_activity(card))


async def start_pulse(turn: Turn) -> None:
    """HR pressed a team: schedule a round that opens now, and open it straight away."""
    unit_id = turn.activity.value.get("unit")
    services = turn.services
    now = services.now()
    closes = now + timedelta(days=services.pulse_open_days)
    remind = planned_reminder(closes, services.pulse_reminder_hours)
    if not isinstance(unit_id, str):
        raise UnitNotFound("missing")
    created = await services.rounds.start_now(
        unit_id, now, closes, remind, requested_by=turn.person.aad_object_id
    )
    await services.rounds.open_due(now)
    # Whoever opened it (this turn, or a scheduler on any replica in the meantime), it is open
    # now and knows how many were asked.
    count = (await services.rounds.get(created.id)).eligible_count or 0
    log.info("pulse.started", extra={"recipients": count})
    # Outside working hours the round is open at once, but its invitations wait (quiet hours).
    sends = services.rounds.working_hours.next_working_moment(now)
    await turn.context.send_activity(
        t(
            turn.language,
            "pulse_start.started" if sends <= now else "pulse_start.held",
            count=count,
            team=created.unit_name,
            closes=local_datetime(created.closes_at, turn.language),  # held: moved as much
            sends=local_datetime(sends, turn.language),
        )
    )
    await show_delivery_status(turn, OutboxKind.PULSE, created.id, created.unit_name)


async def refuse_start(turn: Turn, refusal: DomainError) -> bool:
    """No round was made: the team is unknown, or it has one open (or opening) already."""
    if isinstance(refusal, UnitNotFound):
        await turn.context.send_activity(t(turn.language, "pulse_start.unknown_unit"))
        return True
    if not isinstance(refusal, PulseAlreadyRunning):
        return False
    log.info("pulse.refused", extra={"reason": refusal.code})
    if refusal.closes_at is None:
        reply = t(turn.language, "pulse_start.already_started", team=refusal.unit_name)
    else:
        closes_at = local_datetime(refusal.closes_at, turn.language)
        reply = t(
            turn.language, "pulse_start.already_open", team=refusal.unit_name, closes=closes_at
        )
    await turn.context.send_activity(reply)
    return True
