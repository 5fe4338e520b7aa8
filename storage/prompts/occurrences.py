"""One occurrence of a publication: its rounds in every unit in scope, and what they ask.

A prompt round is a `pulse_rounds` row (unit, opens, closes, eligible count as a number) plus a
`prompt_rounds` row with the texts as asked. It is created already open, so the pulse machinery
never mistakes it for a scheduled pulse, and it is closed by the same `Rounds.close_due` as a
pulse: participation is forgotten at close (rule 2). Its sequence is negative, so the unit's pulse
numbering (and the pulse item rotation that follows it) is untouched. A pulse occurrence opens
its rounds through `Rounds` like any pulse.

Delivery is either one outbox row per member (`OutboxKind.PROMPT`, sent to the personal chat by
the outbox worker) or one `channel_posts` row for the team channel, sent by bot/'s channel poster;
either way the HR person who ordered it watches the push (`OutboxKind.CHANNEL_POST` for posts).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.calendar.quiet_hours import planned_reminder
from storage.db.engine import SessionFactory
from storage.delivery.outbox import enqueue
from storage.delivery.push_origins import push_of, remember_origin, watch_push
from storage.directory.hierarchy import Tree
from storage.prompts.orders import ALL_UNITS
from storage.prompts.views import PublishedRound, PublishResult, SkippedUnit
from storage.questions.templates import TemplateIn
from storage.rounds.lifecycle import RoundInfo, Rounds
from storage.tables.directory import Conversation, Membership, Unit, new_id
from storage.tables.outbox import DeliveryState, OutboxKind
from storage.tables.prompts import (
    ChannelPost,
    ContentKind,
    Delivery,
    Prompt,
    PromptRound,
    Publication,
)
from storage.tables.pulses import PulseRound, RoundKind, RoundState, next_sequence
from storage.values import ConversationKind

__all__ = ["Occurrences", "channel_of"]


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


class Occurrences:
    """Opens an occurrence inside the publisher's transaction, and reports it after the commit."""

    def __init__(self, factory: SessionFactory, rounds: Rounds, reminder_hours: int) -> None:
        self._factory = factory
        self._rounds = rounds
        self._reminder_hours = reminder_hours

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

    async def open_in(
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

    async def after_commit(
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
            sends_at=self.held_until(now),
            rounds=rounds,
            skipped=skipped,
            push_id=push_id,
        )

    def held_until(self, opening: datetime | None) -> datetime | None:
        """When quiet hours hold what opens at `opening` (None: they do not)."""
        if opening is None:
            return None
        sends = self._rounds.working_hours.next_working_moment(opening)
        return sends if sends > opening else None
