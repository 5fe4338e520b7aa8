"""The leader's summary card: scores, trend, comparison, comments, dialogue questions, actions.

Scores are drawn with Teams' `Chart.HorizontalBar`, the answers and each question's trend with
the charts of dialogs/cards/charts.py; clients that do not know a chart element (older Teams)
render its fallback (for the scores, bars made from column sets). The Agents Playground 0.2.28
draws all three (tests/e2e/test_summary_charts_e2e.py).
"""

from __future__ import annotations

from typing import Any

from dialogs.cards.action_plan import add_form, plan_section
from dialogs.cards.charts import distribution_charts, question_trend_section
from dialogs.cards.common import Card, adaptive_card, heading, paragraph
from dialogs.cards.document import document_button
from dialogs.cards.plain_text import comment_block
from dialogs.cards.share_button import share_action
from dialogs.cards.short_form import short_form_section
from dialogs.dates import local_datetime
from dialogs.i18n import Language, t
from storage.question_bank import QuestionBank
from storage.results.figures import Figures
from storage.results.short_form import ShortFormScore
from storage.results.values import Choice, ReflectionSummary, Summary

SHOW_ACTION = "summary.show"
RECORD_ACTION = "summary.action"
ACTION_INPUT = "action_text"
CHOICE_INPUT = "choice"


def month_label(period: str, language: Language) -> str:
    year, month = period.split("-")
    return f"{t(language, 'date.months').split(',')[int(month) - 1]} {year}"


def dimension_name(bank: QuestionBank, dimension: str, language: Language) -> str:
    texts = bank.dimensions.get(dimension)
    return texts.get(language) if texts else dimension


def _bar(label: str, score: float) -> dict[str, Any]:
    """One bar of the fallback chart: a coloured column as wide as the score."""
    filled = max(1, round(score))
    columns: list[dict[str, Any]] = [
        {"type": "Column", "width": 35, "items": [paragraph(label, size="Small")]},
        {
            "type": "Column",
            "width": filled,
            "style": "accent",
            "items": [{"type": "TextBlock", "text": " ", "size": "Small"}],
        },
    ]
    if filled < 100:
        columns.append({"type": "Column", "width": 100 - filled, "items": []})
    columns.append(
        {"type": "Column", "width": "auto", "items": [paragraph(f"**{score:.0f}**", size="Small")]}
    )
    return {"type": "ColumnSet", "columns": columns, "spacing": "Small"}


def _score_chart(bank: QuestionBank, figures: Figures, language: Language) -> dict[str, Any]:
    names = [(dimension_name(bank, d.dimension, language), d.score) for d in figures.dimensions]
    return {
        "type": "Chart.HorizontalBar",
        "title": t(language, "summary.scores_title"),
        "data": [{"x": name, "y": round(score)} for name, score in names],
        "fallback": {
            "type": "Container",
            "items": [
                paragraph(t(language, "summary.scores_title"), weight="Bolder"),
                *[_bar(name, score) for name, score in names],
            ],
        },
    }


def _distribution(figures: Figures, bank: QuestionBank, language: Language) -> dict[str, Any]:
    facts = []
    for result in figures.dimensions:
        total = sum(result.distribution) or 1
        shares = " / ".join(f"{round(100 * c / total)}%" for c in result.distribution)
        # A month's dimension counts only the rounds that asked it: say so when that is fewer.
        key = "summary.score_line" if total == figures.responses else "summary.score_line_answers"
        score = f"{result.score:.0f}"
        facts.append(
            {
                "title": dimension_name(bank, result.dimension, language),
                "value": t(language, key, score=score, answers=total, distribution=shares),
            }
        )
    return {"type": "FactSet", "facts": facts, "spacing": "Small"}


def _withheld(figures: Figures, bank: QuestionBank, language: Language, k: int) -> list[Any]:
    if not figures.withheld:
        return []
    names = ", ".join(
        dimension_name(bank, d, language) for d in bank.dimensions if d in figures.withheld
    )
    return [paragraph(t(language, "summary.withheld", dimensions=names, k=k), isSubtle=True)]


def _comparison(
    summary: Summary, bank: QuestionBank, language: Language, k: int
) -> list[dict[str, Any]]:
    if summary.figures is None or (summary.parent is None and not summary.baseline):
        return []
    parent = summary.parent
    facts = []
    for result in summary.figures.dimensions:
        parts = [f"{result.score:.0f}"]
        if parent and parent.scores and result.dimension in parent.scores:
            label = t(
                language,
                "summary.compare_parent",
                unit=parent.unit_name,
                month=month_label(parent.period, language),
            )
            parts.append(f"{label}: {parent.scores[result.dimension]:.0f}")
        if result.dimension in summary.baseline:
            source = summary.baseline_source or t(language, "summary.baseline")
            parts.append(f"{source}: {summary.baseline[result.dimension]:.0f}")
        facts.append(
            {"title": dimension_name(bank, result.dimension, language), "value": " · ".join(parts)}
        )
    items: list[dict[str, Any]] = [
        paragraph(t(language, "summary.compare_title"), weight="Bolder", spacing="Medium"),
        {"type": "FactSet", "facts": facts},
    ]
    if parent and parent.scores is None and parent.suppressed:
        reason = t(language, f"summary.suppressed.{parent.suppressed.value}", k=k)
        items.append(
            paragraph(
                t(language, "summary.compare_hidden", unit=parent.unit_name, reason=reason),
                isSubtle=True,
                size="Small",
            )
        )
    return items


def _dialogue(figures: Figures, bank: QuestionBank, language: Language) -> list[dict[str, Any]]:
    weakest = figures.weakest()
    if weakest is None:
        return []
    questions = t(language, f"dialogue.{weakest}").split("|")
    return [
        paragraph(
            t(
                language,
                "summary.dialogue_title",
                dimension=dimension_name(bank, weakest, language),
            ),
            weight="Bolder",
            spacing="Medium",
        ),
        paragraph("\n".join(f"- {q}" for q in questions)),
    ]


def _comments(summary: Summary, language: Language) -> list[dict[str, Any]]:
    """A round's comments, one block each as plain text (rule 6), or why there are none."""
    items = [paragraph(t(language, "summary.comments_title"), weight="Bolder", spacing="Medium")]
    if summary.comments_held_back:
        n = summary.comment_threshold
        items.append(paragraph(t(language, "summary.comments_held_back", n=n), isSubtle=True))
    elif summary.comments:
        items.extend(comment_block(comment) for comment in summary.comments)
    else:
        items.append(paragraph(t(language, "summary.no_comments"), isSubtle=True))
    return items


def _choice_label(choice: Choice, language: Language) -> str:
    if choice.prompt_text and choice.closes_at:
        return t(
            language,
            "summary.reflection_label",
            unit=choice.unit_name,
            date=local_datetime(choice.closes_at, language),
        )
    if choice.round_id and choice.closes_at:
        return t(
            language,
            "summary.round_label",
            unit=choice.unit_name,
            sequence=choice.sequence,
            date=local_datetime(choice.closes_at, language),
        )
    return t(
        language,
        "summary.period_label",
        unit=choice.unit_name,
        month=month_label(choice.period, language),
    )


def choice_value(choice: Choice) -> str:
    if choice.prompt_text and choice.round_id:
        return f"prompt:{choice.round_id}"
    if choice.round_id:
        return f"round:{choice.round_id}"
    return f"unit:{choice.unit_id}:{choice.period}"


def summary_card(
    summary: Summary,
    bank: QuestionBank,
    language: Language,
    k: int,
    choices: list[Choice],
    *,
    shareable: bool = False,
    short_form: ShortFormScore | None = None,
) -> Card:
    """Everything a leader needs for the next meeting, and nothing that was not released.

    `shareable`: the viewer may post this round's result in the team's channel (checked again
    when they press; dialogs/flows/share.py)."""
    if summary.round_id:
        title = t(
            language, "summary.title_round", unit=summary.unit_name, sequence=summary.sequence
        )
    else:
        title = t(
            language,
            "summary.title_period",
            unit=summary.unit_name,
            month=month_label(summary.period, language),
        )
    body: list[dict[str, Any]] = [heading(title)]
    if summary.closes_at:
        body.append(
            paragraph(
                t(language, "summary.closed_on", date=local_datetime(summary.closes_at, language)),
                isSubtle=True,
                size="Small",
            )
        )
    figures = summary.figures
    if figures is None:
        reason = summary.suppressed.value if summary.suppressed else "too_few"
        body.append(paragraph(t(language, f"summary.suppressed.{reason}", k=k), color="Attention"))
        body.extend(short_form_section(short_form, language, k))
    else:
        body.append(
            paragraph(
                t(
                    language,
                    "summary.responses",
                    responses=figures.responses,
                    eligible=figures.eligible,
                    rate=round(100 * figures.response_rate),
                )
            )
        )
        body.append(_score_chart(bank, figures, language))
        body.extend(short_form_section(short_form, language, k))
        body.extend(distribution_charts(figures, bank, language))
        body.append(_distribution(figures, bank, language))
        body.extend(_withheld(figures, bank, language, k))
        body.extend(question_trend_section(summary, bank, language, k))
        body.extend(_comparison(summary, bank, language, k))
        if summary.round_id:
            body.extend(_comments(summary, language))
        body.extend(_dialogue(figures, bank, language))
    body.extend(plan_section(summary.plan, bank, language))
    actions: list[dict[str, Any]] = [add_form(summary.unit_id, summary.round_id, bank, language)]
    actions.append(document_button(summary.unit_id, summary.period, language))
    if len(choices) > 1:
        actions.append(
            {
                "type": "Action.ShowCard",
                "title": t(language, "summary.choose_other"),
                "card": {
                    "type": "AdaptiveCard",
                    "body": [
                        {
                            "type": "Input.ChoiceSet",
                            "id": CHOICE_INPUT,
                            "label": t(language, "summary.choose_label"),
                            "style": "compact",
                            "value": choice_value(choices[0]),
                            "choices": [
                                {"title": _choice_label(c, language), "value": choice_value(c)}
                                for c in choices
                            ],
                        }
                    ],
                    "actions": [
                        {
                            "type": "Action.Submit",
                            "title": t(language, "summary.choose_submit"),
                            "data": {"action": SHOW_ACTION},
                        }
                    ],
                },
            }
        )
    if shareable:
        actions.append(share_action(summary, language))
    return adaptive_card(body, actions)


def reflection_card(summary: ReflectionSummary, language: Language, k: int) -> Card:
    """Reflections for the team meeting: the prompt, then the texts in random order (rule 6)."""
    body: list[dict[str, Any]] = [
        heading(t(language, "summary.reflection_title", unit=summary.unit_name)),
        paragraph(f"*{summary.prompt_text[language]}*"),
    ]
    released = summary.released
    if released is None:
        body.append(paragraph(t(language, "summary.suppressed.too_few", k=k), color="Attention"))
        return adaptive_card(body)
    body.append(
        paragraph(t(language, "summary.reflection_responses", responses=released.responses))
    )
    if released.ratings:
        spread = " / ".join(f"{value}: {released.ratings.get(value, 0)}" for value in range(1, 6))
        body.append(paragraph(t(language, "summary.ratings", distribution=spread)))
    elif released.ratings_held_back:
        body.append(paragraph(t(language, "summary.ratings_held_back", k=k), isSubtle=True))
    if released.texts_held_back:
        n = released.comment_threshold
        body.append(paragraph(t(language, "summary.reflections_held_back", n=n), isSubtle=True))
    elif released.texts:
        body.append(paragraph(t(language, "summary.reflection_order"), isSubtle=True))
        body.extend(comment_block(text) for text in released.texts)
    else:
        body.append(paragraph(t(language, "summary.no_reflections"), isSubtle=True))
    return adaptive_card(body)
