"""Every user-facing text exists in Danish and English with the same placeholders."""

from __future__ import annotations

import string

from dialogs.commands import Command, parse_command
from dialogs.i18n import language_for
from dialogs.texts import da, en


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_same_keys_and_placeholders() -> None:
    assert set(da.TEXTS) == set(en.TEXTS)
    for key in da.TEXTS:
        assert placeholders(da.TEXTS[key]) == placeholders(en.TEXTS[key]), key
        assert da.TEXTS[key].strip() and en.TEXTS[key].strip(), key


def test_no_text_promises_more_or_other_than_what_holds() -> None:
    """Comments are read by the team's leaders and HR, only from a threshold, and by the team
    only when a leader shares them (dialogs/flows/share.py): what people are told says so."""
    for texts in (da.TEXTS, en.TEXTS):
        for key, text in texts.items():
            lowered = text.lower()
            for wrong in ("vises for teamet", "shown to the team", "kun samlede tal", "only keep"):
                assert wrong not in lowered, key
    for key in ("pulse.comment_placeholder", "reflection.text_placeholder"):
        assert placeholders(da.TEXTS[key]) == {"n"}, key  # the comment threshold, said exactly
        assert "ledere og HR" in da.TEXTS[key] and "leaders and HR" in en.TEXTS[key], key
    for key in ("pulse.comment_placeholder", "pulse.anonymous"):  # pulses can be shared
        assert "dele" in da.TEXTS[key] and "share" in en.TEXTS[key], key
    for key in ("pulse.anonymous", "reflection.anonymous", "help.anonymous"):
        assert placeholders(da.TEXTS[key]) == {"k", "n"}, key
    assert "kommentar" in da.TEXTS["my_data.answers"] and "comment" in en.TEXTS["my_data.answers"]


def test_danish_is_written_with_danish_letters() -> None:
    danish = " ".join(da.TEXTS.values())
    for letter in "æøå":
        assert letter in danish
    for spelling in ("hjaelp", "tilfoj", "spoergsmaal", "maaling"):
        assert spelling not in danish.lower()


def test_language_from_locale() -> None:
    assert language_for("da-DK") == "da"
    assert language_for("en-US") == "en"
    assert language_for("en-GB") == "en"
    assert language_for(None) == "da"
    assert language_for("de-DE") == "da"
    assert language_for("de-DE", default="en") == "en"


def test_commands_in_both_languages() -> None:
    assert parse_command("Hjælp") is Command.HELP
    assert parse_command("<at>Trivselsbot</at>  help ") is Command.HELP
    assert parse_command("MINE DATA") is Command.MY_DATA
    assert parse_command("my data.") is Command.MY_DATA
    assert parse_command("start puls") is Command.START_PULSE
    assert parse_command("hvad er klokken") is Command.UNKNOWN
    assert parse_command(None) is Command.UNKNOWN
