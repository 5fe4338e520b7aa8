"""Routing table: a command word or a card action name → the flow step that handles it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

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
from dialogs.cards.unit import PICK_ACTION, SAVE_ACTION
from dialogs.commands import Command, parse_command
from dialogs.flows.action_plan import add_planned_action, update_planned_action
from dialogs.flows.document import send_document_links
from dialogs.flows.help import show_help, show_help_not_understood
from dialogs.flows.my_data import show_my_data
from dialogs.flows.prompt_admin import (
    create_prompt,
    publish,
    show_hr_menu,
    show_library,
    show_prompt_form,
    show_publish_form,
)
from dialogs.flows.pulse import START_ACTION, answer_pulse, start_pulse, start_pulse_menu
from dialogs.flows.reflection import answer_reflection, send_private_card
from dialogs.flows.share import cancel_share, confirm_share, preview_share
from dialogs.flows.summary import record_action, show_chosen_summary, show_summary
from dialogs.flows.unit import edit_unit, save_unit, unit_menu
from dialogs.i18n import t
from dialogs.turn import Turn

log = logging.getLogger(__name__)

Step = Callable[[Turn], Awaitable[None]]

# Card actions whose steps never read `turn.roles`: a person's own answers. Their turns skip the
# roles lookup (a database read per turn; at 9:00 on a Monday the bulk of all turns are these).
# tests/test_bot_turns.py checks that these steps do not mention roles.
ROLE_FREE_ACTIONS = frozenset({ANSWER_ACTION, REFLECT_ACTION})
# A person's own answers are logged at DEBUG: a line per answer with a time to the second is a
# timestamp finer than the round (DESIGN.md rule 1), and at 9:00 on a Monday formatting and writing
# that line was a tenth of the bot's CPU per submission. Every other action stays at INFO.
QUIET_ACTIONS = ROLE_FREE_ACTIONS


class Router:
    """Thin dispatch; every step is a small function in dialogs/ that calls a storage service."""

    def __init__(self) -> None:
        self.commands: dict[Command, Step] = {
            Command.HELP: show_help,
            Command.MY_DATA: show_my_data,
            Command.START_PULSE: start_pulse_menu,
            Command.UNIT: unit_menu,
            Command.SUMMARY: show_summary,
            Command.ACTION: show_summary,
            Command.HR_MENU: show_hr_menu,
            Command.NEW_PROMPT: show_prompt_form,
            Command.PUBLISH: show_publish_form,
            Command.PROMPT_LIBRARY: show_library,
            Command.UNKNOWN: show_help_not_understood,
        }
        self.actions: dict[str, Step] = {
            "help": show_help,
            ANSWER_ACTION: answer_pulse,
            START_ACTION: start_pulse,
            MENU_ACTION: show_hr_menu,
            FORM_ACTION: show_prompt_form,
            CREATE_ACTION: create_prompt,
            LIBRARY_ACTION: show_library,
            PUBLISH_FORM_ACTION: show_publish_form,
            PUBLISH_ACTION: publish,
            REFLECT_ACTION: answer_reflection,
            PRIVATE_CARD_ACTION: send_private_card,
            PICK_ACTION: edit_unit,
            SAVE_ACTION: save_unit,
            SHOW_ACTION: show_chosen_summary,
            RECORD_ACTION: record_action,  # cards sent before the plan had more fields
            PLAN_ADD_ACTION: add_planned_action,
            PLAN_UPDATE_ACTION: update_planned_action,
            DOCUMENT_ACTION: send_document_links,
            SHARE_PREVIEW_ACTION: preview_share,
            SHARE_CONFIRM_ACTION: confirm_share,
            SHARE_CANCEL_ACTION: cancel_share,
            "summary": show_summary,
        }

    def needs_roles(self, value: Any) -> bool:
        """False only for a card submission of a role-free action (the activity's `value`)."""
        action = value.get("action") if isinstance(value, dict) else None
        return not (isinstance(action, str) and action in ROLE_FREE_ACTIONS)

    async def dispatch(self, turn: Turn) -> None:
        value: Any = turn.activity.value
        if isinstance(value, dict) and value:
            await self._card_action(turn, value)
            return
        command = parse_command(turn.activity.text)
        step = self.commands.get(command, show_help_not_understood)
        log.info("turn.command", extra={"command": command.value})
        await step(turn)

    async def _card_action(self, turn: Turn, value: dict[str, Any]) -> None:
        """Card data is untrusted input: unknown actions get a polite reply and change nothing."""
        action = value.get("action")
        step = self.actions.get(action) if isinstance(action, str) else None
        level = logging.DEBUG if step is not None and action in QUIET_ACTIONS else logging.INFO
        log.log(level, "turn.card_action", extra={"action": action if step else "unknown"})
        if step is None:
            await turn.context.send_activity(t(turn.language, "error.unknown_action"))
            return
        await step(turn)
