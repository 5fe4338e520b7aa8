"""Turning what a person typed into a command word the router understands."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum


class Command(StrEnum):
    HELP = "help"
    MY_DATA = "my_data"
    START_PULSE = "start_pulse"
    UNIT = "unit"
    SUMMARY = "summary"
    ACTION = "action"
    HR_MENU = "hr_menu"
    NEW_PROMPT = "new_prompt"
    PUBLISH = "publish"
    PROMPT_LIBRARY = "prompt_library"
    TEMPLATE = "template"
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
    "hr": Command.HR_MENU,
    "hr-menu": Command.HR_MENU,
    "hr menu": Command.HR_MENU,
    "ny prompt": Command.NEW_PROMPT,
    "new prompt": Command.NEW_PROMPT,
    "udgiv": Command.PUBLISH,
    "udgiv prompt": Command.PUBLISH,
    "publish": Command.PUBLISH,
    "publish prompt": Command.PUBLISH,
    "prompts": Command.PROMPT_LIBRARY,
    "prompt-bibliotek": Command.PROMPT_LIBRARY,
    "promptbibliotek": Command.PROMPT_LIBRARY,
    "prompt library": Command.PROMPT_LIBRARY,
    "skabelon": Command.TEMPLATE,
    "skabeloner": Command.TEMPLATE,
    "template": Command.TEMPLATE,
    "templates": Command.TEMPLATE,
    "enhed": Command.UNIT,
    "enheder": Command.UNIT,
    "unit": Command.UNIT,
    "units": Command.UNIT,
    "resumé": Command.SUMMARY,
    "resume": Command.SUMMARY,
    "summary": Command.SUMMARY,
    "handling": Command.ACTION,
    "handlinger": Command.ACTION,
    "action": Command.ACTION,
    "actions": Command.ACTION,
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
