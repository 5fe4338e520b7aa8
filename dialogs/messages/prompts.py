"""What prompt rounds send: the reflection card, the channel post, and the note when a round closes.

Outbox rows are rendered in the recipient's language; a channel has no single reader, so its post
is in the bot's default language and never holds an input (answers are given in personal chats).
"""

from __future__ import annotations

from botbuilder.core import MessageFactory
from botbuilder.schema import Activity

from dialogs.cards.common import card_activity
from dialogs.cards.prompts import channel_prompt_card, pulse_announcement_card, reflection_card
from dialogs.i18n import language_for, t
from dialogs.turn import Services
from storage.delivery.outbox import OutboxJob
from storage.errors import RoundNotFound
from storage.prompts.views import PromptRoundInfo
from storage.tables.pulses import RoundState


async def _prompt_round(services: Services, round_id: str) -> PromptRoundInfo | None:
    try:
        return await services.prompts.publisher.prompt_round(round_id)
    except RoundNotFound:
        return None


async def render_prompt(job: OutboxJob, services: Services) -> Activity | None:
    """The reflection card for one member, or None once the round has closed (nothing to send)."""
    prompt_round = await _prompt_round(services, job.subject_id)
    if prompt_round is None or prompt_round.state is not RoundState.OPEN:
        return None
    language = language_for(job.locale, services.default_language)
    card = reflection_card(
        prompt_round, language, services.min_group_size, comment_k=services.comment_k
    )
    return card_activity(card)


async def render_prompt_closed(job: OutboxJob, services: Services) -> Activity | None:
    """The closing note of a prompt round (a pulse has its own); None for a pulse round.

    It says the same for everyone in the team, and only what disclosure decides for the leader:
    whether enough answered for the reflections to be shown.
    """
    prompt_round = await _prompt_round(services, job.subject_id)
    if prompt_round is None:
        return None
    note = await services.closing_notes.note(job.subject_id)
    if note is None:
        return None
    language = language_for(job.locale, services.default_language)
    key = "reflection_closed.result_ready" if note.enough_answers else "reflection_closed.too_few"
    return MessageFactory.text(t(language, key, team=note.unit_name))


async def render_channel_post(round_id: str, services: Services) -> Activity | None:
    """The card for a round's channel post, or None when the round has closed."""
    language = services.default_language
    prompt_round = await _prompt_round(services, round_id)
    if prompt_round is None:
        try:
            pulse = await services.rounds.get(round_id)
        except RoundNotFound:
            return None
        if pulse.state is RoundState.CLOSED:
            return None
        return card_activity(pulse_announcement_card(pulse, language, services.min_group_size))
    if prompt_round.state is RoundState.CLOSED:
        return None
    card = channel_prompt_card(
        prompt_round, language, services.min_group_size, comment_k=services.comment_k
    )
    return card_activity(card)
