"""Property: whatever mix of valid and invalid submissions arrives, the counters equal the distinct
valid first answers — one per person, each with exactly the values of their first valid answer."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from storage.answers.pulse import submit_answer
from storage.db.engine import create_engine, create_session_factory
from storage.db.migrate import upgrade
from storage.errors import DomainError
from storage.question_bank import default_bank
from storage.rounds.lifecycle import Rounds
from storage.tables.answers import AnswerCount, RoundResponses
from tests.conftest import TEST_SECRET
from tests.support.pulse_fixtures import NOW, open_round, team_with_members
from tests.support.staged import staged_counts

BANK = default_bank()
MEMBERS = range(1, 7)  # user 7 and 8 are not members

submission = st.fixed_dictionaries(
    {
        "user": st.integers(1, 8),
        "values": st.lists(st.integers(-1, 7), min_size=5, max_size=5),
        "drop_item": st.booleans(),
        "forged_round": st.booleans(),
        "comment": st.one_of(st.none(), st.text(max_size=20), st.just("x" * 1001)),
    }
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sequence=st.lists(submission, max_size=25))
async def test_counters_equal_distinct_valid_first_answers(tmp_path: Path, sequence) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'prop.db'}")
    try:
        await upgrade(engine)
        factory = create_session_factory(engine)
        unit = await team_with_members(factory, "19:prop", MEMBERS)
        pulse = await open_round(factory, unit)  # a fresh round per example
        expected: Counter[tuple[str, int]] = Counter()
        answered: set[int] = set()
        for s in sequence:
            answers: dict[str, object] = dict(zip(pulse.items, s["values"], strict=True))
            if s["drop_item"]:
                answers.pop(pulse.items[0])
            valid = (
                s["user"] in MEMBERS
                and s["user"] not in answered
                and not s["drop_item"]
                and not s["forged_round"]
                and all(1 <= v <= 5 for v in s["values"])
                and (s["comment"] is None or len(s["comment"].strip()) <= 1000)
            )
            try:
                await submit_answer(
                    factory,
                    BANK,
                    TEST_SECRET,
                    "0" * 32 if s["forged_round"] else pulse.id,
                    f"29:user-{s['user']}",
                    answers,
                    s["comment"],
                    NOW,
                )
                accepted = True
            except DomainError:
                accepted = False
            assert accepted == valid
            if valid:
                answered.add(s["user"])
                expected.update(answers.items())  # type: ignore[arg-type]
        # Staged while open, the same sums once the round has closed (rule 10).
        assert await staged_counts(factory, pulse.id) == dict(expected)
        await Rounds(factory, BANK, TEST_SECRET).close(pulse.id)
        async with factory() as session:
            rows = await session.execute(
                select(AnswerCount.item_id, AnswerCount.value, AnswerCount.count).where(
                    AnswerCount.round_id == pulse.id
                )
            )
            assert {(i, v): c for i, v, c in rows} == dict(expected)
            responses = await session.scalar(
                select(RoundResponses.responses).where(RoundResponses.round_id == pulse.id)
            )
            assert (responses or 0) == len(answered)
    finally:
        await engine.dispose()
