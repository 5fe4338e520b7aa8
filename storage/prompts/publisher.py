"""Publishing a prompt or a pulse to units: now, once later, or on a cadence (Europe/Copenhagen).

The publisher takes HR's order (storage/prompts/orders.py), checks it against the database and
either opens its first occurrence now or stores the schedule; `run_due` opens each later
occurrence when its time comes. Each occurrence for all its units is one transaction
(storage/prompts/occurrences.py opens it); the rounds it opened are read and asked for through
storage/prompts/prompt_rounds.py.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.anonymity.secrets import AnonymitySecrets
from storage.db.engine import SessionFactory, write_lock_first
from storage.errors import DomainError, UnitNotFound
from storage.prompts.occurrences import Occurrences
from storage.prompts.orders import (
    ALL_UNITS,
    NoActivePrompt,
    PromptNotActive,
    PublicationExists,
    PublicationIn,
    PublicationNotFound,
)
from storage.prompts.prompt_rounds import PromptRounds
from storage.prompts.slots import first_slot, opening_of
from storage.prompts.validation import PromptNotFound
from storage.prompts.views import PromptRoundInfo, PublicationView, PublishResult, publication_view
from storage.questions.templates import check_template_in
from storage.rounds import cadence
from storage.rounds.lifecycle import Rounds
from storage.tables.directory import Unit
from storage.tables.prompts import ContentKind, Prompt, PromptState, Publication, Theme

__all__ = ["Publisher"]


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
        self._occurrences = Occurrences(factory, rounds, reminder_hours)
        self._prompt_rounds = PromptRounds(factory, secret)

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
                    sends_at=self._occurrences.held_until(opening_of(row)),
                    rounds=[],
                    skipped=[],
                )
            rounds, skipped = await self._occurrences.open_in(session, row, prompt, now, "hr")
        return await self._occurrences.after_commit(row, rounds, skipped, now)

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
                created, skipped = await self._occurrences.open_in(
                    session, row, prompt, now, "schedule"
                )
            results.append(await self._occurrences.after_commit(row, created, skipped, now))
        return results

    async def list_publications(self, active_only: bool = True) -> list[PublicationView]:
        async with self._factory() as session:
            query = select(Publication).order_by(Publication.created_at.desc())
            if active_only:
                query = query.where(Publication.active.is_(True))
            return [publication_view(row) for row in (await session.execute(query)).scalars()]

    async def cancel(self, publication_id: str) -> PublicationView:
        """Stop a schedule; rounds it already opened run to their end."""
        async with self._factory.begin() as session:
            row = await session.get(Publication, publication_id)
            if row is None:
                raise PublicationNotFound(publication_id)
            row.active = False
            row.next_planned_at = None
            return publication_view(row)

    # --- rounds as cards see them (storage/prompts/prompt_rounds.py) ------------------------------

    async def prompt_round(self, round_id: str) -> PromptRoundInfo:
        return await self._prompt_rounds.prompt_round(round_id)

    async def request_card(self, round_id: str, user_id: str, now: datetime) -> bool:
        """From the channel card: send this member the reflection card in their personal chat."""
        return await self._prompt_rounds.request_card(round_id, user_id, now)

    async def forget_channel_requests(self) -> int:
        """At close, like participation: who asked for a private card from a channel is forgotten."""
        return await self._prompt_rounds.forget_channel_requests()
