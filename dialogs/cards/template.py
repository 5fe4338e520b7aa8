"""HR's card for which template a unit's pulses are asked from (storage/questions/templates.py)."""

from __future__ import annotations

from typing import Any

from dialogs.cards.common import Card, adaptive_card, heading, paragraph, submit
from dialogs.i18n import Language, t
from storage.questions.templates import TemplateIn, TemplateKind, UnitTemplateView
from storage.values import UnitInfo

TEMPLATE_ACTION = "template.set"
UNIT_INPUT = "unit"
KIND_INPUT = "kind"
ITEMS_INPUT = "items"


def describe_template(template: TemplateIn, language: Language) -> str:
    name = t(language, f"template.kind.{template.kind.value}")
    if template.kind is TemplateKind.FIXED:
        return f"{name}: {', '.join(template.items)}"
    return name


def template_card(
    language: Language, units: list[UnitInfo], chosen: list[UnitTemplateView]
) -> Card:
    body: list[dict[str, Any]] = [
        heading(t(language, "template.title")),
        paragraph(t(language, "template.intro")),
    ]
    if chosen:
        body.append(
            {
                "type": "FactSet",
                "facts": [
                    {"title": view.unit_name, "value": describe_template(view.template, language)}
                    for view in chosen
                ],
            }
        )
    else:
        body.append(paragraph(t(language, "template.all_rotation"), isSubtle=True))
    body += [
        {
            "type": "Input.ChoiceSet",
            "id": UNIT_INPUT,
            "label": t(language, "template.field.unit"),
            "isRequired": True,
            "style": "compact",
            "choices": [{"title": unit.name, "value": unit.id} for unit in units],
        },
        {
            "type": "Input.ChoiceSet",
            "id": KIND_INPUT,
            "label": t(language, "template.field.kind"),
            "style": "expanded",
            "value": TemplateKind.ROTATION.value,
            "choices": [
                {"title": t(language, f"template.kind.{kind.value}"), "value": kind.value}
                for kind in TemplateKind
            ],
        },
        {
            "type": "Input.Text",
            "id": ITEMS_INPUT,
            "label": t(language, "template.field.items"),
            "placeholder": "tk1, tl2, rf3, sa1, tr1",
            "maxLength": 120,
        },
    ]
    return adaptive_card(body, [submit(t(language, "template.save"), TEMPLATE_ACTION)])
