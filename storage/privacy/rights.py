"""Rule 7: a person can ask what the bot holds about them, and gets the true and complete answer."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select

from storage.anonymity.participation import has_participated
from storage.anonymity.secrets import AnonymitySecrets
from storage.db.engine import SessionFactory
from storage.privacy.audit import viewer_of
from storage.tables.audit import AuditRow
from storage.tables.directory import Membership, Recipient, RoleAssignment, Unit
from storage.tables.outbox import DeliveryState, DeliveryWatch, OutboxMessage, PushOrigin
from storage.tables.prompts import Publication
from storage.tables.pulses import PulseRound, PulseSchedule, RoundState


class PersonalData(BaseModel):
    """Everything linked to one person. Answers are not here because nothing links them to anyone."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    known: bool
    aad_object_id: str | None = None
    name: str | None = None
    locale: str | None = None
    personal_chat_stored: bool = False
    units: list[str] = []
    led_units: list[str] = []
    open_rounds: int = 0
    open_rounds_answered: int = 0
    queued_messages: int = 0
    results_viewed: int = (
        0  # rows about them as a viewer in the audit log (storage/privacy/audit.py)
    )
    pushes_ordered: int = 0  # rounds, schedules and publications that name them as who ordered


class Privacy:
    def __init__(self, factory: SessionFactory, secret: str | AnonymitySecrets) -> None:
        self._factory = factory
        self._secret = secret

    async def personal_data(self, user_id: str) -> PersonalData:
        async with self._factory() as session:
            person = await session.get(Recipient, user_id)
            if person is None:
                return PersonalData(user_id=user_id, known=False)
            units = list(
                (
                    await session.execute(
                        select(Unit.name)
                        .join(Membership, Membership.unit_id == Unit.id)
                        .where(Membership.user_id == user_id)
                        .order_by(Unit.name)
                    )
                ).scalars()
            )
            led = []
            if person.aad_object_id:
                led = list(
                    (
                        await session.execute(
                            select(Unit.name)
                            .join(RoleAssignment, RoleAssignment.unit_id == Unit.id)
                            .where(RoleAssignment.aad_object_id == person.aad_object_id)
                            .order_by(Unit.name)
                        )
                    ).scalars()
                )
            open_rounds = list(
                (
                    await session.execute(
                        select(PulseRound.id)
                        .join(Membership, Membership.unit_id == PulseRound.unit_id)
                        .where(
                            Membership.user_id == user_id,
                            PulseRound.state == RoundState.OPEN.value,
                        )
                    )
                ).scalars()
            )
            answered = 0
            for round_id in open_rounds:
                if await has_participated(session, self._secret, round_id, user_id):
                    answered += 1
            queued = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(
                    OutboxMessage.user_id == user_id,
                    OutboxMessage.state.in_(
                        [DeliveryState.PENDING.value, DeliveryState.SENDING.value]
                    ),
                )
            )
            views = await session.scalar(
                select(func.count())
                .select_from(AuditRow)
                .where(
                    AuditRow.viewer_id.in_(
                        {viewer_of(person.aad_object_id, user_id), viewer_of(None, user_id)}
                    )
                )
            )
            ordered = 0
            if person.aad_object_id:
                for model in (PushOrigin, Publication, PulseSchedule, DeliveryWatch):
                    ordered += int(
                        await session.scalar(
                            select(func.count())
                            .select_from(model)
                            .where(model.requested_by == person.aad_object_id)
                        )
                        or 0
                    )
            return PersonalData(
                user_id=user_id,
                known=True,
                aad_object_id=person.aad_object_id,
                name=person.name,
                locale=person.locale,
                personal_chat_stored=person.personal_reference is not None,
                units=units,
                led_units=led,
                open_rounds=len(open_rounds),
                open_rounds_answered=answered,
                queued_messages=int(queued or 0),
                results_viewed=int(views or 0),
                pushes_ordered=ordered,
            )
