"""The first thing a person or a team sees: what the bot does and that answers are anonymous."""

from __future__ import annotations

from dialogs.cards.common import Card, adaptive_card, heading, paragraph, submit
from dialogs.i18n import Language, t


def welcome_card(language: Language, k: int, team_name: str | None = None) -> Card:
    """Personal chats get the personal text; a team or group chat is addressed as a group."""
    intro = (
        t(language, "welcome.team", team=team_name)
        if team_name
        else t(language, "welcome.personal")
    )
    return adaptive_card(
        [
            heading(t(language, "welcome.title")),
            paragraph(intro),
            paragraph(t(language, "welcome.anonymous", k=k), isSubtle=True),
            paragraph(t(language, "welcome.help_hint")),
        ],
        [submit(t(language, "help.button"), "help")],
    )
