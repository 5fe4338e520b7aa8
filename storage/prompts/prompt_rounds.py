"""Prompt rounds as the rest of storage and the cards see them.

A prompt round is a `pulse_rounds` row plus a `prompt_rounds` row with the texts as asked
(`is_prompt_round` tells them apart in SQL). Its cards read it here, a member asks here for their
private card from the channel, and at close who asked is forgotten here, like participation.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, delete, exists, func, select

from storage.anonymity.participation import has_participated
from storage.anonymity.secrets import AnonymitySecrets
from storage.db.engine import SessionFactory
from storage.delivery.outbox import enqueue
from storage.errors import AlreadyAnswered, NotAMember, RoundClosed, RoundNotFound
from storage.prompts.views import PromptRoundInfo
from storage.tables.directory import Membership, Unit
from storage.tables.outbox import OutboxKind, OutboxMessage
from storage.tables.prompts import Delivery, PromptRound, Theme
from storage.tables.pulses import PulseRound, RoundState

__all__ = ["PromptRounds", "is_prompt_round"]


def is_prompt_round(round_id: ColumnElement[str]) -> ColumnElement[bool]:
    """SQL: this `pulse_rounds.id` is a prompt round, e.g. `.where(~is_prompt_round(PulseRound.id))`.

    Pulse summaries, trends and exports filter with this, so reflections never enter pulse scores.
    """
    return exists().where(PromptRound.round_id == round_id)


class PromptRounds:
    """The prompt rounds the publisher opened, read and asked for one at a time."""

    def __init__(self, factory: SessionFactory, secret: str | AnonymitySecrets) -> None:
        self._factory = factory
        self._secret = secret

    async def prompt_round(self, round_id: str) -> PromptRoundInfo:
        async with self._factory() as session:
            row = (
                await session.execute(
                    select(PulseRound, PromptRound, Unit.name)
                    .join(PromptRound, PromptRound.round_id == PulseRound.id)
                    .join(Unit, Unit.id == PulseRound.unit_id)
                    .where(PulseRound.id == round_id)
                )
            ).first()
            if row is None:
                raise RoundNotFound(round_id)
            pulse, prompt_round, unit_name = row
            return PromptRoundInfo(
                id=pulse.id,
                unit_id=pulse.unit_id,
                unit_name=unit_name,
                prompt_id=prompt_round.prompt_id,
                theme=Theme(prompt_round.theme),
                delivery=Delivery(prompt_round.delivery),
                text_da=prompt_round.text_da,
                text_en=prompt_round.text_en,
                rating_da=prompt_round.rating_da,
                rating_en=prompt_round.rating_en,
                closes_at=pulse.closes_at,
                state=RoundState(pulse.state),
                eligible_count=pulse.eligible_count,
            )

    async def request_card(self, round_id: str, user_id: str, now: datetime) -> bool:
        """From the channel card: send this member the reflection card in their personal chat.

        Returns False when it was already queued for them. Refuses closed rounds, non-members and
        people who already answered (the participation hash says so, and only to them).
        """
        async with self._factory.begin() as session:
            pulse = await session.get(PulseRound, round_id)
            if pulse is None or await session.get(PromptRound, round_id) is None:
                raise RoundNotFound(round_id)
            if pulse.state != RoundState.OPEN.value or now >= pulse.closes_at:
                raise RoundClosed(round_id)
            if await session.get(Membership, (pulse.unit_id, user_id)) is None:
                raise NotAMember(round_id)
            if await has_participated(session, self._secret, round_id, user_id):
                raise AlreadyAnswered(round_id)
            queued = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(
                    OutboxMessage.kind == OutboxKind.PROMPT.value,
                    OutboxMessage.subject_id == round_id,
                    OutboxMessage.user_id == user_id,
                )
            )
            if queued:
                return False
            # Not held by quiet hours: the member asked for this card just now, it is no push.
            await enqueue(session, OutboxKind.PROMPT, round_id, [user_id], now)
            return True

    async def forget_channel_requests(self) -> int:
        """At close, like participation: who asked for a private card from a channel is forgotten.

        In a channel round only those who pressed "answer anonymously" have outbox rows, and that
        list comes close to "who answered"; personal rounds ask everyone, so theirs say nothing.
        """
        closed_channel_rounds = (
            select(PromptRound.round_id)
            .join(PulseRound, PulseRound.id == PromptRound.round_id)
            .where(
                PromptRound.delivery == Delivery.CHANNEL.value,
                PulseRound.state == RoundState.CLOSED.value,
            )
        )
        async with self._factory.begin() as session:
            result = await session.execute(
                delete(OutboxMessage).where(
                    OutboxMessage.kind == OutboxKind.PROMPT.value,
                    OutboxMessage.subject_id.in_(closed_channel_rounds),
                )
            )
            return int(result.rowcount)  # type: ignore[attr-defined]
