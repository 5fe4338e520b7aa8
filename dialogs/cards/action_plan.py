"""The handlingsplan on a summary card: each action with its status and follow-up result, a form
to add one, and a small form per action to move it on (status, who, by when)."""

from __future__ import annotations

from datetime import date
from typing import Any

from dialogs.cards.common import paragraph
from dialogs.cards.plain_text import plain_text
from dialogs.i18n import Language, t
from storage.question_bank import QuestionBank
from storage.results.actions import ActionStatus, PlannedAction
from storage.tables.prompts import Theme

PLAN_ADD_ACTION = "plan.add"
PLAN_UPDATE_ACTION = "plan.update"
TITLE_INPUT = "plan_title"
ADDRESSES_INPUT = "plan_addresses"
RESPONSIBLE_INPUT = "plan_responsible"
DEADLINE_INPUT = "plan_deadline"
STATUS_INPUT = "plan_status"
SHOWN_ON_CARD = 5  # the newest actions; the MED document holds the whole plan


def _status_choices(language: Language) -> list[dict[str, str]]:
    return [
        {"title": t(language, f"plan.status.{s.value}"), "value": s.value} for s in ActionStatus
    ]


def addresses_label(bank: QuestionBank, addresses: str | None, language: Language) -> str:
    """What an action addresses, in the reader's words."""
    if addresses is None:
        return t(language, "plan.addresses_none")
    kind, _, key = addresses.partition(":")
    if kind == "dimension" and key in bank.dimensions:
        return bank.dimensions[key].get(language)
    if kind == "item":
        try:
            return bank.item(key).text.get(language)
        except KeyError:
            return key
    if kind == "theme":
        return t(language, f"theme.{key}")
    return addresses


def _address_choices(bank: QuestionBank, language: Language) -> list[dict[str, str]]:
    dimensions = [
        {"title": text.get(language), "value": f"dimension:{key}"}
        for key, text in bank.dimensions.items()
        if key != "follow_up"
    ]
    themes = [
        {"title": t(language, f"theme.{theme.value}"), "value": f"theme:{theme.value}"}
        for theme in Theme
    ]
    return dimensions + themes


def follow_up_text(action: PlannedAction, language: Language) -> str | None:
    follow_up = action.follow_up
    if follow_up is None:
        return t(language, "plan.follow_up_waiting") if action.will_be_asked else None
    if follow_up.score is None:
        return t(language, "plan.follow_up_hidden", sequence=follow_up.sequence)
    return t(
        language,
        "plan.follow_up_score",
        score=f"{follow_up.score:.0f}",
        sequence=follow_up.sequence,
    )


def deadline_text(value: date | None, language: Language) -> str:
    if value is None:
        return t(language, "plan.no_deadline")
    return value.strftime("%d.%m.%Y") if language == "da" else value.isoformat()


def _update_form(action: PlannedAction, language: Language) -> dict[str, Any]:
    return {
        "type": "Action.ShowCard",
        "title": t(language, "plan.update"),
        "card": {
            "type": "AdaptiveCard",
            "body": [
                {
                    "type": "Input.ChoiceSet",
                    "id": STATUS_INPUT,
                    "label": t(language, "plan.status_label"),
                    "style": "compact",
                    "value": action.status.value,
                    "choices": _status_choices(language),
                },
                {
                    "type": "Input.Text",
                    "id": RESPONSIBLE_INPUT,
                    "label": t(language, "plan.responsible_label"),
                    "value": action.responsible or "",
                    "maxLength": 200,
                },
                {
                    "type": "Input.Date",
                    "id": DEADLINE_INPUT,
                    "label": t(language, "plan.deadline_label"),
                    "value": action.deadline.isoformat() if action.deadline else "",
                },
            ],
            "actions": [
                {
                    "type": "Action.Submit",
                    "title": t(language, "plan.update_submit"),
                    "data": {"action": PLAN_UPDATE_ACTION, "id": action.id},
                }
            ],
        },
    }


def plan_section(
    plan: list[PlannedAction], bank: QuestionBank, language: Language
) -> list[dict[str, Any]]:
    """The newest actions, each a block with its facts and its own update form."""
    if not plan:
        return []
    body: list[dict[str, Any]] = [
        paragraph(t(language, "plan.title"), weight="Bolder", spacing="Medium")
    ]
    for action in plan[:SHOWN_ON_CARD]:
        facts = [
            {
                "title": t(language, "plan.addresses"),
                "value": addresses_label(bank, action.addresses, language),
            },
            {
                "title": t(language, "plan.responsible"),
                "value": plain_text(action.responsible or t(language, "plan.nobody")),
            },
            {
                "title": t(language, "plan.deadline"),
                "value": deadline_text(action.deadline, language),
            },
            {
                "title": t(language, "plan.status"),
                "value": t(language, f"plan.status.{action.status.value}"),
            },
        ]
        follow_up = follow_up_text(action, language)
        if follow_up:
            facts.append({"title": t(language, "plan.follow_up"), "value": follow_up})
        body.append(
            {
                "type": "Container",
                "separator": True,
                "items": [
                    paragraph(plain_text(action.title), weight="Bolder"),
                    {"type": "FactSet", "facts": facts, "spacing": "Small"},
                    {"type": "ActionSet", "actions": [_update_form(action, language)]},
                ],
            }
        )
    return body


def add_form(
    unit_id: str, round_id: str | None, bank: QuestionBank, language: Language
) -> dict[str, Any]:
    """The card's "add to the plan" form: a title, what it addresses, who, by when."""
    return {
        "type": "Action.ShowCard",
        "title": t(language, "summary.record_action"),
        "card": {
            "type": "AdaptiveCard",
            "body": [
                {
                    "type": "Input.Text",
                    "id": TITLE_INPUT,
                    "label": t(language, "summary.action_label"),
                    "placeholder": t(language, "summary.action_placeholder"),
                    "isRequired": True,
                    "errorMessage": t(language, "summary.action_empty"),
                    "maxLength": 500,
                },
                {
                    "type": "Input.ChoiceSet",
                    "id": ADDRESSES_INPUT,
                    "label": t(language, "plan.addresses_label"),
                    "style": "compact",
                    "choices": _address_choices(bank, language),
                },
                {
                    "type": "Input.Text",
                    "id": RESPONSIBLE_INPUT,
                    "label": t(language, "plan.responsible_label"),
                    "placeholder": t(language, "plan.responsible_placeholder"),
                    "maxLength": 200,
                },
                {
                    "type": "Input.Date",
                    "id": DEADLINE_INPUT,
                    "label": t(language, "plan.deadline_label"),
                },
            ],
            "actions": [
                {
                    "type": "Action.Submit",
                    "title": t(language, "summary.action_submit"),
                    "data": {"action": PLAN_ADD_ACTION, "unit": unit_id, "round": round_id},
                }
            ],
        },
    }
