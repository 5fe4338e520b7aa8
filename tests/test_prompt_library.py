"""The prompt library: the starter content, the one validation, and all-or-nothing imports."""

from __future__ import annotations

from collections import Counter

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from storage.db.engine import SessionFactory
from storage.prompts.file_format import dump_library, parse_library, starter_library
from storage.prompts.library import PromptLibrary
from storage.prompts.validation import (
    InvalidPrompts,
    PromptExists,
    PromptNotFound,
    PromptPatch,
    validate_prompt,
)
from storage.tables.prompts import Prompt, PromptState, Theme

GOOD = """\
prompts:
  - id: test-one
    theme: blik_for_borgeren
    text:
      da: "Hvad gjorde vi lettere for en borger i dag?"
      en: "What did we make easier for a citizen today?"
  - id: test-two
    theme: staerk_fortaelling
    state: draft
    text: {da: "Hvad er vi stolte af?", en: "What are we proud of?"}
    rating: {da: "Hvor stolt er du?", en: "How proud are you?"}
"""


async def rows(factory: SessionFactory) -> list[tuple[object, ...]]:
    """Every prompt row, every column: a refused change must leave this unchanged."""
    async with factory() as session:
        result = await session.execute(select(Prompt.__table__).order_by(Prompt.id))
        return [tuple(row) for row in result]


def issues_of(text: str) -> list[tuple[int | None, int | None, str, str]]:
    with pytest.raises(InvalidPrompts) as caught:
        parse_library(text)
    return [(i.entry, i.line, i.field, i.code) for i in caught.value.issues]


def test_the_starter_library_has_five_or_more_prompts_per_theme_in_both_languages() -> None:
    library = starter_library()
    per_theme = Counter(prompt.theme for prompt in library)
    assert set(per_theme) == set(Theme) and min(per_theme.values()) >= 5
    assert len({p.id for p in library}) == len(library)
    danish = " ".join(p.text.da for p in library)
    assert all(letter in danish for letter in "æøå")
    for prompt in library:
        assert prompt.text.da != prompt.text.en
        assert prompt.state is PromptState.ACTIVE
    assert sum(p.rating is not None for p in library) >= 8


def test_a_missing_danish_text_names_entry_line_and_field() -> None:
    text = GOOD.replace('      da: "Hvad gjorde vi lettere for en borger i dag?"\n', "")
    assert issues_of(text) == [(1, 4, "text.da", "missing")]


def test_an_unknown_theme_and_a_duplicate_id_are_both_reported() -> None:
    text = GOOD.replace("theme: staerk_fortaelling", "theme: kaffe").replace(
        "id: test-two", "id: test-one"
    )
    assert issues_of(text) == [(2, 8, "theme", "invalid_choice"), (2, 7, "id", "duplicate_id")]


def test_a_rating_needs_both_languages_and_texts_have_limits() -> None:
    text = GOOD.replace('en: "How proud are you?"', 'en: ""').replace(
        "What are we proud of?", "x" * 501
    )
    assert issues_of(text) == [(2, 10, "text.en", "too_long"), (2, 11, "rating.en", "empty")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("prompts: [\n  {id: a1\n", (None, 3, "", "not_yaml")),
        ("- just a string\n", (1, 1, "", "wrong_type")),
        ("prompts: []\n", (None, 1, "prompts", "empty")),
        ("promts:\n  - id: x\n", (None, 1, "promts", "unknown_field")),
        (
            "prompts:\n  - theme: blik_for_borgeren\n    text: {da: a, en: b}\n",
            (1, 2, "id", "missing"),
        ),
        (
            "prompts:\n  - id: a1\n    theme: blik_for_borgeren\n    text: {da: a, en: b}\n"
            "    colour: red\n",
            (1, 5, "colour", "unknown_field"),
        ),
        (
            "prompts:\n  - id: Not An Id\n    theme: blik_for_borgeren\n    text: {da: a, en: b}\n",
            (1, 2, "id", "invalid_id"),
        ),
        # The JSON door's schema says integer or null; YAML's true and 1.0 equal 1 in Python.
        ("version: true\nprompts:\n  - id: a1\n", (None, 1, "version", "unsupported_version")),
        ("version: 1.0\nprompts:\n  - id: a1\n", (None, 1, "version", "unsupported_version")),
        ("version: '1'\nprompts:\n  - id: a1\n", (None, 1, "version", "unsupported_version")),
    ],
)
def test_broken_files_are_refused_with_a_line(text: str, expected: tuple[object, ...]) -> None:
    assert issues_of(text)[0] == expected


async def test_seeding_is_idempotent_and_never_overwrites_hr(session_factory) -> None:
    library = PromptLibrary(session_factory)
    starter = starter_library()
    assert await library.seed(starter) == len(starter)
    assert await library.seed(starter) == 0
    await library.retire(starter[0].id)
    before = await rows(session_factory)
    assert await library.seed(starter) == 0
    assert await rows(session_factory) == before
    assert (await library.get(starter[0].id)).state is PromptState.RETIRED


async def test_import_is_all_or_nothing_and_updates_known_ids(session_factory) -> None:
    library = PromptLibrary(session_factory)
    result = await library.import_prompts(parse_library(GOOD))
    assert (result.created, result.updated) == (2, 0)
    before = await rows(session_factory)
    broken = GOOD.replace("What are we proud of?", "Changed").replace(
        "theme: blik_for_borgeren", "theme: nope"
    )
    with pytest.raises(InvalidPrompts):
        await library.import_prompts(parse_library(broken))
    assert await rows(session_factory) == before
    changed = GOOD.replace("What are we proud of?", "What makes us proud?")
    result = await library.import_prompts(parse_library(changed))
    assert (result.created, result.updated) == (0, 2)
    assert (await library.get("test-two")).text.en == "What makes us proud?"


async def test_export_then_import_is_a_round_trip(session_factory) -> None:
    library = PromptLibrary(session_factory)
    await library.seed(starter_library())
    await library.import_prompts(parse_library(GOOD))
    exported = dump_library(await library.list_prompts())
    before = await rows(session_factory)
    again = parse_library(exported)
    assert len(again) == len(starter_library()) + 2
    result = await library.import_prompts(again)
    assert result.created == 0
    assert [r[:7] for r in await rows(session_factory)] == [r[:7] for r in before]


async def test_create_update_retire(session_factory) -> None:
    library = PromptLibrary(session_factory)
    prompt = validate_prompt(
        {"theme": "digitale_muligheder", "text": {"da": " Hvad hjælper? ", "en": "What helps?"}}
    )
    created = await library.create(prompt)
    assert created.id.startswith("digital-") and created.text.da == "Hvad hjælper?"
    assert created.state is PromptState.ACTIVE and created.origin == "hr"
    with pytest.raises(PromptExists):
        await library.create(prompt.model_copy(update={"id": created.id}))
    updated = await library.update(
        created.id, PromptPatch.model_validate({"rating": {"da": "Hvor godt?", "en": "How well?"}})
    )
    assert updated.rating is not None and updated.text.en == "What helps?"
    removed = await library.update(created.id, PromptPatch.model_validate({"rating": None}))
    assert removed.rating is None
    with pytest.raises(ValidationError):
        PromptPatch.model_validate({"text": {"da": "", "en": "new"}})
    with pytest.raises(ValidationError):
        PromptPatch.model_validate({})  # nothing to change
    assert (await library.retire(created.id)).state is PromptState.RETIRED
    with pytest.raises(PromptNotFound):
        await library.get("no-such-prompt")
    counts = await library.counts()
    assert counts[Theme.DIGITALE_MULIGHEDER] == 0
