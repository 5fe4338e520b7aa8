"""Help: the answer to 'hjælp', to the help button, and to anything the bot does not understand."""

from __future__ import annotations

from dialogs.cards.common import card_activity
from dialogs.cards.help import help_card
from dialogs.turn import Turn
from storage.values import ConversationKind


async def show_help(turn: Turn) -> None:
    await _send_help(turn, not_understood=False)


async def show_help_not_understood(turn: Turn) -> None:
    await _send_help(turn, not_understood=True)


async def _send_help(turn: Turn, *, not_understood: bool) -> None:
    card = help_card(
        turn.language,
        turn.roles,
        turn.k,
        comment_k=turn.comment_k,
        not_understood=not_understood,
        in_channel=turn.conversation_kind is not ConversationKind.PERSONAL,
    )
    await turn.context.send_activity(card_activity(card))
