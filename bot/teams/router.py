"""Routing table: a command word or a card action name → its Route (dialogs/access.py).

A route is the flow step, the roles it needs, the kinds of chat it is for, and how the domain
errors its step raises are told. The router checks the roles and the chat before the step runs and
tells a domain error once, here; the steps check neither and catch none to translate it."""

from __future__ import annotations

import logging
from typing import Any

from botbuilder.schema import Activity

from dialogs.access import (
    ANY_CHAT,
    EVERYONE,
    EVERYONE_UNSEEN,
    Refusal,
    Refuse,
    Route,
    Step,
    only,
    personal_only,
)
from dialogs.cards.action_plan import PLAN_ADD_ACTION, PLAN_UPDATE_ACTION
from dialogs.cards.document import DOCUMENT_ACTION
from dialogs.cards.prompts import (
    CREATE_ACTION,
    FORM_ACTION,
    LIBRARY_ACTION,
    MENU_ACTION,
    PRIVATE_CARD_ACTION,
    PUBLISH_ACTION,
    PUBLISH_FORM_ACTION,
    REFLECT_ACTION,
)
from dialogs.cards.pulse import ANSWER_ACTION
from dialogs.cards.share_button import (
    SHARE_CANCEL_ACTION,
    SHARE_CONFIRM_ACTION,
    SHARE_PREVIEW_ACTION,
)
from dialogs.cards.summary import RECORD_ACTION, SHOW_ACTION
from dialogs.cards.template import TEMPLATE_ACTION
from dialogs.cards.unit import PICK_ACTION, SAVE_ACTION
from dialogs.commands import Command, parse_command
from dialogs.flows.action_plan import add_planned_action, refuse_plan, update_planned_action
from dialogs.flows.document import refuse_document, send_document_links
from dialogs.flows.help import show_help, show_help_not_understood
from dialogs.flows.my_data import show_my_data
from dialogs.flows.prompt_admin import (
    create_prompt,
    publish,
    refuse_prompt,
    refuse_publish,
    show_hr_menu,
    show_library,
    show_prompt_form,
    show_publish_form,
)
from dialogs.flows.pulse import (
    START_ACTION,
    answer_pulse,
    refuse_answer,
    refuse_start,
    start_pulse,
    start_pulse_menu,
)
from dialogs.flows.reflection import (
    answer_reflection,
    refuse_private_card,
    refuse_reflection,
    send_private_card,
)
from dialogs.flows.share import cancel_share, confirm_share, preview_share, refuse_share
from dialogs.flows.summary import record_action, refuse, show_chosen_summary, show_summary
from dialogs.flows.template import set_template, show_template_form
from dialogs.flows.unit import edit_unit, refuse_unit, save_unit, unit_menu
from dialogs.i18n import t
from dialogs.turn import Turn
from storage.errors import DomainError
from storage.values import Role

log = logging.getLogger(__name__)

# Who may, and what they are told otherwise: the refusals each flow had, word for word.
HR_PULSE = only(Role.HR, refusal=Refusal("error.not_allowed"))
HR_UNITS = only(Role.HR, refusal=Refusal("unit.not_allowed", "unit.refused", "not_hr"))
HR_PROMPTS = only(Role.HR, refusal=Refusal("prompt_admin.not_hr", "prompt_admin.refused", "not_hr"))
LEADER_OR_HR = only(Role.LEADER, Role.HR, refusal=Refusal("summary.not_leader"))
LEADER = only(Role.LEADER, refusal=Refusal("share.not_leader", "share.refused", "not_leader"))
# Where: forms and answers only in the person's own chat; in a group chat or a channel a form
# would be everyone's, and an answered card would be replaced in front of everyone there.
PROMPTS_PERSONAL = personal_only(
    Refusal("prompt_admin.personal_only", "prompt_admin.refused", "personal_only")
)
PULSE_PERSONAL = personal_only(Refusal("pulse.personal_only", "pulse.refused", "not_personal"))
REFLECTION_PERSONAL = personal_only(Refusal("reflection.personal_only"))
DOCUMENT_PERSONAL = personal_only(Refusal("document.personal_only"))  # links are credentials


async def _unknown_action(turn: Turn) -> None:
    await turn.context.send_activity(t(turn.language, "error.unknown_action"))


def _help(step: Step) -> Route:
    return Route(step, EVERYONE, ANY_CHAT)


def _hr_prompts(step: Step, refuse_with: Refuse | None = None) -> Route:
    return Route(step, HR_PROMPTS, PROMPTS_PERSONAL, refuse_with)


def _leader_or_hr(step: Step, refuse_with: Refuse) -> Route:
    return Route(step, LEADER_OR_HR, ANY_CHAT, refuse_with)


# A person's own answers are logged at DEBUG: a line per answer with a time to the second is a
# timestamp finer than the round (DESIGN.md rule 1), and at 9:00 on a Monday formatting and writing
# that line was a tenth of the bot's CPU per submission. Every other action stays at INFO. Their
# steps never read roles, so their turns skip the roles lookup too (a database read per turn; at
# 9:00 on a Monday the bulk of all turns are these).
ANSWER = Route(answer_pulse, EVERYONE_UNSEEN, PULSE_PERSONAL, refuse_answer, quiet=True)
REFLECT = Route(
    answer_reflection, EVERYONE_UNSEEN, REFLECTION_PERSONAL, refuse_reflection, quiet=True
)
UNKNOWN_ACTION = Route(_unknown_action, EVERYONE, ANY_CHAT)


class Router:
    """Thin dispatch: checks the route's roles and chat, runs its step, and tells its refusals."""

    def __init__(self) -> None:
        summary = _leader_or_hr(show_summary, refuse)
        self.commands: dict[Command, Route] = {
            Command.HELP: _help(show_help),
            Command.MY_DATA: Route(show_my_data, EVERYONE, ANY_CHAT),
            Command.START_PULSE: Route(start_pulse_menu, HR_PULSE, ANY_CHAT),
            Command.UNIT: Route(unit_menu, HR_UNITS, ANY_CHAT),
            Command.SUMMARY: summary,
            Command.ACTION: summary,
            Command.HR_MENU: _hr_prompts(show_hr_menu),
            Command.NEW_PROMPT: _hr_prompts(show_prompt_form),
            Command.PUBLISH: _hr_prompts(show_publish_form),
            Command.PROMPT_LIBRARY: _hr_prompts(show_library),
            Command.TEMPLATE: _hr_prompts(show_template_form),
            Command.UNKNOWN: _help(show_help_not_understood),
        }
        self.actions: dict[str, Route] = {
            "help": _help(show_help),
            ANSWER_ACTION: ANSWER,
            START_ACTION: Route(start_pulse, HR_PULSE, ANY_CHAT, refuse_start),
            MENU_ACTION: _hr_prompts(show_hr_menu),
            FORM_ACTION: _hr_prompts(show_prompt_form),
            CREATE_ACTION: _hr_prompts(create_prompt, refuse_prompt),
            LIBRARY_ACTION: _hr_prompts(show_library),
            PUBLISH_FORM_ACTION: _hr_prompts(show_publish_form),
            PUBLISH_ACTION: _hr_prompts(publish, refuse_publish),
            REFLECT_ACTION: REFLECT,
            # From a channel post: nothing is said there, whatever happens (flows/reflection.py).
            PRIVATE_CARD_ACTION: Route(send_private_card, EVERYONE, ANY_CHAT, refuse_private_card),
            PICK_ACTION: Route(edit_unit, HR_UNITS, ANY_CHAT, refuse_unit),
            SAVE_ACTION: Route(save_unit, HR_UNITS, ANY_CHAT, refuse_unit),
            SHOW_ACTION: _leader_or_hr(show_chosen_summary, refuse),
            # cards sent before the plan had more fields
            RECORD_ACTION: _leader_or_hr(record_action, refuse),
            PLAN_ADD_ACTION: _leader_or_hr(add_planned_action, refuse_plan),
            PLAN_UPDATE_ACTION: _leader_or_hr(update_planned_action, refuse_plan),
            DOCUMENT_ACTION: Route(
                send_document_links,
                LEADER_OR_HR,
                DOCUMENT_PERSONAL,
                refuse_document,
                where_first=True,
            ),
            SHARE_PREVIEW_ACTION: Route(preview_share, LEADER, ANY_CHAT, refuse_share),
            SHARE_CONFIRM_ACTION: Route(confirm_share, LEADER, ANY_CHAT, refuse_share),
            SHARE_CANCEL_ACTION: Route(cancel_share, EVERYONE, ANY_CHAT),
            TEMPLATE_ACTION: _hr_prompts(set_template),
            "summary": summary,
        }

    def route_of(self, activity: Activity) -> Route:
        """A card submission goes by its action (unknown: a polite reply), text by its command."""
        value: Any = activity.value
        if isinstance(value, dict) and value:
            action = value.get("action")
            route = self.actions.get(action) if isinstance(action, str) else None
            return route or UNKNOWN_ACTION
        return self.commands.get(parse_command(activity.text), self.commands[Command.UNKNOWN])

    def needs_roles(self, activity: Activity) -> bool:
        """False for the routes declared never to read roles: their turns skip the lookup."""
        return self.route_of(activity).who.looked_up

    async def dispatch(self, turn: Turn) -> None:
        value: Any = turn.activity.value
        if isinstance(value, dict) and value:
            action = value.get("action")
            route = self.route_of(turn.activity)
            known = route is not UNKNOWN_ACTION
            level = logging.DEBUG if route.quiet else logging.INFO
            log.log(level, "turn.card_action", extra={"action": action if known else "unknown"})
        else:
            command = parse_command(turn.activity.text)
            route = self.commands.get(command, self.commands[Command.UNKNOWN])
            log.info("turn.command", extra={"command": command.value})
        await self.run(route, turn)

    async def run(self, route: Route, turn: Turn) -> None:
        """The edge: the route's checks first, then its step; a domain error is told here, once.

        Card data is untrusted input: a card forwarded to someone else, pressed in another chat or
        replayed is refused by the same checks as a typed command, and changes nothing."""
        refusal = route.refusal_for(turn)
        if refusal is not None:
            if refusal.event is not None:
                log.info(refusal.event, extra={"reason": refusal.reason})
            await turn.context.send_activity(t(turn.language, refusal.text))
            return
        try:
            await route.step(turn)
        except DomainError as error:
            if route.refuse is None or not await route.refuse(turn, error):
                raise
