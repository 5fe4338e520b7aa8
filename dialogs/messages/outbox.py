"""What each kind of outbox row becomes in the recipient's chat, in the recipient's language,
and what each kind of channel post becomes in the team's channel."""

from __future__ import annotations

from botbuilder.schema import Activity

from dialogs.cards.common import card_activity
from dialogs.cards.pulse import pulse_card
from dialogs.flows.share import render_shared_summary
from dialogs.i18n import language_for
from dialogs.messages.closing_note import closing_note_activity
from dialogs.messages.leader_result import leader_result_activity
from dialogs.messages.month_note import month_note_activity
from dialogs.messages.prompts import render_channel_post, render_prompt, render_prompt_closed
from dialogs.turn import Services
from storage.delivery.outbox import OutboxJob
from storage.errors import RoundNotFound
from storage.prompts.channel_posts import ChannelJob
from storage.tables.outbox import OutboxKind
from storage.tables.prompts import ChannelPostKind
from storage.tables.pulses import RoundState


async def render(job: OutboxJob, services: Services) -> Activity | None:
    """The activity to send, or None when there is nothing to send any more (round closed)."""
    if job.kind in (OutboxKind.PULSE, OutboxKind.REMINDER):
        try:
            pulse = await services.rounds.get(job.subject_id)
        except RoundNotFound:
            return None
        if pulse.state is not RoundState.OPEN:
            return None
        language = language_for(job.locale, services.default_language)
        card = pulse_card(
            pulse,
            services.bank,
            language,
            services.min_group_size,
            comment_k=services.comment_k,
            reminder=job.kind is OutboxKind.REMINDER,
        )
        return card_activity(card)
    if job.kind is OutboxKind.PROMPT:
        return await render_prompt(job, services)
    if job.kind is OutboxKind.LEADER_RESULT:
        return await leader_result_activity(job, services)
    if job.kind is OutboxKind.MONTH_SETTLED:
        return await month_note_activity(job, services)
    if job.kind is OutboxKind.ROUND_CLOSED:
        return await render_prompt_closed(job, services) or await closing_note_activity(
            job, services
        )
    return None


async def render_channel_job(job: ChannelJob, services: Services) -> Activity | None:
    """A channel post's card, or None when there is nothing to post any more."""
    if job.kind is ChannelPostKind.SHARED_SUMMARY:
        return await render_shared_summary(job, services)
    return await render_channel_post(job.round_id, services)
