"""What a card may send, read strictly: card data is untrusted and the database is unforgiving.

A choice arrives as the decimal string of its value ("4"); anything else that merely looks like a
number to Python (superscripts, other scripts' digits, 5,000 nines) is not a choice and must be
refused, not crash `int()`. Free text must be storable on both databases: no lone surrogates (not
encodable as UTF-8) and no NUL characters (PostgreSQL's text cannot hold them).
"""

from __future__ import annotations

import re

_DECIMAL = re.compile(r"-?[0-9]{1,9}", flags=re.ASCII)


def as_choice(value: object) -> object:
    """The int a card's choice string stands for; any other value is returned unchanged."""
    if isinstance(value, str):
        text = value.strip()
        if _DECIMAL.fullmatch(text):
            return int(text)
    return value


def storable(text: str) -> bool:
    """True when `text` can be stored as it is in SQLite and PostgreSQL alike."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
