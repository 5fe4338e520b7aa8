"""Adding to and moving on a unit's handlingsplan from the summary card.

Card data is untrusted: the unit and the action are checked against what this person may see
(storage.results.actions), every field is validated there, and a bad field gets a reply that names
it and changes nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from dialogs.cards.action_plan import (
    ADDRESSES_INPUT,
    DEADLINE_INPUT,
    RESPONSIBLE_INPUT,
    STATUS_INPUT,
    TITLE_INPUT,
)
from dialogs.flows.summary import leader_units, refuse, unit_name
from dialogs.i18n import t
from dialogs.turn import Turn
from storage.errors import DomainError, UnitNotFound
from storage.results.actions import ActionNotFound, InvalidAction, parse_action

log = logging.getLogger(__name__)
FIELDS = {
    TITLE_INPUT: "title",
    ADDRESSES_INPUT: "addresses",
    RESPONSIBLE_INPUT: "responsible",
    DEADLINE_INPUT: "deadline",
    STATUS_INPUT: "status",
}


def _fields(value: dict[str, Any]) -> dict[str, Any]:
    """The card's inputs under the plan's field names (inputs not on the card are left out)."""
    return {field: value[key] for key, field in FIELDS.items() if key in value}


async def refuse_plan(turn: Turn, error: DomainError) -> bool:
    """A bad field is named; an action not found or not this person's is said; nothing changes."""
    if isinstance(error, InvalidAction):
        log.info("plan.refused", extra={"reason": error.code, "field": error.field})
        field = error.field if error.field in FIELDS.values() else "title"
        await turn.context.send_activity(t(turn.language, f"plan.invalid.{field}"))
    elif isinstance(error, ActionNotFound):
        log.info("plan.refused", extra={"reason": error.code})
        await turn.context.send_activity(t(turn.language, "plan.not_found"))
    else:
        return await refuse(turn, error)
    return True


async def add_planned_action(turn: Turn) -> None:
    """A new line in the plan; the unit's next pulse asks about it by name."""
    visible = await leader_units(turn)
    value: dict[str, Any] = turn.activity.value
    unit_id, round_id = value.get("unit"), value.get("round")
    if not isinstance(unit_id, str) or (round_id is not None and not isinstance(round_id, str)):
        raise UnitNotFound("missing")
    action = parse_action(_fields(value), turn.services.bank)
    saved = await turn.services.summaries.plan.add(unit_id, round_id, action, visible)
    log.info("plan.added")
    await turn.context.send_activity(
        t(turn.language, "plan.saved", title=saved.title, unit=await unit_name(turn, unit_id))
    )


async def update_planned_action(turn: Turn) -> None:
    """Status, who and by when, as the team moves on (the title stays as agreed)."""
    visible = await leader_units(turn)
    value: dict[str, Any] = turn.activity.value
    action_id = value.get("id")
    if not isinstance(action_id, str):
        raise ActionNotFound("missing")
    changes = {k: v for k, v in _fields(value).items() if k != "title"}
    saved = await turn.services.summaries.plan.update(action_id, changes, visible)
    log.info("plan.updated", extra={"status": saved.status.value})
    status = t(turn.language, f"plan.status.{saved.status.value}")
    await turn.context.send_activity(
        t(turn.language, "plan.updated", title=saved.title, status=status)
    )
