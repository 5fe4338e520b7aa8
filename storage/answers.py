"""The one write path for answers: checks, then counters + comment + participation in ONE transaction.

Nothing that identifies the person goes into the answer tables; the user id is used only to
check membership and to compute the participation hash (rule 2).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.answer_models import AnonymousComment, AnswerCount, Participation, RoundResponses
from storage.card_input import as_choice, storable
from storage.db import SessionFactory, insert_for
from storage.errors import (
    AlreadyAnswered,
    CommentTooLong,
    InvalidAnswer,
    NotAMember,
    RoundClosed,
    RoundNotFound,
    RoundNotOpen,
)
from storage.models import Membership
from storage.participation import participation_key
from storage.pulse_models import PulseRound, RoundState
from storage.question_bank import QuestionBank
from storage.rounds import round_items

MAX_COMMENT_LENGTH = 1000


def clean_comment(comment: object) -> str | None:
    """Optional free text: trimmed, empty means none, bounded so a card cannot flood the table."""
    if comment is None:
        return None
    if not isinstance(comment, str) or not storable(comment):
        raise InvalidAnswer("comment must be text")
    text = comment.strip()
    if len(text) > MAX_COMMENT_LENGTH:
        raise CommentTooLong(f"{len(text)} > {MAX_COMMENT_LENGTH}")
    return text or None


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


async def claim_answer(
    session: AsyncSession, secret: str, round_id: str, user_id: str, now: datetime
) -> PulseRound:
    """Rules 1 and 2 for any answer: claim the participation hash, then check round and person.

    The first statement is a write: SQLite takes its write lock here, so the checks read the
    newest state and two racing submissions of one person serialise on this row. Every refusal
    raised here or later in the caller's transaction rolls the claim back with the rest.
    """
    insert = insert_for(session)
    try:
        claimed = await session.execute(
            insert(Participation)
            .values(round_id=round_id, key=participation_key(secret, round_id, user_id))
            .on_conflict_do_nothing()
        )
    except IntegrityError:  # foreign key: no such round
        raise RoundNotFound(round_id) from None
    pulse = await session.get(PulseRound, round_id)
    if pulse is None:
        raise RoundNotFound(round_id)
    if pulse.state == RoundState.SCHEDULED.value or now < pulse.opens_at:
        raise RoundNotOpen(round_id)
    if pulse.state == RoundState.CLOSED.value or now >= pulse.closes_at:
        raise RoundClosed(round_id)
    if await session.get(Membership, (pulse.unit_id, user_id)) is None:
        raise NotAMember(round_id)
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise AlreadyAnswered(round_id)
    return pulse


async def count_answer(
    session: AsyncSession, round_id: str, values: Mapping[str, int], comment: str | None
) -> None:
    """Add one answer to the counters and keep its comment under a random key, nothing more."""
    insert = insert_for(session)
    for item_id, value in values.items():
        await session.execute(
            insert(AnswerCount)
            .values(round_id=round_id, item_id=item_id, value=value, count=1)
            .on_conflict_do_update(
                index_elements=["round_id", "item_id", "value"],
                set_={"count": AnswerCount.count + 1},
            )
        )
    await session.execute(
        insert(RoundResponses)
        .values(round_id=round_id, responses=1)
        .on_conflict_do_update(
            index_elements=["round_id"], set_={"responses": RoundResponses.responses + 1}
        )
    )
    if comment:
        session.add(AnonymousComment(round_id=round_id, key=secrets.token_hex(16), text=comment))


async def submit_answer(
    factory: SessionFactory,
    bank: QuestionBank,
    secret: str,
    round_id: str,
    user_id: str,
    raw_answers: Mapping[str, object],
    comment: object,
    now: datetime,
) -> None:
    """Record one person's answer to one round, or raise the reason it is refused (nothing written)."""
    text = clean_comment(comment)
    async with factory.begin() as session:
        pulse = await claim_answer(session, secret, round_id, user_id, now)
        if pulse.sequence <= 0:  # a reflection round is answered on its own card
            raise RoundNotFound(round_id)
        values = validate_answers(bank, round_items(pulse), raw_answers)
        await count_answer(session, round_id, values, text)


class Answers:
    """The answer service as flows see it: the secret and the bank are bound here, not passed around."""

    def __init__(self, factory: SessionFactory, bank: QuestionBank, secret: str) -> None:
        self._factory = factory
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
        await submit_answer(
            self._factory, self._bank, self._secret, round_id, user_id, raw_answers, comment, now
        )
