"""The note at close, as the member reads it: the team's result is out, talk about it together.

Plain text, identical for every member of the team in a language, with no figure in it.
"""

from __future__ import annotations

from botbuilder.core import MessageFactory
from botbuilder.schema import Activity

from dialogs.i18n import language_for, t
from dialogs.turn import Services
from storage.delivery.outbox import OutboxJob


async def closing_note_activity(job: OutboxJob, services: Services) -> Activity | None:
    note = await services.closing_notes.note(job.subject_id)
    if note is None:
        return None
    language = language_for(job.locale, services.default_language)
    key = "round_closed.result_ready" if note.enough_answers else "round_closed.too_few"
    return MessageFactory.text(t(language, key, team=note.unit_name))
