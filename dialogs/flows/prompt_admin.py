"""HR in chat: the menu, the new-prompt form, the library and publishing.

Every step is for HR in their personal chat, checked by its route whatever the card (a card can
be forwarded or replayed; bot/teams/router.py), treats card data as untrusted input, and goes
through the same storage validation as the CLI and the admin API. Bad input gets a reply that
names the field, and changes nothing.
"""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any

from pydantic import ValidationError

from dialogs.cards.common import card_activity
from dialogs.cards.prompts import (
    hr_menu_card,
    library_card,
    prompt_form_card,
    prompt_saved_card,
    publish_done_card,
    publish_form_card,
    theme_name,
)
from dialogs.dates import local_datetime
from dialogs.flows.delivery import show_delivery_status
from dialogs.flows.replace import replace_or_send
from dialogs.i18n import LANGUAGES, Language, t
from dialogs.turn import Turn
from storage.errors import DomainError, UnitNotFound
from storage.files.issues import Issue, issues_from
from storage.prompts.library import new_prompt_id
from storage.prompts.orders import PublicationExists, PublicationIn
from storage.prompts.validation import InvalidPrompts, PromptExists, validate_prompt
from storage.prompts.views import PublishResult
from storage.tables.outbox import OutboxKind
from storage.tables.prompts import ContentKind, Delivery, PromptState

log = logging.getLogger(__name__)

FORM_ID_LENGTH = 32


def _value(turn: Turn) -> dict[str, Any]:
    value = turn.activity.value
    return value if isinstance(value, dict) else {}


def _field(value: dict[str, Any], name: str) -> object:
    """A submitted input; "" (what a card sends for an empty input) counts as not given."""
    raw = value.get(name)
    if isinstance(raw, str) and not raw.strip():
        return None
    return raw


def describe_issues(language: Language, issues: list[Issue], prefix: str) -> str:
    """One line per problem, with the field's name in the person's language."""
    texts = LANGUAGES[language]
    lines = []
    for issue in issues:
        field = texts.get(f"{prefix}.field.{issue.field or 'form'}", issue.field)
        problem = texts.get(f"prompt.problem.{issue.code}", texts["prompt.problem.invalid"])
        lines.append(f"- {field}: {problem}")
    return "\n".join(lines)


async def show_hr_menu(turn: Turn) -> None:
    prompts = turn.services.prompts
    counts = await prompts.library.counts()
    scheduled = len(await prompts.publisher.list_publications(active_only=True))
    await turn.context.send_activity(card_activity(hr_menu_card(turn.language, counts, scheduled)))


async def show_prompt_form(turn: Turn) -> None:
    form = prompt_form_card(turn.language, secrets.token_hex(FORM_ID_LENGTH // 2))
    await turn.context.send_activity(card_activity(form))


async def show_library(turn: Turn) -> None:
    active = await turn.services.prompts.library.list_prompts(state=PromptState.ACTIVE)
    await turn.context.send_activity(card_activity(library_card(turn.language, active)))


def _given(raw: dict[str, object]) -> dict[str, object]:
    """Drop inputs left empty (nested too), so validation reports them as missing."""
    return {
        key: _given(value) if isinstance(value, dict) else value
        for key, value in raw.items()
        if value is not None
    }


def _prompt_from_form(value: dict[str, Any]) -> dict[str, object]:
    """The form's flat inputs in the library's document shape (the shape of the YAML and the API)."""
    raw: dict[str, object] = {name: _field(value, name) for name in ("theme", "state")}
    raw["text"] = {"da": _field(value, "text_da"), "en": _field(value, "text_en")}
    rating = {"da": _field(value, "rating_da"), "en": _field(value, "rating_en")}
    if any(text is not None for text in rating.values()):
        raw["rating"] = rating
    return _given(raw)


async def create_prompt(turn: Turn) -> None:
    """Validate the form like any import; on success the form becomes the saved card."""
    value = _value(turn)
    form_id = value.get("form")
    language = turn.language
    prompt = validate_prompt(_prompt_from_form(value))
    # The id comes from the form, so pressing Save twice saves once.
    hex_form = isinstance(form_id, str) and re.fullmatch(r"[0-9a-f]{32}", form_id)
    suffix = form_id[:8] if hex_form and isinstance(form_id, str) else None
    prompt_id = new_prompt_id(prompt.theme, suffix)
    saved = await turn.services.prompts.library.create(prompt.model_copy(update={"id": prompt_id}))
    log.info("prompt.created", extra={"theme": saved.theme.value, "state": saved.state.value})
    await _replace_or_send(turn, prompt_saved_card(language, saved))


async def refuse_prompt(turn: Turn, error: DomainError) -> bool:
    """Nothing saved: each problem with its field named, or that the form was saved already."""
    language = turn.language
    if isinstance(error, InvalidPrompts):
        log.info(
            "prompt.refused",
            extra={"reason": error.code, "fields": [i.field for i in error.issues]},
        )
        problems = describe_issues(language, error.issues, "prompt")
        await turn.context.send_activity(t(language, "prompt_form.invalid", problems=problems))
        return True
    if isinstance(error, PromptExists):
        await turn.context.send_activity(t(language, "prompt_form.already_saved"))
        return True
    return False


async def _replace_or_send(turn: Turn, card: dict[str, Any]) -> None:
    """HR's forms are replaced by their result, so an old form cannot be submitted by mistake."""
    await replace_or_send(turn, card, log, "prompt_admin.card_update_failed")


async def show_publish_form(turn: Turn) -> None:
    services = turn.services
    selected = _value(turn).get("prompt")
    prompts = await services.prompts.library.list_prompts(state=PromptState.ACTIVE)
    units = await services.directory.installed_units()
    if not units:
        await turn.context.send_activity(t(turn.language, "pulse_start.none"))
        return
    card = publish_form_card(
        turn.language,
        secrets.token_hex(FORM_ID_LENGTH // 2),
        prompts,
        units,
        services.prompts.open_days,
        selected if isinstance(selected, str) and any(p.id == selected for p in prompts) else None,
    )
    await turn.context.send_activity(card_activity(card))


def _order_from_form(value: dict[str, Any]) -> dict[str, object]:
    """The publish form's inputs as a PublicationIn document (the API takes the same shape)."""
    raw: dict[str, object] = {}
    form_id = _field(value, "form")
    if isinstance(form_id, str):
        raw["id"] = form_id
    content = _field(value, "content")
    if isinstance(content, str):
        kind, _, ref = content.partition(":")
        raw["content"] = kind
        if kind == ContentKind.PROMPT.value:
            raw["prompt_id"] = ref
        elif kind == ContentKind.THEME.value:
            raw["theme"] = ref
        elif kind == ContentKind.PULSE.value and ref == "short_form":  # the short form's template
            raw["template"] = {"kind": "short_form"}
    units = _field(value, "units")
    raw["units"] = (
        [u.strip() for u in units.split(",") if u.strip()] if isinstance(units, str) else []
    )
    for name in ("delivery", "open_days"):
        if _field(value, name) is not None:
            raw[name] = _field(value, name)
    when = _field(value, "when")
    if when is not None and when != "now":
        raw["schedule"] = {
            "every_days": when,
            "weekday": _field(value, "weekday") or 0,
            "time": _field(value, "time") or "09:00",
        }
    return raw


def _result_lines(language: Language, result: PublishResult, label: str) -> list[str]:
    if result.scheduled_for is not None:
        # A slot outside working hours opens then, but is sent at the next working moment.
        first = result.sends_at or result.scheduled_for
        return [t(language, "publish.scheduled", what=label, first=local_datetime(first, language))]
    lines = [
        t(
            language,
            "publish.posted" if r.delivery is Delivery.CHANNEL else "publish.sent",
            what=label,
            count=r.eligible_count,
            team=r.unit_name,
        )
        for r in result.rounds
    ]
    lines += [t(language, f"publish.skipped_{s.reason}", team=s.unit_name) for s in result.skipped]
    if result.sends_at is not None and result.rounds:
        lines.append(t(language, "publish.held", sends=local_datetime(result.sends_at, language)))
    return lines or [t(language, "publish.nothing")]


async def publish(turn: Turn) -> None:
    """Publish now or plan it; the form becomes a card saying what happened."""
    language = turn.language
    services = turn.services
    try:
        order = PublicationIn.model_validate(_order_from_form(_value(turn)))
    except ValidationError as error:
        issues = issues_from(error)
        log.info(
            "publish.refused", extra={"reason": "invalid", "fields": [i.field for i in issues]}
        )
        await turn.context.send_activity(
            t(language, "publish.invalid", problems=describe_issues(language, issues, "publish"))
        )
        return
    result = await services.prompts.publisher.publish(
        order, services.now(), requested_by=turn.person.aad_object_id
    )
    log.info(
        "publish.done",
        extra={
            "content": result.content.value,
            "rounds": len(result.rounds),
            "recipients": result.recipients,
            "scheduled": result.scheduled_for is not None,
        },
    )
    await _replace_or_send(
        turn,
        publish_done_card(language, _result_lines(language, result, await _label(turn, order))),
    )
    # One card for the whole push, however many teams it reached: the messages to each person
    # (a pulse always has them), and the posts when it went to the teams' channels.
    if not (result.push_id and result.rounds):
        return
    kinds: list[OutboxKind] = []
    if order.content is ContentKind.PULSE:
        kinds.append(OutboxKind.PULSE)
    elif order.delivery is Delivery.PERSONAL:
        kinds.append(OutboxKind.PROMPT)
    if order.delivery is Delivery.CHANNEL:
        kinds.append(OutboxKind.CHANNEL_POST)
    for kind in kinds:
        await show_delivery_status(turn, kind, result.push_id, result.rounds[0].unit_name)


async def refuse_publish(turn: Turn, refusal: DomainError) -> bool:
    """Nothing published: done already, an unknown team, or the reason in words (or "other")."""
    language = turn.language
    if isinstance(refusal, PublicationExists):
        await turn.context.send_activity(t(language, "publish.already_done"))
        return True
    if isinstance(refusal, UnitNotFound):
        await turn.context.send_activity(t(language, "pulse_start.unknown_unit"))
        return True
    log.info("publish.refused", extra={"reason": refusal.code})
    key = f"publish.refused.{refusal.code}"
    await turn.context.send_activity(
        t(language, key if key in LANGUAGES[language] else "publish.refused.other")
    )
    return True


async def _label(turn: Turn, order: PublicationIn) -> str:
    """What was published, in words: the prompt's text (shortened), the theme, or "mini-trivsel"."""
    language = turn.language
    if order.content is ContentKind.PULSE:
        return t(language, "publish.content_pulse")
    if order.content is ContentKind.THEME:
        assert order.theme is not None
        return t(language, "publish.content_theme", theme=theme_name(order.theme, language))
    assert order.prompt_id is not None
    prompt = await turn.services.prompts.library.get(order.prompt_id)
    text = prompt.text.get(language)
    return f"«{text if len(text) <= 60 else text[:59] + '…'}»"
