"""Comments and reflection texts (rule 6): their own threshold, one line when stored, plain text on cards.

The storage tests run on SQLite and PostgreSQL; the rendering is checked against the card JSON and
against a CommonMark renderer, which reads more Markdown than a TextBlock does.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from dialogs.cards.plain_text import comment_block, plain_text
from dialogs.cards.summary import reflection_card, summary_card
from storage.answers.pulse import submit_answer
from storage.answers.reflections import rating_spread_shown, submit_reflection
from storage.comments import comment_threshold, comments_shown, one_line
from storage.db.engine import SessionFactory
from storage.question_bank import default_bank
from storage.results.summaries import Summaries
from storage.rounds.lifecycle import Rounds
from storage.tables.answers import AnonymousComment
from tests.conftest import TEST_SECRET
from tests.support.plain_text import assert_plain_one_line, blocks_between
from tests.support.pulse_fixtures import NOW, full_answer, open_round, team_with_members
from tests.test_reflections import publish_prompt

BANK = default_bank()
LIST_OF_THREE = "x\n- enig\n- også mig"
LINK_AND_BOLD = "[klik](https://evil) **fed**"
TRICKS = [
    LIST_OF_THREE,
    LINK_AND_BOLD,
    "1. først\n2. så",
    "## Overskrift",
    "---",
    "> citat",
    "_skrå_ og ~~streg~~ og `kode`",
    "<https://evil> <b>fed</b> <at>Chefen</at>",
    "&#42;&#42;fed&#42;&#42; &amp;",
    "{{DATE(2026-11-23T09:00:00Z, SHORT)}}",
    "![billede](https://evil/pixel.png)",
    "[ref]: https://evil\n[ref]",
    "    indrykket kode",
    "a\u2028b\u2029c\x85d\x0be\x1cf",
    "højre\u202evenstre\u200b\ufeff\x07\x1b[31m",
]


# --- the rules, each on its own ------------------------------------------------------------


def test_the_comment_threshold_is_never_below_k() -> None:
    assert comment_threshold(5, 7) == 7
    assert comment_threshold(5, 3) == 5
    assert comment_threshold(8, 7) == 8


def test_comments_need_the_comment_threshold_not_k() -> None:
    assert not comments_shown(6, 5, 7)
    assert comments_shown(7, 5, 7)
    assert not comments_shown(4, 5, 3)  # a threshold below k counts as k
    assert comments_shown(5, 5, 3)


def test_a_rating_spread_needs_k_ratings() -> None:
    assert not rating_spread_shown(1, 5)
    assert not rating_spread_shown(4, 5)
    assert rating_spread_shown(5, 5)


# --- one line when stored ----------------------------------------------------------------------


def test_one_line_collapses_whitespace_and_removes_hidden_characters() -> None:
    assert one_line(LIST_OF_THREE) == "x - enig - også mig"
    assert one_line("  a \n\n\t b  ") == "a b"
    assert one_line("a\u2028b\u2029c\x85d") == "a b c d"
    assert one_line("højre\u202evenstre\u200b\ufeff\x07") == "højrevenstre"
    assert one_line("a \u200b b") == "a b"  # no double space where an invisible character was
    # Joiners stay: they are part of emoji and of some scripts' words.
    assert one_line("👩\u200d💻 🏴\U000e0067\U000e0062\U000e007f") == (
        "👩\u200d💻 🏴\U000e0067\U000e0062\U000e007f"
    )


async def test_pulse_comments_and_reflections_are_stored_as_one_line(
    session_factory: SessionFactory,
) -> None:
    unit = await team_with_members(session_factory, "19:lines", range(1, 4))
    pulse = await open_round(session_factory, unit)
    await submit_answer(
        session_factory,
        BANK,
        TEST_SECRET,
        pulse.id,
        "29:user-1",
        full_answer(pulse),
        LIST_OF_THREE,
        NOW,
    )
    await submit_answer(
        session_factory,
        BANK,
        TEST_SECRET,
        pulse.id,
        "29:user-2",
        full_answer(pulse),
        "\u202e\x07 \n",
        NOW,
    )
    prompt = await publish_prompt(session_factory, unit)
    await submit_reflection(
        session_factory, TEST_SECRET, prompt, "29:user-1", None, "a\r\n\r\nb\u200b", NOW
    )
    rounds = Rounds(session_factory, BANK, TEST_SECRET)
    for round_id in (pulse.id, prompt):  # answers are staged sealed until the round closes
        await rounds.close(round_id, NOW)
    async with session_factory() as session:
        rows = await session.execute(select(AnonymousComment.round_id, AnonymousComment.text))
        stored = sorted(rows.all())
    # The second comment was only invisible characters and whitespace: no comment at all.
    assert sorted([(pulse.id, "x - enig - også mig"), (prompt, "a b")]) == stored


# --- plain text on cards -----------------------------------------------------------------------


@pytest.mark.parametrize("text", TRICKS)
def test_a_comment_is_one_text_block_without_markdown_structure(text: str) -> None:
    block = comment_block(text)
    assert block["type"] == "TextBlock" and block["separator"] is True
    assert_plain_one_line(block["text"])


def test_the_words_stay_readable() -> None:
    assert plain_text(LIST_OF_THREE) == "x - enig - også mig"
    assert plain_text("- enig") == "\u2010 enig"
    assert plain_text("1. først") == "1\u2024 først"
    assert plain_text(LINK_AND_BOLD) == "\uff3bklik\uff3d(https://evil) \u2217\u2217fed\u2217\u2217"
    assert plain_text("Tid & ro, 1.5 timer, -5 grader") == "Tid & ro, 1.5 timer, -5 grader"
    assert plain_text("-5 grader") == "\u20105 grader"  # only a line's start makes a list
    assert plain_text("Æblegrød 😀") == "Æblegrød 😀"


@given(st.text(max_size=80))
def test_any_text_renders_as_one_plain_paragraph(text: str) -> None:
    assert_plain_one_line(plain_text(text))


@given(
    st.lists(st.sampled_from(["- ", "* ", "1. ", "#", "**", "_", "[", "](", "<", "`", "\n", "x"]))
)
def test_any_mix_of_markdown_marks_renders_as_one_plain_paragraph(marks: list[str]) -> None:
    assert_plain_one_line(plain_text("".join(marks)))


async def _round_with_comments(
    factory: SessionFactory, unit: str, comments: list[str]
) -> tuple[str, Rounds]:
    rounds = Rounds(factory, BANK, TEST_SECRET)
    pulse = await open_round(factory, unit)
    for n, comment in enumerate(comments, start=1):
        await submit_answer(
            factory, BANK, TEST_SECRET, pulse.id, f"29:user-{n}", full_answer(pulse), comment, NOW
        )
    return pulse.id, rounds


async def test_comments_stored_before_the_rule_are_still_shown_as_one_plain_block(
    session_factory: SessionFactory,
) -> None:
    """Rows written before comments were kept as one line are cleaned again for display."""
    unit = await team_with_members(session_factory, "19:old", range(1, 8))
    round_id, rounds = await _round_with_comments(session_factory, unit, ["ok"] * 5)
    await rounds.close(round_id)
    async with session_factory.begin() as session:
        for text in (LIST_OF_THREE, LINK_AND_BOLD):
            session.add(AnonymousComment(round_id=round_id, key=secrets.token_hex(16), text=text))
    summaries = Summaries(
        session_factory, BANK, 5, lambda: NOW + timedelta(days=6), min_comment_group_size=5
    )
    summary = await summaries.round_summary(round_id, {unit})
    assert sorted(summary.comments) == sorted(["ok"] * 5 + [LIST_OF_THREE, LINK_AND_BOLD])
    card = summary_card(summary, BANK, "da", 5, [])
    blocks = blocks_between(
        card["body"], "Anonyme kommentarer (i tilfældig rækkefølge)", "Forslag til dialog"
    )
    assert len(blocks) == 7 and {b["type"] for b in blocks} == {"TextBlock"}
    for block in blocks:
        assert_plain_one_line(block["text"])
    texts = {b["text"] for b in blocks}
    assert "x - enig - også mig" in texts
    assert "\uff3bklik\uff3d(https://evil) \u2217\u2217fed\u2217\u2217" in texts


async def test_the_summary_card_says_why_comments_are_held_back(
    session_factory: SessionFactory,
) -> None:
    unit = await team_with_members(session_factory, "19:held", range(1, 8))
    round_id, rounds = await _round_with_comments(session_factory, unit, ["hemmelig"] * 6)
    await rounds.close(round_id)
    summaries = Summaries(session_factory, BANK, 5, lambda: NOW + timedelta(days=6))
    summary = await summaries.round_summary(round_id, {unit})
    for language, why in (
        ("da", "Kommentarer vises først, når mindst 7 har svaret"),
        ("en", "Comments are shown only once at least 7 have answered"),
    ):
        card = summary_card(summary, BANK, language, 5, [])
        dump = repr(card)
        assert why in dump and "hemmelig" not in dump


async def test_the_reflection_card_shows_texts_as_plain_blocks_and_says_what_is_held_back(
    session_factory: SessionFactory,
) -> None:
    unit = await team_with_members(session_factory, "19:refl", range(1, 8))
    prompt = await publish_prompt(session_factory, unit)  # a prompt with a rating question
    texts = [LIST_OF_THREE, LINK_AND_BOLD, "tre", "fire", "fem", "seks", "syv"]
    for n, text in enumerate(texts, start=1):
        rating = "4" if n == 1 else None  # one rating among seven reflections
        await submit_reflection(
            session_factory, TEST_SECRET, prompt, f"29:user-{n}", rating, text, NOW
        )
    await Rounds(session_factory, BANK, TEST_SECRET).close(prompt)
    summaries = Summaries(session_factory, BANK, 5, lambda: NOW + timedelta(days=30))
    summary = await summaries.reflection_summary(prompt, {unit})
    card = reflection_card(summary, "da", 5)
    blocks = blocks_between(
        card["body"], "Refleksionerne står i tilfældig rækkefølge, uden navn og tidspunkt.", None
    )
    assert len(blocks) == 7 and {b["type"] for b in blocks} == {"TextBlock"}
    for block in blocks:
        assert_plain_one_line(block["text"])
    dump = repr(card)
    assert "Vurderingerne vises først, når mindst 5 har givet en." in dump
    assert "Vurderinger fra 1 til 5" not in dump  # one person's rating is not shown
    stricter = Summaries(
        session_factory, BANK, 5, lambda: NOW + timedelta(days=30), min_comment_group_size=8
    )
    held = reflection_card(await stricter.reflection_summary(prompt, {unit}), "en", 5)
    dump = repr(held)
    assert "The reflections are shown only once at least 8 have answered" in dump
    assert "fire" not in dump and "klik" not in dump
