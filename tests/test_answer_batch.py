"""Several submissions in one transaction (group commit), on real SQLite and PostgreSQL databases.

Each submission of a batch must end exactly as it would alone: the first valid answer of a
person counts, later ones in the same batch are refused as already answered, a refused one
leaves no row behind and does not use up the answer, and one refusal does not undo the others.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, insert, select
from sqlalchemy.exc import DBAPIError

from storage.anonymity.secrets import AnonymitySecrets
from storage.answers.batch import Outcome, RoundFacts, Submission, record_batch
from storage.answers.pulse import Answers, pulse_submission
from storage.answers.reflections import reflection_submission
from storage.answers.writer import AnswerWriter
from storage.db.engine import SessionFactory, create_engine, create_session_factory
from storage.db.migrate import upgrade
from storage.errors import (
    AlreadyAnswered,
    DomainError,
    InvalidAnswer,
    NotAMember,
    RoundClosed,
    RoundNotFound,
)
from storage.question_bank import default_bank
from storage.tables.answers import Participation, RoundResponses
from storage.tables.pulses import PulseRound, RoundState
from tests import test_answer_properties as properties
from tests.conftest import TEST_SECRET
from tests.support.pulse_fixtures import NOW, full_answer, open_round, team_with_members
from tests.support.staged import staged_comments
from tests.test_answers import counts, snapshot
from tests.test_reflections import publish_prompt

BANK = default_bank()


def answer(info, n, value=4, comment=None, now=NOW, round_id=None, answers=None) -> Submission:  # noqa: ANN001
    return pulse_submission(
        BANK,
        TEST_SECRET,
        round_id or info.id,
        f"29:user-{n}",
        full_answer(info, value) if answers is None else answers,
        comment,
        now,
    )


async def in_one_transaction(
    factory: SessionFactory, batch: list[Submission]
) -> list[type[Exception] | None]:
    async with factory.begin() as session:
        connection = await session.connection()
        outcomes: list[Outcome] = await connection.run_sync(record_batch, batch)
    return [type(outcome) if outcome else None for outcome in outcomes]


@pytest.fixture
async def pulse(session_factory: SessionFactory):
    unit = await team_with_members(session_factory, "19:a", range(1, 8))
    return await open_round(session_factory, unit)


async def test_a_person_counts_once_within_one_batch(session_factory, pulse) -> None:
    outcomes = await in_one_transaction(
        session_factory,
        [
            answer(pulse, 1, answers={}),  # invalid: does not use up the answer
            answer(pulse, 1, value=2, comment="første gyldige"),
            answer(pulse, 1, value=5, comment="igen"),
            answer(pulse, 1, answers={}),  # already answered comes before invalid, as alone
            answer(pulse, 2, value=3),
        ],
    )
    assert outcomes == [InvalidAnswer, None, AlreadyAnswered, AlreadyAnswered, None]
    assert await counts(session_factory, pulse.id) == {
        **{(item, 2): 1 for item in pulse.items},
        **{(item, 3): 1 for item in pulse.items},
    }
    assert await staged_comments(session_factory, pulse.id) == ["første gyldige"]
    rows = await snapshot(session_factory)
    assert rows["round_responses"] == [(pulse.id, 2)]
    assert len(rows["participation"]) == 2


async def test_refusals_in_a_batch_leave_no_trace_and_undo_nothing_else(
    session_factory, pulse
) -> None:
    other = await open_round(
        session_factory, await team_with_members(session_factory, "19:b", range(20, 23))
    )
    await in_one_transaction(session_factory, [answer(pulse, 7)])  # answered earlier
    before = await snapshot(session_factory)
    refused = [
        answer(pulse, 1, round_id="f" * 32),
        answer(other, 1),
        answer(pulse, 99),
        answer(pulse, 2, now=pulse.closes_at + timedelta(seconds=1)),
        answer(pulse, 3, answers={**full_answer(pulse), pulse.items[0]: 6}),
        answer(pulse, 7),
    ]
    outcomes = await in_one_transaction(session_factory, refused)
    assert outcomes == [
        RoundNotFound,
        NotAMember,
        NotAMember,
        RoundClosed,
        InvalidAnswer,
        AlreadyAnswered,
    ]
    assert await snapshot(session_factory) == before
    mixed = await in_one_transaction(
        session_factory, [*refused[:3], answer(pulse, 2, comment="tak"), *refused[3:]]
    )
    assert mixed == [*outcomes[:3], None, *outcomes[3:]]
    assert (await counts(session_factory, pulse.id)) == {(item, 4): 2 for item in pulse.items}
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Participation)) == 2
    assert await staged_comments(session_factory, pulse.id) == ["tak"]
    await in_one_transaction(session_factory, [answer(pulse, 3)])  # the refusals used nothing up


async def test_pulse_answers_and_reflections_share_a_batch(session_factory, pulse) -> None:
    unit_id = pulse.unit_id
    prompt_round = await publish_prompt(session_factory, unit_id)
    outcomes = await in_one_transaction(
        session_factory,
        [
            reflection_submission(TEST_SECRET, prompt_round, "29:user-1", "5", "godt", NOW),
            answer(pulse, 1),
            reflection_submission(TEST_SECRET, pulse.id, "29:user-2", "5", "forkert kort", NOW),
            answer(pulse, 3, round_id=prompt_round),
        ],
    )
    assert outcomes == [None, None, RoundNotFound, RoundNotFound]
    async with session_factory() as session:
        responses = dict(
            (await session.execute(select(RoundResponses.round_id, RoundResponses.responses))).all()
        )
    assert responses == {prompt_round: 1, pulse.id: 1}


async def test_the_group_writer_counts_racing_submissions_once(session_factory, pulse) -> None:
    answers = Answers(session_factory, BANK, TEST_SECRET)
    people = [n for n in range(1, 8) for _ in range(3)]  # everyone presses three times
    results = await asyncio.gather(
        *(answers.submit(pulse.id, f"29:user-{n}", full_answer(pulse), None, NOW) for n in people),
        return_exceptions=True,
    )
    assert sum(r is None for r in results) == 7
    assert all(isinstance(r, AlreadyAnswered) for r in results if r is not None)
    assert set((await counts(session_factory, pulse.id)).values()) == {7}


async def test_a_failing_batch_is_retried_one_by_one(session_factory, pulse) -> None:
    """An error that is not a refusal fails only its own submission; the others still commit."""

    def broken(_facts: RoundFacts) -> Mapping[str, int]:
        raise RuntimeError("not a refusal")

    good = [answer(pulse, n) for n in (1, 2, 3)]
    bad = Submission(pulse.id, "29:user-4", NOW, None, broken, AnonymitySecrets(TEST_SECRET))
    writer = AnswerWriter(session_factory)
    results = await asyncio.gather(
        *(writer.submit(s) for s in [good[0], bad, *good[1:]]), return_exceptions=True
    )
    assert [type(r) if r else None for r in results] == [None, RuntimeError, None, None]
    assert set((await counts(session_factory, pulse.id)).values()) == {3}
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Participation)) == 3


async def test_an_answer_racing_the_close_is_refused(session_factory, pulse) -> None:
    """The state is read after the claim: a close that locked the round first is seen (SQLite's
    write lock, PostgreSQL's row lock against the claim's foreign-key check), so no participation
    hash outlives the close and no counter moves after it."""
    answers = Answers(session_factory, BANK, TEST_SECRET)
    async with session_factory.begin() as closing:
        pulse_row = (
            await closing.execute(
                select(PulseRound).where(PulseRound.id == pulse.id).with_for_update()
            )
        ).scalar_one()
        pulse_row.state = RoundState.CLOSED.value
        await closing.flush()
        racing = asyncio.create_task(
            answers.submit(pulse.id, "29:user-1", full_answer(pulse), None, NOW)
        )
        await asyncio.sleep(0.2)
        assert not racing.done()  # waits for the close to commit
    with pytest.raises(RoundClosed):
        await racing
    rows = await snapshot(session_factory)
    assert rows["participation"] == [] and rows["staged_answers"] == []


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sequence=st.lists(properties.submission, max_size=25))
async def test_one_batch_counts_what_one_by_one_would(tmp_path: Path, sequence) -> None:
    """The property of tests/test_answer_properties.py for a whole sequence in ONE batch: each
    submission ends as it would alone, in order, and the counters equal the distinct valid first
    answers (SQLite only, like the sequential property)."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'batch.db'}")
    try:
        await upgrade(engine)
        factory = create_session_factory(engine)
        pulse = await open_round(
            factory, await team_with_members(factory, "19:prop", properties.MEMBERS)
        )
        expected: Counter[tuple[str, int]] = Counter()
        answered: set[int] = set()
        valid_flags, batch = [], []
        for s in sequence:
            answers: dict[str, object] = dict(zip(pulse.items, s["values"], strict=True))
            if s["drop_item"]:
                answers.pop(pulse.items[0])
            valid = (
                s["user"] in properties.MEMBERS
                and s["user"] not in answered
                and not s["drop_item"]
                and not s["forged_round"]
                and all(1 <= v <= 5 for v in s["values"])
                and (s["comment"] is None or len(s["comment"].strip()) <= 1000)
            )
            valid_flags.append(valid)
            if valid:
                answered.add(s["user"])
                expected.update(answers.items())  # type: ignore[arg-type]
            round_id = "0" * 32 if s["forged_round"] else pulse.id
            try:
                batch.append(
                    pulse_submission(
                        BANK,
                        TEST_SECRET,
                        round_id,
                        f"29:user-{s['user']}",
                        answers,
                        s["comment"],
                        NOW,
                    )
                )
            except DomainError:  # refused before the database, as alone
                batch.append(None)
        outcomes = iter(await in_one_transaction(factory, [b for b in batch if b is not None]))
        assert [b is not None and next(outcomes) is None for b in batch] == valid_flags
        assert await counts(factory, pulse.id) == dict(expected)
        async with factory() as session:
            responses = await session.scalar(
                select(RoundResponses.responses).where(RoundResponses.round_id == pulse.id)
            )
        assert (responses or 0) == len(answered)
    finally:
        await engine.dispose()


async def test_a_database_error_carries_no_bound_values(session_factory) -> None:
    """Errors are logged with their statement; its values (answers, comments) must not be in it."""
    async with session_factory() as session:
        with pytest.raises(DBAPIError) as raised:
            await session.execute(
                insert(Participation).values(round_id="no-such-round", key="VERDI-DER-ER-HEMMELIG")
            )
    assert "VERDI-DER-ER-HEMMELIG" not in str(raised.value)
    assert "no-such-round" not in str(raised.value)


async def test_the_writer_lets_go_of_its_connection_when_the_engine_is_disposed(
    session_factory, pulse
) -> None:
    writer = AnswerWriter(session_factory)
    await writer.submit(answer(pulse, 1))
    await session_factory.kw["bind"].dispose()
    assert writer._thread._sync_engine is None and writer._thread._thread is None
    await writer.submit(answer(pulse, 2))  # and takes a new one when used again
    assert (await counts(session_factory, pulse.id)) == {(item, 4): 2 for item in pulse.items}
