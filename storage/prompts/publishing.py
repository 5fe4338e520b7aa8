"""Publishing a prompt or a pulse to units: now, once later, or on a cadence (Europe/Copenhagen).

A prompt round is a `pulse_rounds` row (unit, opens, closes, eligible count as a number) plus a
`prompt_rounds` row with the texts as asked. It is created already open, so the pulse machinery
never mistakes it for a scheduled pulse, and it is closed by the same `Rounds.close_due` as a
pulse: participation is forgotten at close (rule 2). Its sequence is negative, so the unit's pulse
numbering (and the pulse item rotation that follows it) is untouched.

Delivery is either one outbox row per member (`OutboxKind.PROMPT`, sent to the personal chat by
the outbox worker) or one `channel_posts` row for the team channel, sent by bot/'s channel poster;
either way the HR person who ordered it watches the push (`OutboxKind.CHANNEL_POST` for posts).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import ColumnElement, delete, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.anonymity.participation import has_participated
from storage.anonymity.secrets import AnonymitySecrets
from storage.calendar.quiet_hours import planned_reminder
from storage.db.engine import SessionFactory, write_lock_first
from storage.delivery.outbox import enqueue
from storage.delivery.push_origins import push_of, remember_origin, watch_push
from storage.directory.hierarchy import Tree
from storage.errors import (
    AlreadyAnswered,
    DomainError,
    NotAMember,
    RoundClosed,
    RoundNotFound,
    UnitNotFound,
)
from storage.files.issues import WHITESPACE
from storage.prompts.validation import PromptNotFound
from storage.questions.templates import TemplateIn, check_template_in
from storage.rounds import cadence
from storage.rounds.cadence import MAX_CADENCE_DAYS, MIN_CADENCE_DAYS, LocalTime
from storage.rounds.lifecycle import RoundInfo, Rounds
from storage.tables.directory import Conversation, Membership, Unit, new_id
from storage.tables.outbox import DeliveryState, OutboxKind, OutboxMessage
from storage.tables.prompts import (
    ChannelPost,
    ContentKind,
    Delivery,
    Prompt,
    PromptRound,
    PromptState,
    Publication,
    Theme,
)
from storage.tables.pulses import PulseRound, RoundKind, RoundState, next_sequence
from storage.values import ConversationKind

ALL_UNITS = "all"


class PromptNotActive(DomainError):
    """Drafts and retired prompts are not published."""

    code = "prompt_not_active"


class NoActivePrompt(DomainError):
    """A theme publication needs at least one active prompt of the theme."""

    code = "no_active_prompt"


class PublicationExists(DomainError):
    """The same publish form submitted twice: published once."""

    code = "publication_exists"


class PublicationNotFound(DomainError):
    code = "publication_not_found"


# --- what HR orders ----------------------------------------------------------------------------


NOT_NULL: dict[str, Any] = {"not": {"type": "null"}}
BLANK: dict[str, Any] = {
    "anyOf": [{"type": "null"}, {"type": "string", "pattern": f"^[{WHITESPACE}]*$"}]
}
FILLED: dict[str, Any] = {"type": "string", "pattern": f"[^{WHITESPACE}]"}


class ScheduleIn(BaseModel):
    """Once at a moment (`at`), or every N days on a weekday at a local time, off holidays."""

    # The schema says what `_one_kind` checks: exactly one of `at` and `every_days`.
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={
            "oneOf": [
                {"required": ["at"], "properties": {"at": NOT_NULL}},
                {"required": ["every_days"], "properties": {"every_days": NOT_NULL}},
            ]
        },
    )

    at: datetime | None = None
    every_days: int | None = Field(None, ge=MIN_CADENCE_DAYS, le=MAX_CADENCE_DAYS)
    weekday: int = Field(0, ge=0, le=6)  # 0 = Monday
    time: LocalTime = "09:00"  # Europe/Copenhagen
    skip_holidays: bool = True

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must include a time zone, e.g. 2026-12-01T09:00:00+01:00")
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> ScheduleIn:
        if (self.at is None) == (self.every_days is None):
            raise ValueError("give either 'at' (once) or 'every_days' (a cadence)")
        return self


class PublicationIn(BaseModel):
    """What to send (a prompt, the next prompt of a theme, or a pulse), to whom, how and when."""

    # The schema says what `_content_fits` checks: which of prompt_id and theme each content needs.
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "oneOf": [
                {
                    "required": ["prompt_id"],
                    "properties": {
                        "content": {"const": "prompt"},
                        "prompt_id": FILLED,
                        "theme": {"type": "null"},
                        "template": {"type": "null"},
                    },
                },
                {
                    "required": ["theme"],
                    "properties": {
                        "content": {"const": "theme"},
                        "theme": NOT_NULL,
                        "prompt_id": BLANK,
                        "template": {"type": "null"},
                    },
                },
                {
                    "properties": {
                        "content": {"const": "pulse"},
                        "theme": {"type": "null"},
                        "prompt_id": BLANK,
                    },
                },
            ]
        },
    )

    id: str | None = Field(
        None, pattern=r"^[0-9a-f]{32}$"
    )  # set by a form: submitting twice is safe
    content: ContentKind
    prompt_id: str | None = None
    theme: Theme | None = None
    units: list[str] = Field(min_length=1)  # unit ids, or ["all"] for the whole organisation
    delivery: Delivery = Delivery.PERSONAL
    open_days: int = Field(7, ge=1, le=30)
    schedule: ScheduleIn | None = None  # None: now
    # A pulse's template (storage/questions/templates.py); None: each unit's own, else the rotation.
    template: TemplateIn | None = None

    @model_validator(mode="after")
    def _content_fits(self) -> PublicationIn:
        if self.content is not ContentKind.PULSE and self.template is not None:
            raise ValueError("template is only for content 'pulse'")
        if self.content is ContentKind.PROMPT and not self.prompt_id:
            raise ValueError("prompt_id is required when content is 'prompt'")
        if self.content is ContentKind.THEME and self.theme is None:
            raise ValueError("theme is required when content is 'theme'")
        if self.content is not ContentKind.PROMPT and self.prompt_id:
            raise ValueError("prompt_id is only for content 'prompt'")
        if self.content is not ContentKind.THEME and self.theme is not None:
            raise ValueError("theme is only for content 'theme'")
        return self

    @property
    def whole_organisation(self) -> bool:
        return ALL_UNITS in self.units


class PublishedRound(BaseModel):
    model_config = ConfigDict(frozen=True)

    round_id: str
    unit_id: str
    unit_name: str
    eligible_count: int
    delivery: Delivery


class SkippedUnit(BaseModel):
    """A unit that got nothing, and why ("not_installed", "no_channel")."""

    model_config = ConfigDict(frozen=True)

    unit_id: str
    unit_name: str
    reason: str


class PublishResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    publication_id: str
    content: ContentKind
    prompt_id: str | None
    scheduled_for: datetime | None  # None: published now
    # None: the messages go out when the rounds open; else held until then by quiet hours.
    sends_at: datetime | None = None
    rounds: list[PublishedRound]
    skipped: list[SkippedUnit]
    # The push these rounds are: `trivselsbot delivery status --push ID` and the status card
    # follow it (None: nothing was opened now).
    push_id: str | None = None

    @property
    def recipients(self) -> int:
        return sum(r.eligible_count for r in self.rounds)


class PublicationView(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    content: ContentKind
    prompt_id: str | None
    theme: Theme | None
    units: list[str]
    delivery: Delivery
    open_days: int
    cadence_days: int | None
    weekday: int | None
    local_time: str | None
    next_at: datetime | None
    occurrences: int
    active: bool
    template: TemplateIn | None = None  # a pulse's own template; None: each unit's


class PromptRoundInfo(BaseModel):
    """A prompt round as cards need it: the texts exactly as they were asked."""

    model_config = ConfigDict(frozen=True)

    id: str
    unit_id: str
    unit_name: str
    prompt_id: str
    theme: Theme
    delivery: Delivery
    text_da: str
    text_en: str
    rating_da: str | None
    rating_en: str | None
    closes_at: datetime
    state: RoundState
    eligible_count: int | None

    def text(self, language: Literal["da", "en"]) -> str:
        return self.text_da if language == "da" else self.text_en

    def rating(self, language: Literal["da", "en"]) -> str | None:
        return self.rating_da if language == "da" else self.rating_en


def is_prompt_round(round_id: ColumnElement[str]) -> ColumnElement[bool]:
    """SQL: this `pulse_rounds.id` is a prompt round, e.g. `.where(~is_prompt_round(PulseRound.id))`.

    Pulse summaries, trends and exports filter with this, so reflections never enter pulse scores.
    """
    return exists().where(PromptRound.round_id == round_id)


# --- time --------------------------------------------------------------------------------------


def first_slot(schedule: ScheduleIn, after: datetime) -> datetime:
    """The first weekday-and-time slot strictly after `after` (not yet moved off holidays)."""
    if schedule.at is not None:
        return schedule.at
    return cadence.first_slot(schedule.weekday, schedule.time, after)


def opening_of(publication: Publication) -> datetime | None:
    """When the planned slot really opens: a cadence moves off weekends and holidays, `at` does not."""
    planned = publication.next_planned_at
    if planned is None or publication.cadence_days is None or publication.local_time is None:
        return planned
    return cadence.opening(planned, publication.local_time, publication.skip_holidays)


# --- the service -------------------------------------------------------------------------------


def _view(row: Publication) -> PublicationView:
    scope = json.loads(row.scope)
    return PublicationView(
        id=row.id,
        content=ContentKind(row.content),
        prompt_id=row.prompt_id,
        theme=Theme(row.theme) if row.theme else None,
        units=[ALL_UNITS] if scope == ALL_UNITS else list(scope),
        delivery=Delivery(row.delivery),
        open_days=row.open_days,
        cadence_days=row.cadence_days,
        weekday=row.weekday,
        local_time=row.local_time,
        next_at=opening_of(row) if row.active else None,
        occurrences=row.occurrences,
        active=row.active,
        template=TemplateIn.from_json(row.template),
    )


async def channel_of(session: AsyncSession, unit: Unit) -> str | None:
    """The team's General channel (its id is the team id), else another stored channel of the unit."""
    rows = (
        await session.execute(
            select(Conversation.id).where(
                Conversation.unit_id == unit.id,
                Conversation.kind == ConversationKind.CHANNEL.value,
                Conversation.installed.is_(True),
            )
        )
    ).scalars()
    ids = [cid for cid in rows if ";messageid=" not in cid]
    if unit.teams_team_id in ids:
        return unit.teams_team_id
    return sorted(ids)[0] if ids else None


class Publisher:
    """Publishes now or on schedule; each occurrence for all its units is one transaction."""

    def __init__(
        self,
        factory: SessionFactory,
        rounds: Rounds,
        secret: str | AnonymitySecrets,
        reminder_hours: int,
    ) -> None:
        self._factory = factory
        self._rounds = rounds
        self._secret = secret
        self._reminder_hours = reminder_hours

    # --- ordering -------------------------------------------------------------------------------

    async def publish(
        self, order: PublicationIn, now: datetime, requested_by: str | None = None
    ) -> PublishResult:
        """Check everything first (units, prompt), then publish now or store the schedule.

        `requested_by`: the HR person (object id) whose chat gets the delivery status card of
        each push this publication makes, now and at every later occurrence."""
        async with self._factory.begin() as session:
            if order.id and await session.get(Publication, order.id) is not None:
                raise PublicationExists(order.id)
            await self._check_units(session, order)
            if order.template is not None:
                check_template_in(self._rounds.bank, order.template)
            prompt = await self._content_prompt(session, order, 0)
            row = Publication(
                content=order.content.value,
                prompt_id=order.prompt_id,
                theme=order.theme.value if order.theme else None,
                scope=json.dumps(ALL_UNITS if order.whole_organisation else list(order.units)),
                delivery=order.delivery.value,
                open_days=order.open_days,
                skip_holidays=order.schedule.skip_holidays if order.schedule else True,
                occurrences=0,
                active=True,
                created_at=now,
                requested_by=(requested_by or "").strip()[:100] or None,
                template=order.template.to_json() if order.template else None,
            )
            if order.id:
                row.id = order.id
            if order.schedule is None:
                row.next_planned_at, row.active, row.occurrences = None, False, 1
            else:
                if order.schedule.every_days is not None:
                    row.cadence_days = order.schedule.every_days
                    row.weekday = order.schedule.weekday
                    row.local_time = order.schedule.time
                row.next_planned_at = first_slot(order.schedule, now)
            session.add(row)
            try:
                await session.flush()
            except IntegrityError:  # the same form, submitted twice at the same instant
                raise PublicationExists(order.id or "") from None
            if order.schedule is not None:
                return PublishResult(
                    publication_id=row.id,
                    content=order.content,
                    prompt_id=order.prompt_id,
                    scheduled_for=opening_of(row),
                    sends_at=self._held_until(opening_of(row)),
                    rounds=[],
                    skipped=[],
                )
            rounds, skipped = await self._occurrence(session, row, prompt, now, "hr")
        return await self._opened(row, rounds, skipped, now)

    async def _check_units(self, session: AsyncSession, order: PublicationIn) -> None:
        if order.whole_organisation:
            return
        for unit_id in order.units:
            if await session.get(Unit, unit_id) is None:
                raise UnitNotFound(unit_id)

    async def _content_prompt(
        self, session: AsyncSession, order: PublicationIn | Publication, occurrence: int
    ) -> Prompt | None:
        """The prompt this occurrence asks (None for a pulse), or the reason it cannot be asked."""
        content = ContentKind(order.content)
        if content is ContentKind.PULSE:
            return None
        if content is ContentKind.PROMPT:
            assert order.prompt_id is not None
            prompt = await session.get(Prompt, order.prompt_id)
            if prompt is None:
                raise PromptNotFound(order.prompt_id)
            if prompt.state != PromptState.ACTIVE.value:
                raise PromptNotActive(order.prompt_id)
            return prompt
        theme = order.theme.value if isinstance(order.theme, Theme) else order.theme
        prompts = list(
            (
                await session.execute(
                    select(Prompt)
                    .where(Prompt.theme == theme, Prompt.state == PromptState.ACTIVE.value)
                    .order_by(Prompt.id)
                )
            ).scalars()
        )
        if not prompts:
            raise NoActivePrompt(str(theme))
        return prompts[occurrence % len(prompts)]

    # --- one occurrence ---------------------------------------------------------------------------

    async def _targets(
        self, session: AsyncSession, publication: Publication
    ) -> tuple[list[Unit], list[SkippedUnit]]:
        """Installed units in scope: the chosen ones and every unit below them."""
        tree = await Tree.load(session)
        scope = json.loads(publication.scope)
        chosen = list(tree.units) if scope == ALL_UNITS else [u for u in scope if u in tree.units]
        inside = tree.below(chosen)
        targets = sorted(
            (tree.units[u] for u in inside if tree.units[u].bot_installed),
            key=lambda unit: (unit.name.casefold(), unit.id),
        )
        skipped = [
            SkippedUnit(unit_id=u, unit_name=tree.units[u].name, reason="not_installed")
            for u in chosen
            if scope != ALL_UNITS and not any(t.id in tree.below([u]) for t in targets)
        ]
        return targets, skipped

    async def _occurrence(
        self,
        session: AsyncSession,
        publication: Publication,
        prompt: Prompt | None,
        now: datetime,
        origin: str,
    ) -> tuple[list[RoundInfo | PublishedRound], list[SkippedUnit]]:
        targets, skipped = await self._targets(session, publication)
        delivery = Delivery(publication.delivery)
        created: list[RoundInfo | PublishedRound] = []
        push_id = new_id()  # every round of this occurrence is one push: one status card
        closes = now + timedelta(days=publication.open_days)
        send_at = self._rounds.working_hours.next_working_moment(now)
        for unit in targets:
            channel = await channel_of(session, unit) if delivery is Delivery.CHANNEL else None
            if delivery is Delivery.CHANNEL and channel is None:
                skipped.append(
                    SkippedUnit(unit_id=unit.id, unit_name=unit.name, reason="no_channel")
                )
                continue
            if prompt is None:
                remind = planned_reminder(closes, self._reminder_hours)
                info = await self._rounds.create_in(
                    session,
                    unit.id,
                    now,
                    closes,
                    remind,
                    origin,
                    requested_by=publication.requested_by,
                    group_id=push_id,
                    template=TemplateIn.from_json(publication.template),
                )
                round_id = info.id
                created.append(info)
            else:
                published = await self._open_prompt_round(
                    session, unit, prompt, publication, now, closes, origin, push_id
                )
                round_id = published.round_id
                created.append(published)
            if channel is not None:
                session.add(
                    ChannelPost(
                        round_id=round_id,
                        conversation_id=channel,
                        state=DeliveryState.PENDING.value,
                        attempts=0,
                        next_attempt_at=send_at,  # quiet hours hold channel posts too
                        updated_at=now,
                    )
                )
                # The posts of this occurrence are one push, watched by the HR person who
                # ordered it like their personal messages are (storage/delivery/push_origins.py).
                await watch_push(session, OutboxKind.CHANNEL_POST, round_id, now)
        return created, skipped

    async def _open_prompt_round(
        self,
        session: AsyncSession,
        unit: Unit,
        prompt: Prompt,
        publication: Publication,
        now: datetime,
        closes: datetime,
        origin: str,
        push_id: str,
    ) -> PublishedRound:
        """Open the round and ask: members' personal chats through the outbox, or the channel.

        Held by quiet hours, the invitations (or the channel post) go out later and the round
        closes that much later, as a pulse does (`Rounds.create_in`)."""
        held = self._rounds.working_hours.invitation_delay(now)
        closes = closes.astimezone(UTC) + held if held else closes  # UTC: exact hours over DST
        lowest = await session.scalar(
            select(func.min(PulseRound.sequence)).where(PulseRound.unit_id == unit.id)
        )
        members = list(
            (
                await session.execute(
                    select(Membership.user_id).where(Membership.unit_id == unit.id)
                )
            ).scalars()
        )
        pulse = PulseRound(
            unit_id=unit.id,
            sequence=next_sequence(RoundKind.PROMPT, lowest),
            items="[]",
            opens_at=now,
            closes_at=closes,
            remind_at=None,
            eligible_count=len(members),
            state=RoundState.OPEN.value,
            reminder_enqueued=False,
            origin=origin,
        )
        session.add(pulse)
        await session.flush()
        await remember_origin(session, pulse.id, push_id, publication.requested_by)
        session.add(
            PromptRound(
                round_id=pulse.id,
                prompt_id=prompt.id,
                publication_id=publication.id,
                delivery=publication.delivery,
                theme=prompt.theme,
                text_da=prompt.text_da,
                text_en=prompt.text_en,
                rating_da=prompt.rating_da,
                rating_en=prompt.rating_en,
            )
        )
        if publication.delivery == Delivery.PERSONAL.value:
            send_at = self._rounds.working_hours.next_working_moment(now)
            if await enqueue(session, OutboxKind.PROMPT, pulse.id, members, now, send_at):
                await watch_push(session, OutboxKind.PROMPT, pulse.id, now)
        return PublishedRound(
            round_id=pulse.id,
            unit_id=unit.id,
            unit_name=unit.name,
            eligible_count=len(members),
            delivery=Delivery(publication.delivery),
        )

    async def _opened(
        self,
        publication: Publication,
        created: Sequence[RoundInfo | PublishedRound],
        skipped: list[SkippedUnit],
        now: datetime,
    ) -> PublishResult:
        """After the commit: open new pulse rounds (which asks their members) and report."""
        delivery = Delivery(publication.delivery)
        pulses = [r for r in created if isinstance(r, RoundInfo)]
        opened = {r.id: r for r in await self._rounds.open_due(now)} if pulses else {}
        rounds = [r for r in created if isinstance(r, PublishedRound)]
        for info in pulses:
            count = opened[info.id].eligible_count if info.id in opened else 0
            rounds.append(
                PublishedRound(
                    round_id=info.id,
                    unit_id=info.unit_id,
                    unit_name=info.unit_name,
                    eligible_count=count or 0,
                    delivery=delivery,
                )
            )
        push_id = None
        if created:
            async with self._factory() as session:
                push_id = await push_of(
                    session,
                    created[0].id if isinstance(created[0], RoundInfo) else created[0].round_id,
                )
        return PublishResult(
            publication_id=publication.id,
            content=ContentKind(publication.content),
            prompt_id=publication.prompt_id,
            scheduled_for=None,
            sends_at=self._held_until(now),
            rounds=rounds,
            skipped=skipped,
            push_id=push_id,
        )

    def _held_until(self, opening: datetime | None) -> datetime | None:
        """When quiet hours hold what opens at `opening` (None: they do not)."""
        if opening is None:
            return None
        sends = self._rounds.working_hours.next_working_moment(opening)
        return sends if sends > opening else None

    # --- the schedule -----------------------------------------------------------------------------

    async def run_due(self, now: datetime) -> list[PublishResult]:
        """Publish every occurrence whose time has come; missed slots are skipped, not piled up."""
        async with self._factory() as session:
            due = [
                (row.id, row.next_planned_at)
                for row in (
                    await session.execute(
                        select(Publication).where(
                            Publication.active.is_(True), Publication.next_planned_at.is_not(None)
                        )
                    )
                ).scalars()
                if (opening := opening_of(row)) is not None and opening <= now
            ]
        results = []
        for publication_id, planned in due:
            async with self._factory.begin() as session:
                await write_lock_first(session)
                row = (
                    await session.execute(
                        select(Publication)
                        .where(
                            Publication.id == publication_id,
                            Publication.next_planned_at == planned,
                        )
                        .with_for_update()
                    )
                ).scalar_one_or_none()
                if row is None or planned is None:  # another replica took it
                    continue
                if row.cadence_days is None:
                    row.next_planned_at, row.active = None, False
                else:
                    assert row.local_time is not None
                    days, at = row.cadence_days, row.local_time
                    upcoming = cadence.next_slot(planned, days, at)
                    while cadence.opening(upcoming, at, row.skip_holidays) <= now:
                        upcoming = cadence.next_slot(upcoming, days, at)  # skip missed slots
                    row.next_planned_at = upcoming
                try:
                    prompt = await self._content_prompt(session, row, row.occurrences)
                except DomainError:  # the prompt was retired since: skip this occurrence
                    continue
                row.occurrences += 1
                created, skipped = await self._occurrence(session, row, prompt, now, "schedule")
            results.append(await self._opened(row, created, skipped, now))
        return results

    async def list_publications(self, active_only: bool = True) -> list[PublicationView]:
        async with self._factory() as session:
            query = select(Publication).order_by(Publication.created_at.desc())
            if active_only:
                query = query.where(Publication.active.is_(True))
            return [_view(row) for row in (await session.execute(query)).scalars()]

    async def cancel(self, publication_id: str) -> PublicationView:
        """Stop a schedule; rounds it already opened run to their end."""
        async with self._factory.begin() as session:
            row = await session.get(Publication, publication_id)
            if row is None:
                raise PublicationNotFound(publication_id)
            row.active = False
            row.next_planned_at = None
            return _view(row)

    # --- rounds as cards see them -----------------------------------------------------------------

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
