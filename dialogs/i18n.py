"""Language choice and text lookup: Danish first, English as a full second language."""

from __future__ import annotations

from typing import Literal

from dialogs.texts import da, en

Language = Literal["da", "en"]
LANGUAGES: dict[Language, dict[str, str]] = {"da": da.TEXTS, "en": en.TEXTS}


def language_for(locale: str | None, default: Language = "da") -> Language:
    """Teams sends the client's locale (e.g. 'da-DK', 'en-US'); anything else gets the default."""
    if locale:
        prefix = locale.split("-")[0].split("_")[0].lower()
        if prefix == "en":
            return "en"
        if prefix in ("da", "nb", "nn", "no", "sv"):
            return "da"
    return default


def t(language: Language, key: str, **values: object) -> str:
    """Look up a text; a missing key is a bug, so it fails loudly in tests rather than showing a key."""
    return LANGUAGES[language][key].format(**values)
