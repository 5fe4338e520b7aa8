"""HR changes one unit in chat: where it sits in the organisation, and who leads it.

Every step is HR's only, checked by its route whatever the card (a card can be forwarded or
replayed; bot/teams/router.py), treats the card's data as untrusted, and changes nothing unless the
whole change is valid.
"""

from __future__ import annotations

import logging
from typing import Any

from dialogs.cards.common import card_activity
from dialogs.cards.unit import (
    AAD_INPUT,
    MEMBER_INPUT,
    PARENT_INPUT,
    REMOVE_INPUT,
    TOP,
    UNIT_INPUT,
    edit_card,
    person,
    pick_card,
)
from dialogs.i18n import t
from dialogs.turn import Turn
from storage.directory.hierarchy import KEEP, ChangeReport, HierarchyCycle, InvalidLeader
from storage.errors import DomainError, UnitNotFound

log = logging.getLogger(__name__)

REFUSALS: dict[type[DomainError], str] = {
    UnitNotFound: "unit.unknown",
    HierarchyCycle: "unit.cycle",
    InvalidLeader: "unit.invalid_leader",
}


async def refuse_unit(turn: Turn, error: DomainError) -> bool:
    """The change is refused whole: every domain error is told, and nothing changed."""
    key = next((text for kind, text in REFUSALS.items() if isinstance(error, kind)), None)
    log.info("unit.refused", extra={"reason": error.code})
    await turn.context.send_activity(t(turn.language, key or "unit.refused"))
    return True


def _text(value: dict[str, Any], name: str, invalid: type[DomainError]) -> str | None:
    """A submitted input, stripped; None when missing or empty, refused when it is not text."""
    raw = value.get(name)
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise invalid(name)
    return raw.strip() or None


async def unit_menu(turn: Turn) -> None:
    """`enhed` / `unit`: pick the unit to change."""
    outline = await turn.services.hierarchy.outline()
    if not outline:
        await turn.context.send_activity(t(turn.language, "unit.none"))
        return
    await turn.context.send_activity(card_activity(pick_card(turn.language, outline)))


async def edit_unit(turn: Turn) -> None:
    """HR picked a unit: show its parent and leaders, with inputs to change them."""
    hierarchy = turn.services.hierarchy
    unit_id = _text(turn.activity.value, UNIT_INPUT, UnitNotFound)
    if unit_id is None:
        raise UnitNotFound("missing")
    details = await hierarchy.details(unit_id)
    outline = await hierarchy.outline()
    below = set(await hierarchy.subtree(unit_id))
    await turn.context.send_activity(
        card_activity(edit_card(turn.language, details, outline, below))
    )


async def save_unit(turn: Turn) -> None:
    """Validate the whole change, apply it in one transaction, and say exactly what changed."""
    value: dict[str, Any] = turn.activity.value
    unit_id = _text(value, UNIT_INPUT, UnitNotFound)
    parent = _text(value, PARENT_INPUT, UnitNotFound)
    add = [_text(value, MEMBER_INPUT, InvalidLeader), _text(value, AAD_INPUT, InvalidLeader)]
    remove = [_text(value, REMOVE_INPUT, InvalidLeader)]
    if unit_id is None:
        raise UnitNotFound("missing")
    report = await turn.services.hierarchy.apply_change(
        unit_id,
        parent_id=KEEP if parent is None else None if parent == TOP else parent,
        add=[aad for aad in add if aad],
        remove=[aad for aad in remove if aad],
    )
    log.info(
        "unit.changed",
        extra={"moved": report.moved, "added": len(report.added), "removed": len(report.removed)},
    )
    await turn.context.send_activity(_describe(turn, report))


def _describe(turn: Turn, report: ChangeReport) -> str:
    language, unit = turn.language, report.unit.name
    if not report.changed:
        return t(language, "unit.unchanged", unit=unit)
    lines = []
    if report.moved:
        lines.append(
            t(language, "unit.moved", unit=unit, parent=report.new_parent.name)
            if report.new_parent
            else t(language, "unit.moved_top", unit=unit)
        )
    for who in report.added:
        lines.append(t(language, "unit.leader_added", person=person(language, who), unit=unit))
    for who in report.removed:
        lines.append(t(language, "unit.leader_removed", person=person(language, who), unit=unit))
    return "\n\n".join(lines)
