"""The leader's summary card, sent unasked when their team's round closes.

Rendered when it is sent, for the person it goes to: the card shows exactly what that leader may
see at that moment (a leader removed since the round closed gets nothing), through the same
summary that the `resumé` command reads, so it is never more than disclosure released.
"""

from __future__ import annotations

from botbuilder.schema import Activity

from dialogs.cards.common import card_activity
from dialogs.cards.summary import summary_card
from dialogs.flows.short_form import short_form_of
from dialogs.i18n import language_for, t
from dialogs.turn import Services
from storage.delivery.outbox import OutboxJob
from storage.errors import DomainError
from storage.values import Role


async def leader_result_activity(job: OutboxJob, services: Services) -> Activity | None:
    aad_object_id = await services.directory.aad_object_id_of(job.user_id)
    if not aad_object_id:
        return None
    roles = await services.roles.roles_of(aad_object_id)
    units = await services.hierarchy.units_visible_to(aad_object_id, Role.HR in roles)
    visible = {unit.id for unit in units}
    try:
        summary = await services.summaries.round_summary(job.subject_id, visible)
    except DomainError:  # no longer their unit, or the round is gone: nothing to tell
        return None
    language = language_for(job.locale, services.default_language)
    choices = await services.summaries.choices(visible)
    shareable = await services.shares.may_share(aad_object_id, summary)
    activity = card_activity(
        summary_card(
            summary,
            services.bank,
            language,
            services.min_group_size,
            choices,
            shareable=shareable,
            short_form=await short_form_of(services, summary),
        )
    )
    key = "leader_result.ready" if summary.figures is not None else "leader_result.too_few"
    activity.text = t(language, key, team=summary.unit_name)
    return activity
