"""The answer write path on real SQLite and PostgreSQL databases: what counts, what is refused, what is kept."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from storage.anonymity.participation import participation_key
from storage.answers.pulse import submit_answer
from storage.db.engine import SessionFactory
from storage.errors import (
    AlreadyAnswered,
    CommentTooLong,
    InvalidAnswer,
    NotAMember,
    RoundClosed,
    RoundNotFound,
    RoundNotOpen,
)
from storage.question_bank import default_bank
from storage.rounds.lifecycle import Rounds
from storage.tables.answers import (
    AnonymousComment,
    AnswerCount,
    FileRewrite,
    Participation,
    RoundKey,
    RoundResponses,
    StagedAnswer,
)
from tests.conftest import TEST_SECRET
from tests.support.pulse_fixtures import NOW, full_answer, open_round, team_with_members
from tests.support.staged import staged_comments, staged_counts

BANK = default_bank()


async def submit(factory, info, n, answers=None, comment=None, now=NOW, round_id=None):  # noqa: ANN001
    await submit_answer(
        factory,
        BANK,
        TEST_SECRET,
        round_id or info.id,
        f"29:user-{n}",
        full_answer(info) if answers is None else answers,
        comment,
        now,
    )


async def snapshot(factory: SessionFactory) -> dict[str, list[tuple]]:
    """Every row of every answer table: refused submissions must leave this unchanged."""
    async with factory() as session:
        result = {}
        for model in (
            AnswerCount,
            RoundResponses,
            AnonymousComment,
            Participation,
            StagedAnswer,
            RoundKey,
        ):
            rows = await session.execute(select(model.__table__))
            result[model.__tablename__] = sorted(tuple(r) for r in rows)
        return result


async def counts(factory: SessionFactory, round_id: str) -> dict[tuple[str, int], int]:
    """What the round's answers add up to: staged while it is open, counted once it closed."""
    return await staged_counts(factory, round_id) or await counted(factory, round_id)


async def counted(factory: SessionFactory, round_id: str) -> dict[tuple[str, int], int]:
    async with factory() as session:
        rows = await session.execute(
            select(AnswerCount.item_id, AnswerCount.value, AnswerCount.count).where(
                AnswerCount.round_id == round_id
            )
        )
        return {(item, value): count for item, value, count in rows}


@pytest.fixture
async def pulse(session_factory: SessionFactory):
    unit = await team_with_members(session_factory, "19:a", range(1, 8))
    return await open_round(session_factory, unit)


async def test_one_answer_moves_each_item_by_one(session_factory, pulse) -> None:
    await submit(
        session_factory,
        pulse,
        1,
        {i: v for i, v in zip(pulse.items, [1, 2, 3, 4, 5], strict=True)},
        comment="  Mere tid til makkerskab  ",
    )
    assert await counts(session_factory, pulse.id) == {
        (item, value): 1 for item, value in zip(pulse.items, [1, 2, 3, 4, 5], strict=True)
    }
    assert await staged_comments(session_factory, pulse.id) == ["Mere tid til makkerskab"]
    async with session_factory() as session:
        assert await session.scalar(select(RoundResponses.responses)) == 1
        key = participation_key(TEST_SECRET, pulse.id, "29:user-1")
        assert await session.get(Participation, (pulse.id, key)) is not None


async def test_card_strings_are_accepted_as_numbers(session_factory, pulse) -> None:
    await submit(session_factory, pulse, 1, {i: "3" for i in pulse.items})
    assert set((await counts(session_factory, pulse.id)).values()) == {1}


async def test_second_answer_is_refused_and_changes_nothing(session_factory, pulse) -> None:
    await submit(session_factory, pulse, 1)
    before = await snapshot(session_factory)
    with pytest.raises(AlreadyAnswered):
        await submit(session_factory, pulse, 1, full_answer(pulse, 1), comment="igen")
    assert await snapshot(session_factory) == before


async def test_racing_double_submission_counts_once(session_factory, pulse) -> None:
    results = await asyncio.gather(
        *(submit(session_factory, pulse, 2) for _ in range(8)), return_exceptions=True
    )
    assert sum(r is None for r in results) == 1
    assert all(isinstance(r, AlreadyAnswered) for r in results if r is not None)
    assert set((await counts(session_factory, pulse.id)).values()) == {1}


async def test_racing_different_people_all_count(session_factory, pulse) -> None:
    await asyncio.gather(*(submit(session_factory, pulse, n) for n in range(1, 8)))
    assert set((await counts(session_factory, pulse.id)).values()) == {7}


@pytest.mark.parametrize(
    "tamper",
    [
        lambda a: {**a, next(iter(a)): 6},
        lambda a: {**a, next(iter(a)): 0},
        lambda a: {**a, next(iter(a)): -1},
        lambda a: {**a, next(iter(a)): "5; DROP TABLE"},
        lambda a: {**a, next(iter(a)): 3.5},
        lambda a: {**a, next(iter(a)): True},
        lambda a: {**a, next(iter(a)): None},
        lambda a: {k: v for k, v in list(a.items())[1:]},
        lambda a: {**a, "tk9": 3},
        lambda a: {},
    ],
)
async def test_tampered_values_are_refused(session_factory, pulse, tamper) -> None:
    before = await snapshot(session_factory)
    with pytest.raises(InvalidAnswer):
        await submit(session_factory, pulse, 1, tamper(full_answer(pulse)))
    assert await snapshot(session_factory) == before
    await submit(session_factory, pulse, 1)  # the refusal did not use up the person's answer


async def test_forged_round_id_is_refused(session_factory, pulse) -> None:
    before = await snapshot(session_factory)
    with pytest.raises(RoundNotFound):
        await submit(session_factory, pulse, 1, round_id="f" * 32)
    assert await snapshot(session_factory) == before


async def test_another_units_round_is_refused(session_factory, pulse) -> None:
    other_unit = await team_with_members(session_factory, "19:b", range(20, 26))
    other = await open_round(session_factory, other_unit)
    before = await snapshot(session_factory)
    with pytest.raises(NotAMember):
        await submit(session_factory, other, 1)  # user 1 is in team a, not b
    assert await snapshot(session_factory) == before


async def test_after_closing_is_refused(session_factory, pulse) -> None:
    await submit(session_factory, pulse, 1)
    rounds = Rounds(session_factory, BANK, TEST_SECRET)
    with pytest.raises(RoundClosed):  # past closing time, even before the scheduler closed it
        await submit(session_factory, pulse, 2, now=pulse.closes_at + timedelta(seconds=1))
    await rounds.close(pulse.id)
    before = await snapshot(session_factory)
    with pytest.raises(RoundClosed):
        await submit(session_factory, pulse, 3)
    assert await snapshot(session_factory) == before


async def test_before_opening_is_refused(session_factory) -> None:
    unit = await team_with_members(session_factory, "19:c", range(1, 6))
    rounds = Rounds(session_factory, BANK, TEST_SECRET)
    later = await rounds.create(unit, NOW + timedelta(days=1), NOW + timedelta(days=3), None, "hr")
    with pytest.raises(RoundNotOpen):
        await submit(session_factory, later, 1)


async def test_comment_limits(session_factory, pulse) -> None:
    with pytest.raises(CommentTooLong):
        await submit(session_factory, pulse, 1, comment="x" * 1001)
    with pytest.raises(InvalidAnswer):
        await submit(session_factory, pulse, 1, comment={"nested": "object"})
    await submit(session_factory, pulse, 1, comment="   ")
    assert await staged_comments(session_factory, pulse.id) == []
    await Rounds(session_factory, BANK, TEST_SECRET).close(pulse.id)
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(AnonymousComment)) == 0


async def test_closing_forgets_participation(session_factory, pulse) -> None:
    for n in range(1, 6):
        await submit(session_factory, pulse, n, comment=f"kommentar {n}")
    await Rounds(session_factory, BANK, TEST_SECRET).close(pulse.id)
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Participation)) == 0
        assert await session.scalar(select(func.count()).select_from(AnonymousComment)) == 5
        assert await session.scalar(select(RoundResponses.responses)) == 5


async def test_an_open_round_counts_nothing_and_its_close_counts_each_answer_once(
    session_factory, pulse
) -> None:
    """Rule 10: while open, no counter and no comment exists, only sealed answers; the close
    writes them all, and forgets the staged rows and the round's salt in the same transaction."""
    chosen = {n: {i: (n + j) % 5 + 1 for j, i in enumerate(pulse.items)} for n in range(1, 6)}
    for n, values in chosen.items():
        await submit(session_factory, pulse, n, values, comment=f"kommentar {n}")
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(AnswerCount)) == 0
        assert await session.scalar(select(func.count()).select_from(AnonymousComment)) == 0
        sealed = list((await session.execute(select(StagedAnswer.sealed))).scalars())
    assert len(sealed) == 5 and len({len(blob) for blob in sealed}) == 1  # one length for all
    assert not any(b"kommentar" in blob for blob in sealed)
    expected: dict[tuple[str, int], int] = {}
    for values in chosen.values():
        for item_value in values.items():
            expected[item_value] = expected.get(item_value, 0) + 1
    assert await staged_counts(session_factory, pulse.id) == expected

    rounds = Rounds(session_factory, BANK, TEST_SECRET)
    await rounds.close(pulse.id)
    assert await rounds.close(pulse.id) is None  # a second close counts nothing again
    assert await counted(session_factory, pulse.id) == expected
    async with session_factory() as session:
        texts = sorted((await session.execute(select(AnonymousComment.text))).scalars())
        assert texts == [f"kommentar {n}" for n in range(1, 6)]
        for model in (StagedAnswer, RoundKey, Participation, FileRewrite):
            assert await session.scalar(select(func.count()).select_from(model)) == 0, model


async def test_a_close_with_another_secret_loses_nothing_and_closes_the_other_rounds(
    session_factory, pulse
) -> None:
    """Staged answers open only with the secret they were sealed with: a close under another
    one is refused for that round (it stays open, everything staged), not for the others."""
    other_unit = await team_with_members(session_factory, "19:other", range(30, 36))
    other = await open_round(session_factory, other_unit)
    for n in range(1, 4):
        await submit(session_factory, pulse, n, comment=f"kommentar {n}")
    wrong = Rounds(session_factory, BANK, "another-secret-0123456789-0123456789")
    closed = await wrong.close_due(pulse.closes_at + timedelta(minutes=1))
    assert [info.id for info in closed] == [other.id]
    assert (await Rounds(session_factory, BANK, TEST_SECRET).get(pulse.id)).state == "open"
    assert len(await staged_comments(session_factory, pulse.id)) == 3
    await Rounds(session_factory, BANK, TEST_SECRET).close(pulse.id)
    assert set((await counted(session_factory, pulse.id)).values()) == {3}


async def test_a_round_open_across_the_upgrade_keeps_its_counters_and_adds_the_staged(
    session_factory, pulse
) -> None:
    """Before migration 0011 answers went straight into the counters; a round open during the
    upgrade has some. Its close adds the staged answers to them rather than replacing them."""
    async with session_factory.begin() as session:
        for item in pulse.items:
            session.add(AnswerCount(round_id=pulse.id, item_id=item, value=4, count=2))
    for n in range(1, 4):
        await submit(session_factory, pulse, n)  # value 4 for every item
    await Rounds(session_factory, BANK, TEST_SECRET).close(pulse.id)
    assert await counted(session_factory, pulse.id) == {(item, 4): 5 for item in pulse.items}
