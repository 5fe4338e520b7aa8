"""Routing table: a command word or a card action name → the flow step that handles it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from dialogs.cards.pulse import ANSWER_ACTION
from dialogs.commands import Command, parse_command
from dialogs.help_flow import show_help, show_help_not_understood
from dialogs.i18n import t
from dialogs.my_data_flow import show_my_data
from dialogs.pulse_flow import START_ACTION, answer_pulse, start_pulse, start_pulse_menu
from dialogs.turn import Turn

log = logging.getLogger(__name__)

Step = Callable[[Turn], Awaitable[None]]


class Router:
    """Thin dispatch; every step is a small function in dialogs/ that calls a storage service."""

    def __init__(self) -> None:
        self.commands: dict[Command, Step] = {
            Command.HELP: show_help,
            Command.MY_DATA: show_my_data,
            Command.START_PULSE: start_pulse_menu,
            Command.UNKNOWN: show_help_not_understood,
        }
        self.actions: dict[str, Step] = {
            "help": show_help,
            ANSWER_ACTION: answer_pulse,
            START_ACTION: start_pulse,
        }

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
        log.info("turn.card_action", extra={"action": action if step else "unknown"})
        if step is None:
            await turn.context.send_activity(t(turn.language, "error.unknown_action"))
            return
        await step(turn)
