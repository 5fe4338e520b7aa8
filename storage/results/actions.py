"""A unit's handlingsplan: the actions a team agreed after its results, and how they went.

In a Danish municipality a measurement is worth something when it becomes a dialogue in the team
and a plan the local MED committee follows up. Each action says what it addresses (a dimension,
a question or one of the four themes), who carries it, by when, and its status; the unit's next
pulse asks about it by name, and that question's released result is shown beside it.

Actions are written by leaders about the team's work: they hold no answer and no author. The
follow-up result comes from a round's own figures, so it is shown only when that round is
(disclosure.round_decision).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.calendar.zone import local_date
from storage.db.engine import SessionFactory
from storage.disclosure import Suppression, round_decision
from storage.errors import DomainError, NotAllowed, RoundNotFound, UnitNotFound
from storage.question_bank import QuestionBank
from storage.scores import distribution_score
from storage.tables.answers import AnswerCount, RoundResponses
from storage.tables.directory import Unit, utcnow
from storage.tables.prompts import Theme
from storage.tables.pulses import PulseRound, RoundState
from storage.tables.results import AgreedAction

MAX_TITLE = 500  # as the card's field allowed before the plan had more fields
MAX_RESPONSIBLE = 200
PLAN_LENGTH = 20  # actions on a card: the newest first


class ActionStatus(StrEnum):
    PLANNED = "planned"  # planlagt
    IN_PROGRESS = "in_progress"  # i gang
    DONE = "done"  # gennemført
    DROPPED = "dropped"  # droppet


class ActionNotFound(DomainError):
    code = "action_not_found"


class EmptyAction(DomainError):
    code = "empty_action"


class InvalidAction(DomainError):
    """A field of an action that cannot be saved; `field` names it for the reply."""

    code = "invalid_action"

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


def _one_line(value: Any) -> Any:
    """Titles and names are one line on a card: runs of whitespace (and control characters)
    become one space."""
    if not isinstance(value, str):
        return value
    return " ".join("".join(c if c.isprintable() else " " for c in value).split())


class ActionIn(BaseModel):
    """An action as a leader writes it on the card (or HR through the API)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str = Field(min_length=1, max_length=MAX_TITLE)
    addresses: str | None = Field(default=None, pattern=r"^(dimension|item|theme):[a-z0-9_]{1,40}$")
    responsible: str | None = Field(default=None, max_length=MAX_RESPONSIBLE)
    deadline: date | None = None
    status: ActionStatus = ActionStatus.PLANNED

    @model_validator(mode="before")
    @classmethod
    def _clean(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {key: _one_line(value) for key, value in data.items()}
            for key in ("addresses", "responsible", "deadline"):
                if data.get(key) == "":
                    data[key] = None
        return data


class FollowUp(BaseModel):
    """The follow-up question's result in the round that asked about the action."""

    model_config = ConfigDict(frozen=True)

    round_id: str
    sequence: int
    closes_at: datetime
    score: float | None  # 0–100, None when not shown
    distribution: list[int] | None
    suppressed: Suppression | None


class PlannedAction(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    unit_id: str
    title: str
    addresses: str | None
    responsible: str | None
    deadline: date | None
    status: ActionStatus
    agreed_on: date
    follow_up: FollowUp | None = None
    # Whether a later pulse will still ask about it: an action saved as done or dropped never is,
    # one marked done later still is (did it help?). The card must not promise a question that
    # will never come.
    will_be_asked: bool = False


def check_addresses(bank: QuestionBank, addresses: str | None) -> None:
    """An action addresses something the leader can find on the card, or nothing in particular."""
    if addresses is None:
        return
    kind, _, key = addresses.partition(":")
    known: Collection[str]
    if kind == "dimension":
        known = bank.dimensions
    elif kind == "item":
        known = {item.id for item in bank.all_items()}
    else:
        known = {theme.value for theme in Theme}
    if key not in known:
        raise InvalidAction("addresses")


def parse_action(raw: dict[str, Any], bank: QuestionBank) -> ActionIn:
    """Card or API input into an action, or InvalidAction naming the first bad field."""
    try:
        action = ActionIn.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        raise InvalidAction(str(first["loc"][0]) if first["loc"] else "title") from None
    check_addresses(bank, action.addresses)
    return action


async def plan_of(
    session: AsyncSession, bank: QuestionBank, k: int, unit_ids: Collection[str]
) -> list[PlannedAction]:
    """The units' actions, newest first, each with its follow-up result where one was asked."""
    rows = (
        await session.execute(
            select(AgreedAction)
            .where(AgreedAction.unit_id.in_(list(unit_ids)))
            .order_by(AgreedAction.agreed_on.desc(), AgreedAction.id)
            .limit(PLAN_LENGTH)
        )
    ).scalars()
    actions = list(rows)
    follow_ups = await _follow_ups(session, bank, k, [a.id for a in actions])
    return [_planned(a, follow_ups.get(a.id)) for a in actions]


def _planned(row: AgreedAction, follow_up: FollowUp | None) -> PlannedAction:
    return PlannedAction(
        id=row.id,
        unit_id=row.unit_id,
        title=row.text,
        addresses=row.addresses,
        responsible=row.responsible,
        deadline=row.deadline,
        status=ActionStatus(row.status),
        agreed_on=row.agreed_on,
        follow_up=follow_up,
        will_be_asked=row.follow_up_pending,
    )


async def _follow_ups(
    session: AsyncSession, bank: QuestionBank, k: int, action_ids: list[str]
) -> dict[str, FollowUp]:
    """The newest closed round that asked about each action, released by its own size only."""
    if not action_ids or bank.follow_up is None:
        return {}
    item = bank.follow_up.id
    rows = (
        await session.execute(
            select(
                PulseRound.follow_up_action_id,
                PulseRound.id,
                PulseRound.sequence,
                PulseRound.closes_at,
                PulseRound.items,
                RoundResponses.responses,
            )
            .outerjoin(RoundResponses, RoundResponses.round_id == PulseRound.id)
            .where(
                PulseRound.follow_up_action_id.in_(action_ids),
                PulseRound.state == RoundState.CLOSED.value,
            )
            .order_by(PulseRound.closes_at)
        )
    ).all()
    newest: dict[str, tuple[Any, ...]] = {}
    for action_id, round_id, sequence, closes_at, items, responses in rows:  # oldest first
        if action_id is not None and item in json.loads(items):
            newest[action_id] = (round_id, sequence, closes_at, round_decision(responses or 0, k))
    released = [facts[0] for facts in newest.values() if facts[3] is None]
    counts: dict[str, dict[int, int]] = {round_id: {} for round_id in released}
    if released:  # one query for every released round's follow-up counters
        result = await session.execute(
            select(AnswerCount.round_id, AnswerCount.value, AnswerCount.count).where(
                AnswerCount.round_id.in_(released), AnswerCount.item_id == item
            )
        )
        for round_id, value, count in result:
            counts[round_id][int(value)] = int(count)
    found: dict[str, FollowUp] = {}
    for action_id, (round_id, sequence, closes_at, reason) in newest.items():
        score = distribution = None
        if reason is None:
            distribution = [counts[round_id].get(v, 0) for v in bank.scale_of(item).values()]
            exact = distribution_score(distribution)
            score = round(exact, 1) if exact is not None else None
        found[action_id] = FollowUp(
            round_id=round_id,
            sequence=sequence,
            closes_at=closes_at,
            score=score,
            distribution=distribution,
            suppressed=reason,
        )
    return found


class ActionPlan:
    """Add, change and read actions; every method takes the units the viewer may see."""

    def __init__(
        self,
        factory: SessionFactory,
        bank: QuestionBank,
        k: int,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self._factory = factory
        self._bank = bank
        self._k = k
        self._now = now

    async def add(
        self,
        unit_id: str,
        round_id: str | None,
        action: ActionIn,
        visible_units: Collection[str],
    ) -> PlannedAction:
        if unit_id not in visible_units:
            raise NotAllowed(unit_id)
        check_addresses(self._bank, action.addresses)
        async with self._factory.begin() as session:
            if await session.get(Unit, unit_id) is None:
                raise UnitNotFound(unit_id)
            if round_id is not None:
                pulse = await session.get(PulseRound, round_id)
                if pulse is None or pulse.unit_id != unit_id:
                    raise RoundNotFound(round_id)
            row = AgreedAction(
                unit_id=unit_id,
                round_id=round_id,
                text=action.title,
                agreed_on=local_date(self._now()),  # the date a team agreed is the local one
                follow_up_pending=action.status not in (ActionStatus.DONE, ActionStatus.DROPPED),
                addresses=action.addresses,
                responsible=action.responsible,
                deadline=action.deadline,
                status=action.status.value,
            )
            session.add(row)
            await session.flush()
            action_id = row.id
        return await self.get(action_id, visible_units)

    async def record(
        self, unit_id: str, round_id: str | None, text: str, visible_units: Collection[str]
    ) -> None:
        """A leader records what the team agreed, in a word (the plan card says more);
        the unit's next pulse asks about it by name."""
        cleaned = " ".join(text.split())
        if unit_id in visible_units and not cleaned:
            raise EmptyAction(unit_id)
        await self.add(unit_id, round_id, ActionIn(title=cleaned[:MAX_TITLE]), visible_units)

    async def update(
        self, action_id: str, changes: dict[str, Any], visible_units: Collection[str]
    ) -> PlannedAction:
        """Change some fields; the others stay. Refused whole when any field is wrong."""
        async with self._factory.begin() as session:
            row = await session.get(AgreedAction, action_id)
            if row is None:
                raise ActionNotFound(action_id)
            if row.unit_id not in visible_units:
                raise NotAllowed(row.unit_id)
            current = {
                "title": row.text,
                "addresses": row.addresses,
                "responsible": row.responsible,
                "deadline": row.deadline,
                "status": row.status,
            }
            unknown = set(changes) - set(current)
            if unknown:
                raise InvalidAction(sorted(unknown)[0])
            merged = parse_action({**current, **changes}, self._bank)
            row.text = merged.title
            row.addresses = merged.addresses
            row.responsible = merged.responsible
            row.deadline = merged.deadline
            row.status = merged.status.value
            if merged.status is ActionStatus.DROPPED:  # nobody is asked about a dropped action
                row.follow_up_pending = False
        return await self.get(action_id, visible_units)

    async def get(self, action_id: str, visible_units: Collection[str]) -> PlannedAction:
        async with self._factory() as session:
            row = await session.get(AgreedAction, action_id)
            if row is None:
                raise ActionNotFound(action_id)
            if row.unit_id not in visible_units:
                raise NotAllowed(row.unit_id)
            follow_ups = await _follow_ups(session, self._bank, self._k, [action_id])
            return _planned(row, follow_ups.get(action_id))

    async def for_units(
        self, unit_ids: Collection[str], visible_units: Collection[str]
    ) -> list[PlannedAction]:
        """HR and the leaders above see the plans of every unit below them."""
        allowed = [u for u in unit_ids if u in visible_units]
        if not allowed:
            return []
        async with self._factory() as session:
            return await plan_of(session, self._bank, self._k, allowed)
