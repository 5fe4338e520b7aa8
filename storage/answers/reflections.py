"""Reflections on a prompt: written exactly like pulse answers, through the same staging.

A prompt round is a `pulse_rounds` row, so a reflection is: the participation hash claimed first
(rule 2), then the rating and the text sealed together as one staged answer and the round's
response count (`round_responses`), all in ONE transaction. When the round closes the rating
becomes a counter under the item id "rating" (`answer_counts`) and the text an anonymous comment
under a random key (`anonymous_comments`), with every other answer at once (storage/
round_tally.py), so no table or file learns who answered, what, or when within the round (rule 1).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from storage.anonymity.secrets import AnonymitySecrets
from storage.answers.batch import RoundFacts, Submission
from storage.answers.card_input import as_choice, storable
from storage.answers.writer import AnswerWriter, record_alone
from storage.comments import (
    DEFAULT_MIN_COMMENT_GROUP_SIZE,
    comment_threshold,
    comments_shown,
    one_line,
)
from storage.db.engine import SessionFactory
from storage.errors import (
    CommentTooLong,
    DomainError,
    InvalidAnswer,
    RoundNotFound,
)
from storage.tables.answers import AnonymousComment, AnswerCount, RoundResponses
from storage.tables.prompts import PromptRound
from storage.tables.pulses import PulseRound, RoundState

RATING_ITEM = "rating"  # the item id of a prompt's 1–5 rating in answer_counts
RATING_VALUES = range(1, 6)
MAX_REFLECTION_LENGTH = 500


class EmptyReflection(DomainError):
    """Neither a text nor a rating: there is nothing to record, and the answer is not used up."""

    code = "empty_reflection"


def clean_text(text: object) -> str | None:
    """A short free text: bounded so a card cannot flood the table, kept as one line of visible
    characters (storage/comments.py), empty means none."""
    if text is None:
        return None
    if not isinstance(text, str) or not storable(text):
        raise InvalidAnswer("reflection must be text")
    cleaned = text.strip()
    if len(cleaned) > MAX_REFLECTION_LENGTH:
        raise CommentTooLong(f"{len(cleaned)} > {MAX_REFLECTION_LENGTH}")
    return one_line(cleaned) or None


def clean_rating(rating: object, asked: bool) -> int | None:
    """1–5 when the prompt asks for a rating; a card sends strings and "" for "not chosen"."""
    if rating is None or rating == "":
        return None
    if not asked or isinstance(rating, bool):
        raise InvalidAnswer("no rating was asked" if not asked else "not a number")
    rating = as_choice(rating)
    if not isinstance(rating, int) or rating not in RATING_VALUES:
        raise InvalidAnswer("rating out of range")
    return rating


def reflection_values(
    rating: object, text: str | None
) -> Callable[[RoundFacts], Mapping[str, int]]:
    """The prompt's rules for `record_batch`: a prompt round, a rating only if asked, not empty."""

    def values(facts: RoundFacts) -> Mapping[str, int]:
        if not facts.prompt:  # a pulse round is answered on its own card
            raise RoundNotFound(facts.id)
        value = clean_rating(rating, asked=facts.rating_asked)
        if value is None and text is None:
            raise EmptyReflection(facts.id)
        return {RATING_ITEM: value} if value is not None else {}

    return values


def reflection_submission(
    secret: str | AnonymitySecrets,
    round_id: str,
    user_id: str,
    rating: object,
    text: object,
    now: datetime,
) -> Submission:
    """The text is checked here, without the database; the rest in the write."""
    cleaned = clean_text(text)
    return Submission(
        round_id=round_id,
        user_id=user_id,
        now=now,
        comment=cleaned,
        values=reflection_values(rating, cleaned),
        secrets=AnonymitySecrets.of(secret),
    )


async def submit_reflection(
    factory: SessionFactory,
    secret: str | AnonymitySecrets,
    round_id: str,
    user_id: str,
    rating: object,
    text: object,
    now: datetime,
) -> None:
    """Record one person's reflection on one prompt round, or raise why not (nothing written)."""
    await record_alone(factory, reflection_submission(secret, round_id, user_id, rating, text, now))


class ReleasedReflections(BaseModel):
    """What a leader may see of a closed prompt round that reached k: texts and the rating spread.

    Texts and ratings have thresholds of their own; what is held back is said, never shown."""

    model_config = ConfigDict(frozen=True)

    round_id: str
    prompt_id: str
    responses: int
    eligible: int | None
    texts: list[str]  # random order, no time, no author (rule 6); empty when held back
    ratings: dict[int, int] | None  # value → count; None when not asked or held back
    texts_held_back: bool = False  # fewer answered than the comment threshold
    ratings_held_back: bool = False  # a rating was asked, but fewer than k gave one
    comment_threshold: int = DEFAULT_MIN_COMMENT_GROUP_SIZE  # the one in force for this round


def rating_spread_shown(ratings: int, k: int) -> bool:
    """A rating spread is a distribution of the ratings: it needs k ratings, not k responses
    (rule 3), or five reflections with one rating would show that one person's rating."""
    return ratings >= k


async def released_reflections(
    factory: SessionFactory,
    round_id: str,
    k: int,
    min_comment_group_size: int = DEFAULT_MIN_COMMENT_GROUP_SIZE,
) -> ReleasedReflections | None:
    """The reflections of a prompt round, or None while nothing of it may be shown.

    None unless the round is a prompt round, it has closed (rule 5), and at least k people answered
    (rule 3: the number who answered is a figure too). The texts are shown only when the round
    reached the comment threshold (rule 6), the rating spread only when at least k rated.
    Summaries across several rounds must still apply the differencing rule (4).
    """
    async with factory() as session:
        row = (
            await session.execute(
                select(PulseRound, PromptRound)
                .join(PromptRound, PromptRound.round_id == PulseRound.id)
                .where(PulseRound.id == round_id)
            )
        ).first()
        if row is None:
            return None
        pulse, prompt_round = row
        if pulse.state != RoundState.CLOSED.value:
            return None
        responses = int(
            await session.scalar(
                select(RoundResponses.responses).where(RoundResponses.round_id == round_id)
            )
            or 0
        )
        if responses < k:
            return None
        texts_shown = comments_shown(responses, k, min_comment_group_size)
        texts: list[str] = []
        if texts_shown:
            texts = list(
                (
                    await session.execute(
                        select(AnonymousComment.text).where(AnonymousComment.round_id == round_id)
                    )
                ).scalars()
            )
        ratings = None
        ratings_held_back = False
        if prompt_round.rating_da is not None:
            counted = await session.execute(
                select(AnswerCount.value, AnswerCount.count).where(
                    AnswerCount.round_id == round_id, AnswerCount.item_id == RATING_ITEM
                )
            )
            found = {int(value): int(count) for value, count in counted.all()}
            if rating_spread_shown(sum(found.values()), k):
                ratings = {value: found.get(value, 0) for value in RATING_VALUES}
            else:
                ratings_held_back = True
    random.SystemRandom().shuffle(texts)
    return ReleasedReflections(
        round_id=round_id,
        prompt_id=prompt_round.prompt_id,
        responses=responses,
        eligible=pulse.eligible_count,
        texts=texts,
        ratings=ratings,
        texts_held_back=not texts_shown,
        ratings_held_back=ratings_held_back,
        comment_threshold=comment_threshold(k, min_comment_group_size),
    )


class Reflections:
    """The reflection service as flows see it: the secret is bound here, not passed around.

    Reflections share the pulse answers' group-committing writer when the app wires one in.
    """

    def __init__(
        self,
        factory: SessionFactory,
        secret: str | AnonymitySecrets,
        writer: AnswerWriter | None = None,
    ) -> None:
        self._factory = factory
        self._secret = secret
        self._writer = writer or AnswerWriter(factory)

    async def submit(
        self, round_id: str, user_id: str, rating: object, text: object, now: datetime
    ) -> None:
        await self._writer.submit(
            reflection_submission(self._secret, round_id, user_id, rating, text, now)
        )

    async def released(
        self,
        round_id: str,
        k: int,
        min_comment_group_size: int = DEFAULT_MIN_COMMENT_GROUP_SIZE,
    ) -> ReleasedReflections | None:
        return await released_reflections(self._factory, round_id, k, min_comment_group_size)
