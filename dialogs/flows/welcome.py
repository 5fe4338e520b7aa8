"""Welcome messages after installation, in the installer's language."""

from __future__ import annotations

from botbuilder.core import TurnContext

from dialogs.cards.common import card_activity
from dialogs.cards.welcome import welcome_card
from dialogs.i18n import Language


async def send_welcome(
    context: TurnContext, language: Language, k: int, team_name: str | None = None
) -> None:
    """One welcome per installation; the caller decides whether the installation is new."""
    await context.send_activity(card_activity(welcome_card(language, k, team_name)))
