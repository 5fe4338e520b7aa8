"""Pulse answers: the checks that belong to a pulse, on top of the shared write path.

The write itself (participation claimed first, counters, comment, all in one transaction) is
storage/answers/batch.py, shared with reflections. Nothing that identifies the person goes into
the answer tables; the user id is used only to check membership and to compute the
participation hash (rule 2).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from storage.anonymity.secrets import AnonymitySecrets
from storage.answers.batch import RoundFacts, Submission
from storage.answers.card_input import as_choice, storable
from storage.answers.writer import AnswerWriter, record_alone
from storage.comments import one_line
from storage.db.engine import SessionFactory
from storage.errors import CommentTooLong, InvalidAnswer, RoundNotFound
from storage.question_bank import QuestionBank
from storage.tables.pulses import RoundKind, round_kind

MAX_COMMENT_LENGTH = 1000


def clean_comment(comment: object) -> str | None:
    """Optional free text: bounded so a card cannot flood the table, kept as one line of visible
    characters (storage/comments.py), empty means none."""
    if comment is None:
        return None
    if not isinstance(comment, str) or not storable(comment):
        raise InvalidAnswer("comment must be text")
    text = comment.strip()
    if len(text) > MAX_COMMENT_LENGTH:
        raise CommentTooLong(f"{len(text)} > {MAX_COMMENT_LENGTH}")
    return one_line(text) or None


def validate_answers(
    bank: QuestionBank, items: list[str], raw: Mapping[str, object]
) -> dict[str, int]:
    """Exactly the round's items, each a whole number on its scale; anything else is tampering."""
    if set(raw) != set(items):
        raise InvalidAnswer("answers do not match the round's items")
    values: dict[str, int] = {}
    for item_id in items:
        value = raw[item_id]
        if isinstance(value, bool):
            raise InvalidAnswer("not a number")
        value = as_choice(value)
        if not isinstance(value, int) or value not in bank.scale_of(item_id).values():
            raise InvalidAnswer("value out of range")
        values[item_id] = value
    return values


def pulse_values(
    bank: QuestionBank, raw: Mapping[str, object]
) -> Callable[[RoundFacts], Mapping[str, int]]:
    """The pulse's rules for `record_batch`: a pulse round, and exactly its items on their scales."""

    def values(facts: RoundFacts) -> Mapping[str, int]:
        if round_kind(facts.sequence) is RoundKind.PROMPT:  # answered on its own card
            raise RoundNotFound(facts.id)
        return validate_answers(bank, list(facts.items), raw)

    return values


def pulse_submission(
    bank: QuestionBank,
    secret: str | AnonymitySecrets,
    round_id: str,
    user_id: str,
    raw_answers: Mapping[str, object],
    comment: object,
    now: datetime,
) -> Submission:
    """What can be checked without the database is checked here (the comment), the rest in the write."""
    return Submission(
        round_id=round_id,
        user_id=user_id,
        now=now,
        comment=clean_comment(comment),
        values=pulse_values(bank, raw_answers),
        secrets=AnonymitySecrets.of(secret),
    )


async def submit_answer(
    factory: SessionFactory,
    bank: QuestionBank,
    secret: str | AnonymitySecrets,
    round_id: str,
    user_id: str,
    raw_answers: Mapping[str, object],
    comment: object,
    now: datetime,
) -> None:
    """Record one person's answer to one round, or raise the reason it is refused (nothing written)."""
    submission = pulse_submission(bank, secret, round_id, user_id, raw_answers, comment, now)
    await record_alone(factory, submission)


class Answers:
    """The answer service as flows see it: the secret and the bank are bound here, not passed around.

    Submissions go through the group-committing writer, shared with the reflections when the
    app wires one in; each still commits or is refused on its own (storage/answers/writer.py).
    """

    def __init__(
        self,
        factory: SessionFactory,
        bank: QuestionBank,
        secret: str | AnonymitySecrets,
        writer: AnswerWriter | None = None,
    ) -> None:
        self._writer = writer or AnswerWriter(factory)
        self._bank = bank
        self._secret = secret

    async def submit(
        self,
        round_id: str,
        user_id: str,
        raw_answers: Mapping[str, object],
        comment: object,
        now: datetime,
    ) -> None:
        await self._writer.submit(
            pulse_submission(self._bank, self._secret, round_id, user_id, raw_answers, comment, now)
        )
