"""Answering a prompt with a reflection, and asking for the private card from a channel post.

The answer goes through `storage.answers.reflections` (the anonymous tables, one transaction); the answered
card becomes the neutral thanks card of the pulse, identical whatever was written (rule 8).
"""

from __future__ import annotations

import logging
from typing import Any

from dialogs.cards.prompts import RATING_INPUT, TEXT_INPUT
from dialogs.flows.pulse import _replace_card, neutralise_answered_card
from dialogs.i18n import LANGUAGES, t
from dialogs.turn import Turn
from storage.errors import AlreadyAnswered, DomainError, RoundNotFound
from storage.values import ConversationKind

log = logging.getLogger(__name__)


def _round_id(turn: Turn) -> str:
    value: Any = turn.activity.value
    round_id = value.get("round") if isinstance(value, dict) else None
    if not isinstance(round_id, str) or not round_id:
        raise RoundNotFound("missing")
    return round_id


async def answer_reflection(turn: Turn) -> None:
    """Record the reflection anonymously, then replace the card; refusals change nothing.

    Only in the person's own chat (the route says so, bot/teams/router.py)."""
    value: dict[str, Any] = turn.activity.value
    await turn.services.prompts.reflections.submit(
        _round_id(turn),
        turn.person.user_id,
        value.get(RATING_INPUT),
        value.get(TEXT_INPUT),
        turn.services.now(),
    )
    log.debug("reflection.answered")  # per answer: DEBUG only (bot/teams/router.py ANSWER says why)
    await _replace_card(turn)


async def refuse_reflection(turn: Turn, refusal: DomainError) -> bool:
    """Nothing was recorded: say why, or that something went wrong when the reason has no text."""
    language = turn.language
    log.info("reflection.refused", extra={"reason": refusal.code})
    key = f"reflection.refused.{refusal.code}"
    await turn.context.send_activity(
        t(language, key if key in LANGUAGES[language] else "error.generic")
    )
    if isinstance(refusal, AlreadyAnswered):
        await neutralise_answered_card(turn)
    return True


async def send_private_card(turn: Turn) -> None:
    """From a channel post: queue the reflection card for this person's personal chat.

    Nothing is said in the channel, whatever happens: a reply there would tell the team who
    pressed, and "you have already answered" would tell them who took part. The channel card says
    that no card arriving means the person has answered or the round has closed.
    """
    queued = await turn.services.prompts.publisher.request_card(
        _round_id(turn), turn.person.user_id, turn.services.now()
    )
    log.info("reflection.private_queued", extra={"new": queued})


async def refuse_private_card(turn: Turn, refusal: DomainError) -> bool:
    """No card is queued; only in the person's own chat is that said (see send_private_card)."""
    log.info("reflection.private_refused", extra={"reason": refusal.code})
    if turn.conversation_kind is ConversationKind.PERSONAL:
        await turn.context.send_activity(t(turn.language, "reflection.private_refused"))
    return True
