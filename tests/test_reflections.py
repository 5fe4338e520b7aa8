"""Prompt rounds and reflections on real SQLite and PostgreSQL databases: the pulse's anonymous write path, reused.

A reflection counts once, is refused for the reasons a pulse answer is refused, changes nothing
when refused, and is shown to nobody before the round has closed with at least k answers.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from storage.anonymity.seal import Answer
from storage.answers.reflections import (
    RATING_ITEM,
    EmptyReflection,
    released_reflections,
    submit_reflection,
)
from storage.db.engine import SessionFactory
from storage.errors import (
    AlreadyAnswered,
    CommentTooLong,
    InvalidAnswer,
    NotAMember,
    RoundClosed,
    RoundNotFound,
)
from storage.prompts.file_format import starter_library
from storage.prompts.library import PromptLibrary
from storage.prompts.orders import PromptNotActive, PublicationIn
from storage.prompts.prompt_rounds import is_prompt_round
from storage.prompts.publisher import Publisher
from storage.question_bank import default_bank
from storage.rounds.lifecycle import Rounds
from storage.tables.answers import (
    AnonymousComment,
    AnswerCount,
    Participation,
    RoundKey,
    RoundResponses,
    StagedAnswer,
)
from storage.tables.outbox import OutboxKind, OutboxMessage
from storage.tables.prompts import PromptRound
from storage.tables.pulses import PulseRound, RoundState
from tests.conftest import TEST_SECRET
from tests.support.pulse_fixtures import NOW, open_round, team_with_members
from tests.support.staged import staged_answers, staged_counts

RATED = "borger-lettere"  # a starter prompt with a rating question
UNRATED = "borger-regel"  # a starter prompt without one


def publisher(factory: SessionFactory) -> Publisher:
    return Publisher(factory, Rounds(factory, default_bank(), TEST_SECRET), TEST_SECRET, 24)


async def publish_prompt(factory: SessionFactory, unit_id: str, prompt_id: str = RATED) -> str:
    await PromptLibrary(factory).seed(starter_library())
    order = PublicationIn(content="prompt", prompt_id=prompt_id, units=[unit_id])
    result = await publisher(factory).publish(order, NOW)
    (published,) = result.rounds
    return published.round_id


async def reflect(factory, round_id, n, rating=None, text=None, now=NOW):  # noqa: ANN001
    await submit_reflection(factory, TEST_SECRET, round_id, f"29:user-{n}", rating, text, now)


async def snapshot(factory: SessionFactory) -> dict[str, list[tuple]]:
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


@pytest.fixture
async def prompt_round(session_factory: SessionFactory) -> str:
    unit = await team_with_members(session_factory, "19:a", range(1, 8))
    return await publish_prompt(session_factory, unit)


async def test_publishing_opens_a_prompt_round_and_asks_every_member(
    session_factory, prompt_round
) -> None:
    async with session_factory() as session:
        pulse = await session.get(PulseRound, prompt_round)
        extension = await session.get(PromptRound, prompt_round)
        queued = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.kind == OutboxKind.PROMPT.value,
                OutboxMessage.subject_id == prompt_round,
            )
        )
    assert pulse is not None and extension is not None
    assert pulse.state == RoundState.OPEN.value and pulse.eligible_count == 7
    assert pulse.sequence < 0 and json.loads(pulse.items) == []
    assert pulse.closes_at == NOW + timedelta(days=7)
    assert extension.text_da.startswith("Hvornår har du sidst oplevet")
    assert queued == 7
    async with session_factory() as session:
        pulse_ids = await session.execute(
            select(PulseRound.id).where(~is_prompt_round(PulseRound.id))
        )
        prompt_ids = await session.execute(
            select(PulseRound.id).where(is_prompt_round(PulseRound.id))
        )
        assert (list(pulse_ids.scalars()), list(prompt_ids.scalars())) == ([], [prompt_round])


async def test_a_reflection_is_counted_once_in_the_anonymous_tables(
    session_factory, prompt_round
) -> None:
    await reflect(
        session_factory, prompt_round, 1, rating="4", text="  Vi ringede tilbage samme dag "
    )
    before = await snapshot(session_factory)
    with pytest.raises(AlreadyAnswered):
        await reflect(session_factory, prompt_round, 1, rating="1", text="igen")
    assert await snapshot(session_factory) == before
    assert await staged_answers(session_factory, prompt_round) == [
        Answer(values={RATING_ITEM: 4}, comment="Vi ringede tilbage samme dag")
    ]
    assert before["answer_counts"] == [] and before["anonymous_comments"] == []  # rule 10
    assert before["round_responses"] == [(prompt_round, 1)]
    assert len(before["participation"]) == 1
    await Rounds(session_factory, default_bank(), TEST_SECRET).close(prompt_round)
    after = await snapshot(session_factory)
    assert after["answer_counts"] == [(prompt_round, RATING_ITEM, 4, 1)]
    ((round_id, key, text),) = after["anonymous_comments"]
    assert (round_id, text) == (prompt_round, "Vi ringede tilbage samme dag") and len(key) == 32
    assert after["staged_answers"] == [] and after["participation"] == []


async def test_racing_double_submissions_count_once(session_factory, prompt_round) -> None:
    results = await asyncio.gather(
        *(reflect(session_factory, prompt_round, 2, rating=3) for _ in range(8)),
        return_exceptions=True,
    )
    assert sum(r is None for r in results) == 1
    assert all(isinstance(r, AlreadyAnswered) for r in results if r is not None)
    assert await staged_counts(session_factory, prompt_round) == {(RATING_ITEM, 3): 1}


@pytest.mark.parametrize(
    ("rating", "text", "error"),
    [
        (None, None, EmptyReflection),
        ("", "   ", EmptyReflection),
        ("6", None, InvalidAnswer),
        (0, None, InvalidAnswer),
        (True, None, InvalidAnswer),
        ("3; DROP TABLE", None, InvalidAnswer),
        (None, {"nested": "x"}, InvalidAnswer),
        (None, "x" * 501, CommentTooLong),
    ],
)
async def test_bad_reflections_are_refused_and_do_not_use_up_the_answer(
    session_factory, prompt_round, rating, text, error
) -> None:
    before = await snapshot(session_factory)
    with pytest.raises(error):
        await reflect(session_factory, prompt_round, 1, rating=rating, text=text)
    assert await snapshot(session_factory) == before
    await reflect(session_factory, prompt_round, 1, text="Nu med tekst")


async def test_a_rating_is_refused_when_the_prompt_asks_none(session_factory) -> None:
    unit = await team_with_members(session_factory, "19:b", range(1, 4))
    round_id = await publish_prompt(session_factory, unit, UNRATED)
    with pytest.raises(InvalidAnswer):
        await reflect(session_factory, round_id, 1, rating="3", text="tekst")
    await reflect(session_factory, round_id, 1, text="tekst")


async def test_refusals_for_rounds_people_and_time(session_factory, prompt_round) -> None:
    other_unit = await team_with_members(session_factory, "19:c", range(20, 23))
    pulse = await open_round(session_factory, other_unit)
    before = await snapshot(session_factory)
    with pytest.raises(NotAMember):
        await reflect(session_factory, prompt_round, 20, text="ikke mit team")
    with pytest.raises(RoundNotFound):  # a pulse round is answered on the pulse card only
        await reflect(session_factory, pulse.id, 20, text="forkert kort")
    with pytest.raises(RoundNotFound):
        await reflect(session_factory, "f" * 32, 1, text="opdigtet")
    with pytest.raises(RoundClosed):
        await reflect(
            session_factory, prompt_round, 1, text="for sent", now=NOW + timedelta(days=8)
        )
    assert await snapshot(session_factory) == before


async def test_reflections_are_released_only_after_close_and_with_k(
    session_factory, prompt_round
) -> None:
    for n in range(1, 5):
        await reflect(session_factory, prompt_round, n, rating=n, text=f"refleksion {n}")
    assert await released_reflections(session_factory, prompt_round, 5) is None  # still open
    await reflect(session_factory, prompt_round, 5, rating="5")
    assert await released_reflections(session_factory, prompt_round, 5) is None  # still open
    await Rounds(session_factory, default_bank(), TEST_SECRET).close(prompt_round)
    released = await released_reflections(session_factory, prompt_round, 5)
    assert released is not None and released.responses == 5 and released.eligible == 7
    assert released.ratings == {1: 1, 2: 1, 3: 1, 4: 1, 5: 1}
    # Five answered: the ratings reach k, the texts not the comment threshold (7 by default).
    assert released.texts == [] and released.texts_held_back
    assert released.comment_threshold == 7
    lower = await released_reflections(session_factory, prompt_round, 5, 5)
    assert lower is not None and not lower.texts_held_back
    assert sorted(lower.texts) == [f"refleksion {n}" for n in range(1, 5)]
    assert await released_reflections(session_factory, prompt_round, 6) is None  # below k
    async with session_factory() as session:  # rule 2: participation forgotten at close
        assert await session.scalar(select(func.count()).select_from(Participation)) == 0


async def test_reflection_texts_are_shown_from_the_comment_threshold(
    session_factory, prompt_round
) -> None:
    for n in range(1, 8):
        await reflect(session_factory, prompt_round, n, text=f"tanke {n}")
    await Rounds(session_factory, default_bank(), TEST_SECRET).close(prompt_round)
    released = await released_reflections(session_factory, prompt_round, 5)
    assert released is not None and not released.texts_held_back
    assert sorted(released.texts) == [f"tanke {n}" for n in range(1, 8)]
    stricter = await released_reflections(session_factory, prompt_round, 5, 8)
    assert stricter is not None and stricter.texts == [] and stricter.texts_held_back
    floor = await released_reflections(session_factory, prompt_round, 5, 3)  # never below k
    assert floor is not None and floor.comment_threshold == 5


async def test_a_rating_spread_needs_k_ratings_not_k_responses(
    session_factory, prompt_round
) -> None:
    await reflect(session_factory, prompt_round, 1, rating="2", text="med vurdering")
    for n in range(2, 6):
        await reflect(session_factory, prompt_round, n, text=f"kun tekst {n}")
    rated = await publish_prompt(
        session_factory, await team_with_members(session_factory, "19:rated", range(11, 18))
    )
    for n in range(11, 16):
        await reflect(session_factory, rated, n, rating=str(n % 5 + 1))
    rounds = Rounds(session_factory, default_bank(), TEST_SECRET)
    await rounds.close(prompt_round)
    await rounds.close(rated)
    one_rating = await released_reflections(session_factory, prompt_round, 5)
    assert one_rating is not None and one_rating.responses == 5  # five answered: that is shown
    assert one_rating.ratings is None and one_rating.ratings_held_back  # one rating: it is not
    assert one_rating.texts == [] and one_rating.texts_held_back  # five: below the threshold
    with_texts = await released_reflections(session_factory, prompt_round, 5, 5)
    assert with_texts is not None and len(with_texts.texts) == 5
    assert with_texts.ratings is None and with_texts.ratings_held_back
    k_ratings = await released_reflections(session_factory, rated, 5)
    assert k_ratings is not None and not k_ratings.ratings_held_back
    assert k_ratings.ratings == {1: 1, 2: 1, 3: 1, 4: 1, 5: 1}


async def test_only_active_prompts_are_published(session_factory) -> None:
    unit = await team_with_members(session_factory, "19:d", range(1, 4))
    library = PromptLibrary(session_factory)
    await library.seed(starter_library())
    await library.retire(RATED)
    with pytest.raises(PromptNotActive):
        await publisher(session_factory).publish(
            PublicationIn(content="prompt", prompt_id=RATED, units=[unit]), NOW
        )
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(PulseRound)) == 0


async def test_the_leader_summary_offers_released_reflections_and_never_mixes_them_in(
    session_factory, prompt_round
) -> None:
    from storage.results.summaries import RoundStillOpen, Summaries

    async with session_factory() as session:
        unit_id = (await session.get(PulseRound, prompt_round)).unit_id
    summaries = Summaries(session_factory, default_bank(), 5, lambda: NOW + timedelta(days=30))
    with pytest.raises(RoundStillOpen):
        await summaries.reflection_summary(prompt_round, {unit_id})
    for n in range(1, 4):
        await reflect(session_factory, prompt_round, n, rating=4, text=f"tanke {n}")
    await Rounds(session_factory, default_bank(), TEST_SECRET).close(prompt_round)
    (choice,) = await summaries.choices({unit_id})
    assert choice.prompt_text is not None and choice.sequence is None
    assert await summaries.latest_closed_round({unit_id}) is None  # not a pulse result
    assert await summaries.export_rows({unit_id}) == []
    below_k = await summaries.reflection_summary(prompt_round, {unit_id})
    assert below_k.released is None  # three answers: nothing shown


async def test_a_reflection_round_cannot_be_answered_as_a_pulse(
    session_factory, prompt_round
) -> None:
    from storage.answers.pulse import submit_answer

    before = await snapshot(session_factory)
    with pytest.raises(RoundNotFound):
        await submit_answer(
            session_factory, default_bank(), TEST_SECRET, prompt_round, "29:user-1", {}, "x", NOW
        )
    assert await snapshot(session_factory) == before
