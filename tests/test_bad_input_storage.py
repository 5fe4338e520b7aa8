"""Regressions from fuzzing, at the storage boundary and on both databases.

The fuzz tests run on SQLite; these pin what they found that PostgreSQL is stricter about (NUL
characters, column widths) and the card values that crashed `int()`, on every backend.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from storage.answers.card_input import as_choice, storable
from storage.answers.pulse import submit_answer
from storage.db.engine import SessionFactory
from storage.directory.recipients import Directory
from storage.errors import InvalidAnswer
from storage.question_bank import default_bank
from storage.tables.answers import AnswerCount
from storage.tables.directory import Recipient
from storage.values import MAX_NAME, Person
from tests.conftest import TEST_SECRET
from tests.support.pulse_fixtures import NOW, full_answer, open_round, team_with_members

LATER = NOW + timedelta(hours=1)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("4", 4),
        (" 4 ", 4),
        ("-1", -1),
        ("²", "²"),  # str.isdigit() says yes, int() says no: was a crash
        ("٣", "٣"),  # Arabic-Indic three: not what a card sends
        ("--4", "--4"),  # lstrip("-") made this a digit string: was a crash
        ("9" * 5000, "9" * 5000),  # beyond int()'s digit limit: was a crash
        (4, 4),
        (None, None),
    ],
)
def test_a_choice_is_an_ascii_decimal_or_left_as_it_is(raw: object, expected: object) -> None:
    assert as_choice(raw) == expected


def test_storable_text() -> None:
    assert storable("Godt samarbejde, æøå 😀")
    assert not storable("null\x00byte")
    assert not storable("lone \ud83d surrogate")


ODD_CHOICES = ["²", "--4", "9" * 5000, "٣", True, 4.0, [4], {"v": 4}, None, "", " "]
UNSTORABLE = ["null\x00byte", "\x00", "lone \ud83d surrogate"]


async def test_odd_choices_and_unstorable_comments_are_refused_and_nothing_is_counted(
    session_factory: SessionFactory,
) -> None:
    """PostgreSQL's text cannot hold NUL ("invalid byte sequence for encoding UTF8: 0x00"), no
    driver can encode a lone surrogate, and int() raised on "²": all were errors in the middle of
    the transaction instead of a polite refusal."""
    unit = await team_with_members(session_factory, "19:odd", range(1, 4))
    pulse = await open_round(session_factory, unit)
    bank = default_bank()
    for choice in ODD_CHOICES:
        answers: dict[str, object] = {**full_answer(pulse), pulse.items[0]: choice}
        with pytest.raises(InvalidAnswer):
            await submit_answer(
                session_factory, bank, TEST_SECRET, pulse.id, "29:user-1", answers, None, LATER
            )
    for comment in UNSTORABLE:
        with pytest.raises(InvalidAnswer):
            await submit_answer(
                session_factory,
                bank,
                TEST_SECRET,
                pulse.id,
                "29:user-1",
                full_answer(pulse),
                comment,
                LATER,
            )
    async with session_factory() as session:
        assert (await session.execute(select(AnswerCount))).all() == []
    # The person can still answer properly afterwards: nothing was used up.
    await submit_answer(
        session_factory,
        bank,
        TEST_SECRET,
        pulse.id,
        "29:user-1",
        full_answer(pulse),
        "nu uden nul-tegn",
        LATER,
    )


async def test_directory_values_are_cut_to_their_columns(session_factory: SessionFactory) -> None:
    """PostgreSQL refused a display name over 200 characters ("value too long for type character
    varying(200)") while SQLite stored it: names are cut, over-long optional ids are dropped."""
    await team_with_members(session_factory, "19:long", range(1, 3))
    person = Person(
        user_id="29:user-long",
        name="N" * 5000,
        aad_object_id="a" * 500,
        tenant_id="t" * 500,
        locale="da-DK" * 100,
    )
    assert person.name == "N" * MAX_NAME
    assert person.aad_object_id is None and person.tenant_id is None and person.locale is None
    await Directory(session_factory).add_members("19:long", [person])
    async with session_factory() as session:
        row = await session.get(Recipient, "29:user-long")
        assert row is not None and row.name == "N" * MAX_NAME
