"""Replace the card a person pressed, or say it anew: one way for every card that is answered.

An answered card is replaced in place (Teams `update_activity` on the card's id, `replyToId`), so
an answered pulse or reflection card shows only the neutral thanks card (rule 8) and an old form
cannot be submitted by mistake. When the card is gone, or the press carried no card id, the same
card is sent as a new message instead: the person always sees the outcome. A failed update is
logged on the flow's own logger by its event name only (never an id or a text).
"""

from __future__ import annotations

import logging

from botbuilder.schema import Activity

from dialogs.cards.common import Card, card_activity
from dialogs.turn import Turn


async def replace_card(turn: Turn, card: Card, log: logging.Logger, failed_event: str) -> bool:
    """Put `card` where the pressed card is; False when there is no card id or the update failed."""
    card_id = turn.activity.reply_to_id
    if not card_id:
        return False
    activity: Activity = card_activity(card)
    activity.id = card_id
    try:
        await turn.context.update_activity(activity)
    except Exception:  # the card may be gone; the caller decides whether to say it anew
        log.warning(failed_event)
        return False
    return True


async def replace_or_send(turn: Turn, card: Card, log: logging.Logger, failed_event: str) -> None:
    """Replace the pressed card with `card`, or send `card` as a new message when that fails."""
    if not await replace_card(turn, card, log, failed_event):
        await turn.context.send_activity(card_activity(card))
