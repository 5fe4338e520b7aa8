"""The pulse card and its neutral replacement.

The thanks card is the same for everyone in a language: it must repeat nothing the person
chose (rule 8), because chat history is kept by the tenant and searchable by its admins.
"""

from __future__ import annotations

from typing import Any

from dialogs.cards.common import Card, adaptive_card, anonymous_footer, heading, paragraph
from dialogs.cards.plain_text import plain_text
from dialogs.i18n import Language, t
from storage.answers.pulse import MAX_COMMENT_LENGTH
from storage.question_bank import QuestionBank
from storage.rounds.lifecycle import RoundInfo

ANSWER_ACTION = "pulse.answer"
INPUT_PREFIX = "q_"
COMMENT_INPUT = "comment"


def _question(
    bank: QuestionBank, item_id: str, number: int, language: Language, follow_up: str | None
) -> list[dict[str, Any]]:
    item = bank.item(item_id)
    scale = bank.scales[item.scale]
    labels = scale.labels[language]
    text = item.text.get(language)
    if follow_up is not None and bank.follow_up is not None and item_id == bank.follow_up.id:
        # The action by name, as plain text: a leader's words, shown to the whole team.
        text = t(language, "pulse.follow_up_named", title=plain_text(follow_up))
    return [
        paragraph(f"**{number}.** {text}", spacing="Medium"),
        {
            "type": "Input.ChoiceSet",
            "id": f"{INPUT_PREFIX}{item_id}",
            "style": "expanded",
            "isRequired": True,
            "errorMessage": t(language, "pulse.required"),
            "label": t(language, "pulse.choose"),
            "choices": [
                {"title": label, "value": str(value)}
                for value, label in zip(scale.values(), labels, strict=True)
            ],
        },
    ]


def pulse_card(
    pulse: RoundInfo,
    bank: QuestionBank,
    language: Language,
    k: int,
    *,
    comment_k: int,
    reminder: bool = False,
) -> Card:
    """One card, all questions, one submit: answering takes under a minute."""
    title_key = "pulse.reminder_title" if reminder else "pulse.title"
    body: list[dict[str, Any]] = [
        heading(t(language, title_key, team=pulse.unit_name)),
        paragraph(t(language, "pulse.intro", count=len(pulse.items))),
    ]
    for number, item_id in enumerate(pulse.items, start=1):
        body.extend(_question(bank, item_id, number, language, pulse.follow_up_title))
    body.append(
        {
            "type": "Input.Text",
            "id": COMMENT_INPUT,
            "label": t(language, "pulse.comment_label"),
            "placeholder": t(language, "pulse.comment_placeholder", n=comment_k),
            "isMultiline": True,
            "maxLength": MAX_COMMENT_LENGTH,
            "spacing": "Medium",
        }
    )
    body.extend(
        anonymous_footer(
            language, "pulse.anonymous", "pulse.closes", pulse.closes_at, k=k, comment_k=comment_k
        )
    )
    action = {
        "type": "Action.Submit",
        "title": t(language, "pulse.submit"),
        "style": "positive",
        "data": {"action": ANSWER_ACTION, "round": pulse.id},
    }
    return adaptive_card(body, [action])


def thanks_card(language: Language) -> Card:
    """Identical for every person and every answer: it carries no information about the answer."""
    return adaptive_card(
        [
            heading(t(language, "pulse.thanks_title")),
            paragraph(t(language, "pulse.thanks_body"), isSubtle=True),
        ]
    )


def answers_from(value: dict[str, Any]) -> dict[str, object]:
    """The question inputs of a submitted card, keyed by item id."""
    return {
        key[len(INPUT_PREFIX) :]: answer
        for key, answer in value.items()
        if key.startswith(INPUT_PREFIX)
    }
