"""Cards for dialogue prompts: HR's menu, form, library and publish form; the reflection cards.

The reflection card is answered with Action.Submit and then replaced by the pulse's neutral thanks
card (`dialogs.cards.pulse.thanks_card`), identical for everyone whatever they wrote (rule 8).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dialogs.cards.common import (
    Card,
    adaptive_card,
    anonymous_footer,
    heading,
    paragraph,
    submit,
)
from dialogs.dates import local_datetime
from dialogs.i18n import Language, t
from storage.answers.reflections import MAX_REFLECTION_LENGTH, RATING_VALUES
from storage.prompts.validation import MAX_PROMPT_LENGTH, MAX_RATING_LENGTH, PromptView
from storage.prompts.views import PromptRoundInfo
from storage.rounds.lifecycle import RoundInfo
from storage.tables.prompts import Delivery, Theme
from storage.values import UnitInfo

MENU_ACTION = "hr.menu"
FORM_ACTION = "prompt.form"
CREATE_ACTION = "prompt.create"
LIBRARY_ACTION = "prompt.library"
PUBLISH_FORM_ACTION = "publish.form"
PUBLISH_ACTION = "publish.submit"
REFLECT_ACTION = "reflection.answer"
PRIVATE_CARD_ACTION = "reflection.private"

RATING_INPUT = "rating"
TEXT_INPUT = "reflection"
CADENCES = ("now", "7", "14", "28")
WEEKDAYS_SHOWN = range(5)  # Monday to Friday
LIBRARY_LINES_PER_THEME = 10


def theme_name(theme: Theme, language: Language) -> str:
    return t(language, f"theme.{theme.value}")


def _short(text: str, length: int = 70) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _text_input(
    input_id: str, label: str, max_length: int, *, required: bool, language: Language
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "Input.Text",
        "id": input_id,
        "label": label,
        "placeholder": t(language, f"prompt_form.placeholder_{input_id}"),
        "isMultiline": True,
        "maxLength": max_length,
    }
    if required:
        element.update(isRequired=True, errorMessage=t(language, "prompt_form.required"))
    return element


def _choices(
    input_id: str, label: str, options: Sequence[tuple[str, str]], **extra: Any
) -> dict[str, Any]:
    return {
        "type": "Input.ChoiceSet",
        "id": input_id,
        "label": label,
        "choices": [{"title": title, "value": value} for value, title in options],
        **extra,
    }


# --- HR ----------------------------------------------------------------------------------------


def hr_menu_card(language: Language, counts: Mapping[Theme, int], scheduled: int) -> Card:
    """What HR can do with prompts and pulses, and how full the library is."""
    lines = [
        t(language, "hr_menu.theme_line", theme=theme_name(theme, language), count=count)
        for theme, count in counts.items()
    ]
    body = [
        heading(t(language, "hr_menu.title")),
        paragraph(t(language, "hr_menu.intro")),
        paragraph("\n".join(f"- {line}" for line in lines)),
        paragraph(t(language, "hr_menu.scheduled", count=scheduled), isSubtle=True),
    ]
    return adaptive_card(
        body,
        [
            submit(t(language, "hr_menu.new_prompt"), FORM_ACTION),
            submit(t(language, "hr_menu.publish"), PUBLISH_FORM_ACTION),
            submit(t(language, "hr_menu.library"), LIBRARY_ACTION),
        ],
    )


def prompt_form_card(language: Language, form_id: str) -> Card:
    """The new-prompt form. `form_id` makes a double submit create the prompt only once."""
    themes = [(theme.value, theme_name(theme, language)) for theme in Theme]
    body = [
        heading(t(language, "prompt_form.title")),
        paragraph(t(language, "prompt_form.intro"), isSubtle=True),
        _choices(
            "theme",
            t(language, "prompt.field.theme"),
            themes,
            style="expanded",
            isRequired=True,
            errorMessage=t(language, "prompt_form.required"),
        ),
        _text_input(
            "text_da",
            t(language, "prompt.field.text.da"),
            MAX_PROMPT_LENGTH,
            required=True,
            language=language,
        ),
        _text_input(
            "text_en",
            t(language, "prompt.field.text.en"),
            MAX_PROMPT_LENGTH,
            required=True,
            language=language,
        ),
        paragraph(t(language, "prompt_form.rating_hint"), isSubtle=True, spacing="Medium"),
        _text_input(
            "rating_da",
            t(language, "prompt.field.rating.da"),
            MAX_RATING_LENGTH,
            required=False,
            language=language,
        ),
        _text_input(
            "rating_en",
            t(language, "prompt.field.rating.en"),
            MAX_RATING_LENGTH,
            required=False,
            language=language,
        ),
        _choices(
            "state",
            t(language, "prompt.field.state"),
            [
                ("active", t(language, "prompt_form.state_active")),
                ("draft", t(language, "prompt_form.state_draft")),
            ],
            style="expanded",
            value="active",
        ),
    ]
    action = {
        "type": "Action.Submit",
        "title": t(language, "prompt_form.save"),
        "style": "positive",
        "data": {"action": CREATE_ACTION, "form": form_id},
    }
    return adaptive_card(body, [action])


def prompt_saved_card(language: Language, prompt: PromptView) -> Card:
    """Replaces the form once saved: what was saved, and the next step."""
    body = [
        heading(t(language, "prompt_saved.title")),
        paragraph(
            t(
                language,
                "prompt_saved.summary",
                theme=theme_name(prompt.theme, language),
                state=t(language, f"prompt.state.{prompt.state.value}"),
                id=prompt.id,
            ),
            isSubtle=True,
        ),
        paragraph(f"**DA** {prompt.text.da}"),
        paragraph(f"**EN** {prompt.text.en}"),
    ]
    if prompt.rating:
        body.append(
            paragraph(t(language, "prompt_saved.rating", question=prompt.rating.get(language)))
        )
    actions = [submit(t(language, "hr_menu.new_prompt"), FORM_ACTION)]
    if prompt.state.value == "active":
        actions.insert(
            0, submit(t(language, "prompt_saved.publish"), PUBLISH_FORM_ACTION, prompt=prompt.id)
        )
    return adaptive_card(body, actions)


def library_card(language: Language, prompts: Sequence[PromptView]) -> Card:
    """The active library per theme; long libraries are cut, the CLI and API list everything."""
    body = [heading(t(language, "library.title"))]
    for theme in Theme:
        mine = [p for p in prompts if p.theme is theme]
        body.append(
            paragraph(
                f"{theme_name(theme, language)} ({len(mine)})", weight="Bolder", spacing="Medium"
            )
        )
        lines = [
            f"- {_short(p.text.get(language), 110)} `{p.id}`"
            for p in mine[:LIBRARY_LINES_PER_THEME]
        ]
        if len(mine) > LIBRARY_LINES_PER_THEME:
            lines.append(t(language, "library.more", count=len(mine) - LIBRARY_LINES_PER_THEME))
        body.append(paragraph("\n".join(lines) if lines else t(language, "library.empty")))
    return adaptive_card(
        body,
        [
            submit(t(language, "hr_menu.new_prompt"), FORM_ACTION),
            submit(t(language, "hr_menu.publish"), PUBLISH_FORM_ACTION),
        ],
    )


def publish_form_card(
    language: Language,
    form_id: str,
    prompts: Sequence[PromptView],
    units: Sequence[UnitInfo],
    open_days: int,
    selected: str | None = None,
) -> Card:
    """What (a prompt, a theme in turn, a pulse), to whom, how, when; one submit."""
    content = [
        (f"prompt:{p.id}", f"{theme_name(p.theme, language)}: {_short(p.text.get(language))}")
        for p in prompts
    ]
    content += [
        (
            f"theme:{theme.value}",
            t(language, "publish.content_theme", theme=theme_name(theme, language)),
        )
        for theme in Theme
    ]
    content.append(("pulse", t(language, "publish.content_pulse")))
    content.append(("pulse:short_form", t(language, "publish.content_pulse_short_form")))
    unit_choices = [("all", t(language, "publish.all_units"))] + [(u.id, u.name) for u in units]
    weekdays = t(language, "date.weekdays").split(",")
    body = [
        heading(t(language, "publish.title")),
        _choices(
            "content",
            t(language, "publish.field.content"),
            content,
            style="compact",
            isRequired=True,
            errorMessage=t(language, "prompt_form.required"),
            **({"value": f"prompt:{selected}"} if selected else {}),
        ),
        _choices(
            "units",
            t(language, "publish.field.units"),
            unit_choices,
            style="expanded" if len(unit_choices) <= 15 else "compact",
            isMultiSelect=True,
            isRequired=True,
            errorMessage=t(language, "prompt_form.required"),
        ),
        _choices(
            "delivery",
            t(language, "publish.field.delivery"),
            [
                (Delivery.PERSONAL.value, t(language, "publish.delivery_personal")),
                (Delivery.CHANNEL.value, t(language, "publish.delivery_channel")),
            ],
            style="expanded",
            value=Delivery.PERSONAL.value,
        ),
        _choices(
            "when",
            t(language, "publish.field.when"),
            [(value, t(language, f"publish.when_{value}")) for value in CADENCES],
            style="expanded",
            value="now",
        ),
        _choices(
            "weekday",
            t(language, "publish.field.weekday"),
            [(str(day), weekdays[day]) for day in WEEKDAYS_SHOWN],
            style="compact",
            value="0",
        ),
        {
            "type": "Input.Time",
            "id": "time",
            "label": t(language, "publish.field.time"),
            "value": "09:00",
        },
        {
            "type": "Input.Number",
            "id": "open_days",
            "label": t(language, "publish.field.open_days"),
            "min": 1,
            "max": 30,
            "value": open_days,
        },
        paragraph(t(language, "publish.hint"), isSubtle=True, size="Small"),
    ]
    action = {
        "type": "Action.Submit",
        "title": t(language, "publish.submit"),
        "style": "positive",
        "data": {"action": PUBLISH_ACTION, "form": form_id},
    }
    return adaptive_card(body, [action])


def publish_done_card(language: Language, lines: Sequence[str]) -> Card:
    """Replaces the publish form: what was sent or planned (no answers exist yet, nothing personal)."""
    return adaptive_card(
        [
            heading(t(language, "publish.done_title")),
            paragraph("\n".join(f"- {line}" for line in lines)),
        ],
        [submit(t(language, "hr_menu.publish"), PUBLISH_FORM_ACTION)],
    )


# --- employees -----------------------------------------------------------------------------------


def reflection_card(info: PromptRoundInfo, language: Language, k: int, *, comment_k: int) -> Card:
    """The prompt, an optional 1–5 rating and a short free text; both optional, one submit."""
    body: list[dict[str, Any]] = [
        heading(t(language, "reflection.title", theme=theme_name(info.theme, language))),
        paragraph(info.unit_name, isSubtle=True, spacing="None"),
        paragraph(info.text(language), size="Medium", spacing="Medium"),
    ]
    rating = info.rating(language)
    if rating:
        labels = {1: t(language, "reflection.rating_low"), 5: t(language, "reflection.rating_high")}
        body.append(
            _choices(
                RATING_INPUT,
                rating,
                [
                    (str(value), f"{value} – {labels[value]}" if value in labels else str(value))
                    for value in RATING_VALUES
                ],
                style="expanded",
                spacing="Medium",
            )
        )
    body.append(
        {
            "type": "Input.Text",
            "id": TEXT_INPUT,
            "label": t(language, "reflection.text_label"),
            "placeholder": t(language, "reflection.text_placeholder", n=comment_k),
            "isMultiline": True,
            "maxLength": MAX_REFLECTION_LENGTH,
            "spacing": "Medium",
        }
    )
    body.extend(
        anonymous_footer(
            language,
            "reflection.anonymous",
            "reflection.closes",
            info.closes_at,
            k=k,
            comment_k=comment_k,
        )
    )
    action = {
        "type": "Action.Submit",
        "title": t(language, "reflection.submit"),
        "style": "positive",
        "data": {"action": REFLECT_ACTION, "round": info.id},
    }
    return adaptive_card(body, [action])


def channel_prompt_card(
    info: PromptRoundInfo, language: Language, k: int, *, comment_k: int
) -> Card:
    """For the team channel: the prompt as a shared starting point; answers go to personal chats."""
    body = [
        heading(t(language, "channel_prompt.title", theme=theme_name(info.theme, language))),
        paragraph(info.text(language), size="Medium"),
        paragraph(t(language, "channel_prompt.body")),
        *anonymous_footer(
            language,
            "channel_prompt.private",
            "reflection.closes",
            info.closes_at,
            k=k,
            comment_k=comment_k,
        ),
    ]
    return adaptive_card(
        body, [submit(t(language, "channel_prompt.button"), PRIVATE_CARD_ACTION, round=info.id)]
    )


def pulse_announcement_card(info: RoundInfo, language: Language, k: int) -> Card:
    """For the team channel: a pulse has opened; it is answered privately, never in the channel."""
    return adaptive_card(
        [
            heading(t(language, "pulse_announcement.title", team=info.unit_name)),
            paragraph(t(language, "pulse_announcement.body", k=k)),
            paragraph(
                t(language, "pulse.closes", closes=local_datetime(info.closes_at, language)),
                isSubtle=True,
                size="Small",
            ),
        ]
    )
