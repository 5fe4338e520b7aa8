"""HR's cards for one change to the hierarchy: pick a unit, then set its parent and its leaders."""

from __future__ import annotations

from typing import Any

from dialogs.cards.common import Card, adaptive_card, heading, paragraph
from dialogs.i18n import Language, t
from storage.directory.hierarchy import PersonRef, UnitDetails, UnitNode

PICK_ACTION = "unit.pick"
SAVE_ACTION = "unit.save"
UNIT_INPUT = "unit"
PARENT_INPUT = "parent"
MEMBER_INPUT = "leader_member"
AAD_INPUT = "leader_aad"
REMOVE_INPUT = "leader_remove"
TOP = "top"  # the parent choice "no parent": never a unit id (those are 32 hex digits)


def paths(outline: list[UnitNode]) -> dict[str, str]:
    """unit id → "Organisation › Centre › Team", so units with the same name can be told apart."""
    trail: list[str] = []
    result: dict[str, str] = {}
    for node in outline:
        del trail[node.depth :]
        trail.append(node.unit.name)
        result[node.unit.id] = " › ".join(trail)
    return result


def person(language: Language, who: PersonRef) -> str:
    return who.name or t(language, "unit.person_unknown", aad=who.aad_object_id)


def _choices(options: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"title": title, "value": value} for title, value in options]


def pick_card(language: Language, outline: list[UnitNode]) -> Card:
    titles = paths(outline)
    body: list[dict[str, Any]] = [
        heading(t(language, "unit.title")),
        paragraph(t(language, "unit.intro")),
        {
            "type": "Input.ChoiceSet",
            "id": UNIT_INPUT,
            "style": "compact",
            "isRequired": True,
            "errorMessage": t(language, "unit.pick_required"),
            "label": t(language, "unit.pick_label"),
            "choices": _choices([(titles[n.unit.id], n.unit.id) for n in outline]),
        },
    ]
    action = {
        "type": "Action.Submit",
        "title": t(language, "unit.pick_submit"),
        "data": {"action": PICK_ACTION},
    }
    return adaptive_card(body, [action])


def edit_card(
    language: Language, details: UnitDetails, outline: list[UnitNode], below: set[str]
) -> Card:
    """Parent choices leave out the unit and everything below it: no cycle can be picked."""
    unit = details.unit
    titles = paths(outline)
    leaders = ", ".join(person(language, who) for who in details.leaders)
    parent_options = [(t(language, "unit.top"), TOP)] + [
        (titles[n.unit.id], n.unit.id) for n in outline if n.unit.id not in below
    ]
    body: list[dict[str, Any]] = [
        heading(t(language, "unit.edit_title", unit=unit.name)),
        {
            "type": "FactSet",
            "facts": [
                {
                    "title": t(language, "unit.parent_fact"),
                    "value": titles.get(details.parent.id, details.parent.name)
                    if details.parent
                    else t(language, "unit.top"),
                },
                {
                    "title": t(language, "unit.leaders_fact"),
                    "value": leaders or t(language, "unit.no_leaders"),
                },
            ],
        },
        {
            "type": "Input.ChoiceSet",
            "id": PARENT_INPUT,
            "style": "compact",
            "label": t(language, "unit.parent_label"),
            "value": details.parent.id if details.parent else TOP,
            "choices": _choices(parent_options),
        },
    ]
    current = {who.aad_object_id for who in details.leaders}
    candidates = [who for who in details.members if who.aad_object_id not in current]
    if candidates:
        body.append(
            {
                "type": "Input.ChoiceSet",
                "id": MEMBER_INPUT,
                "style": "compact",
                "label": t(language, "unit.member_label"),
                "placeholder": t(language, "unit.member_placeholder"),
                "choices": _choices([(person(language, w), w.aad_object_id) for w in candidates]),
            }
        )
    body.append(
        {
            "type": "Input.Text",
            "id": AAD_INPUT,
            "label": t(language, "unit.aad_label"),
            "placeholder": t(language, "unit.aad_placeholder"),
            "maxLength": 100,
        }
    )
    if details.leaders:
        body.append(
            {
                "type": "Input.ChoiceSet",
                "id": REMOVE_INPUT,
                "style": "compact",
                "label": t(language, "unit.remove_label"),
                "placeholder": t(language, "unit.remove_placeholder"),
                "choices": _choices(
                    [(person(language, w), w.aad_object_id) for w in details.leaders]
                ),
            }
        )
    body.append(paragraph(t(language, "unit.file_hint"), isSubtle=True, size="Small"))
    action = {
        "type": "Action.Submit",
        "title": t(language, "unit.save"),
        "style": "positive",
        "data": {"action": SAVE_ACTION, UNIT_INPUT: unit.id},
    }
    return adaptive_card(body, [action])
