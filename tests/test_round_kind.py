"""A round's kind (pulse or prompt) is named in one place: storage.tables.pulses.RoundKind.

Its number carries it (pulses count up from 1, prompts down from -1), and only `round_kind`,
`PulseRound.kind`, `of_kind` and `next_sequence` read or write that. Here the Python and the SQL
reading agree, and both agree with what each round really is: a prompt round has its
`prompt_rounds` row (storage.prompts.prompt_rounds.is_prompt_round), a pulse has none.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.db.engine import SessionFactory
from storage.prompts.file_format import starter_library
from storage.prompts.library import PromptLibrary
from storage.prompts.orders import PublicationIn
from storage.prompts.prompt_rounds import is_prompt_round
from storage.prompts.publisher import Publisher
from storage.question_bank import default_bank
from storage.rounds.lifecycle import Rounds
from storage.tables.pulses import PulseRound, RoundKind, next_sequence, of_kind, round_kind
from tests.conftest import TEST_SECRET
from tests.support.pulse_fixtures import NOW, open_round, team_with_members


def test_the_number_says_the_kind_and_each_kind_counts_away_from_zero() -> None:
    assert [round_kind(n) for n in (-2, -1, 0, 1, 2)] == [RoundKind.PROMPT] * 3 + [
        RoundKind.PULSE
    ] * 2
    assert [next_sequence(RoundKind.PULSE, n) for n in (None, 1, 7)] == [1, 2, 8]
    assert [next_sequence(RoundKind.PROMPT, n) for n in (None, 3, -1, -5)] == [-1, -1, -2, -6]
    for kind in RoundKind:
        for furthest in (None, -4, 5):
            assert round_kind(next_sequence(kind, furthest)) is kind


async def test_python_and_sql_agree_with_the_prompt_rounds_table(
    session_factory: SessionFactory,
) -> None:
    unit = await team_with_members(session_factory, "19:kind", range(1, 6))
    rounds = Rounds(session_factory, default_bank(), TEST_SECRET)
    publisher = Publisher(session_factory, rounds, TEST_SECRET, 24)
    await PromptLibrary(session_factory).seed(starter_library())
    first = await open_round(session_factory, unit)
    await rounds.close(first.id)
    for days in (1, 2):  # two prompts between two pulses: the numbers interleave by kind
        order = PublicationIn(content="prompt", prompt_id="borger-regel", units=[unit])
        await publisher.publish(order, NOW + timedelta(days=days))
    second = await open_round(session_factory, unit, NOW + timedelta(days=3))

    async with session_factory() as session:
        every = list((await session.execute(select(PulseRound))).scalars())
        prompts = set(
            (await session.execute(select(PulseRound.id).where(is_prompt_round(PulseRound.id))))
            .scalars()
            .all()
        )
        by_sql = {
            kind: set((await session.execute(select(PulseRound.id).where(of_kind(kind)))).scalars())
            for kind in RoundKind
        }
    assert len(every) == 4 and len(prompts) == 2
    assert (
        {r.id for r in every if r.kind is RoundKind.PROMPT} == prompts == by_sql[RoundKind.PROMPT]
    )
    assert {r.id for r in every if r.kind is RoundKind.PULSE} == {first.id, second.id}
    assert by_sql[RoundKind.PULSE] == {first.id, second.id}
    assert sorted(r.sequence for r in every) == [-2, -1, 1, 2]
