"""The note to leaders above the teams when a month's aggregate is settled (storage/results/month_notes.py).

Rendered when it is sent, for the person it goes to: the month's card of the first unit they lead
that the month concerns (they pick the others on the card), through the same period summary the
`resumé` command reads, so it is never more than disclosure released. A leader who no longer leads
any of those units gets nothing.
"""

from __future__ import annotations

from botbuilder.schema import Activity

from dialogs.cards.common import card_activity
from dialogs.cards.summary import month_label, summary_card
from dialogs.i18n import language_for, t
from dialogs.turn import Services
from storage.delivery.outbox import OutboxJob
from storage.errors import DomainError
from storage.values import Role


async def month_note_activity(job: OutboxJob, services: Services) -> Activity | None:
    period = job.subject_id
    aad_object_id = await services.directory.aad_object_id_of(job.user_id)
    if not aad_object_id:
        return None
    units = await services.month_notes.led_units_above(period, aad_object_id)
    if not units:
        return None
    roles = await services.roles.roles_of(aad_object_id)
    visible = {
        unit.id
        for unit in await services.hierarchy.units_visible_to(aad_object_id, Role.HR in roles)
    }
    try:
        summary = await services.summaries.period_summary(units[0].id, period, visible)
    except DomainError:
        return None
    language = language_for(job.locale, services.default_language)
    choices = await services.summaries.choices(visible)
    activity = card_activity(
        summary_card(summary, services.bank, language, services.min_group_size, choices)
    )
    activity.text = t(
        language,
        "month_note.ready",
        month=month_label(period, language),
        units=", ".join(unit.name for unit in units),
        unit=units[0].name,
    )
    return activity
