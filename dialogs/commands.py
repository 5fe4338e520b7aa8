"""Turning what a person typed into a command word the router understands."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum


class Command(StrEnum):
    HELP = "help"
    MY_DATA = "my_data"
    START_PULSE = "start_pulse"
    UNKNOWN = "unknown"


_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")

SYNONYMS: dict[str, Command] = {
    "hjælp": Command.HELP,
    "hjaelp": Command.HELP,
    "help": Command.HELP,
    "?": Command.HELP,
    "hej": Command.HELP,
    "hi": Command.HELP,
    "hello": Command.HELP,
    "mine data": Command.MY_DATA,
    "my data": Command.MY_DATA,
    "start puls": Command.START_PULSE,
    "start pulse": Command.START_PULSE,
    "start mini-trivsel": Command.START_PULSE,
}


def normalise(text: str | None) -> str:
    """Strip @mentions, markup, punctuation at the ends and case, keeping æ, ø and å intact."""
    if not text:
        return ""
    text = _TAGS.sub(" ", _MENTION.sub(" ", text))
    text = unicodedata.normalize("NFC", text).replace("\xa0", " ")
    text = " ".join(text.split()).casefold()
    return text.strip(" .!")


def parse_command(text: str | None) -> Command:
    """Map free text to a command; anything unknown becomes UNKNOWN so the bot can offer help."""
    return SYNONYMS.get(normalise(text), Command.UNKNOWN)
