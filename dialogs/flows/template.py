"""HR in chat: pick the template a unit's pulses are asked from (rotation, fixed or short form).

As every HR step: the role is checked again on submit (a card can be forwarded), card data is
untrusted, and it goes through the same checks as the CLI and the admin API.
"""

from __future__ import annotations

import re

from pydantic import ValidationError

from dialogs.cards.common import card_activity
from dialogs.cards.template import (
    ITEMS_INPUT,
    KIND_INPUT,
    UNIT_INPUT,
    describe_template,
    template_card,
)
from dialogs.flows.prompt_admin import _value
from dialogs.i18n import t
from dialogs.turn import Turn
from storage.errors import UnitNotFound
from storage.questions.templates import TemplateIn, TemplateRefused


async def show_template_form(turn: Turn) -> None:
    templates = turn.services.templates
    if templates is None:
        return
    units = await turn.services.directory.installed_units()
    if not units:
        await turn.context.send_activity(t(turn.language, "template.no_units"))
        return
    card = template_card(turn.language, units, await templates.chosen())
    await turn.context.send_activity(card_activity(card))


async def set_template(turn: Turn) -> None:
    templates = turn.services.templates
    if templates is None:
        return
    value = _value(turn)
    unit_id, kind, raw_items = value.get(UNIT_INPUT), value.get(KIND_INPUT), value.get(ITEMS_INPUT)
    items = [i for i in re.split(r"[\s,;]+", raw_items) if i] if isinstance(raw_items, str) else []
    if not isinstance(unit_id, str) or not unit_id:
        await turn.context.send_activity(t(turn.language, "template.pick_unit"))
        return
    try:
        template = TemplateIn.model_validate(
            {"kind": kind or "rotation", "items": items if kind == "fixed" else []}
        )
    except ValidationError:
        await turn.context.send_activity(t(turn.language, "template.invalid"))
        return
    try:
        view = await templates.set_for_unit(unit_id, template)
    except UnitNotFound:
        await turn.context.send_activity(t(turn.language, "template.pick_unit"))
        return
    except TemplateRefused as refused:
        index = refused.field.removeprefix("items.")
        item = template.items[int(index)] if index.isdigit() else ""
        await turn.context.send_activity(
            t(turn.language, f"template.refused.{refused.reason}", item=item)
        )
        return
    await turn.context.send_activity(
        t(
            turn.language,
            "template.saved",
            unit=view.unit_name,
            template=describe_template(view.template, turn.language),
        )
    )
