"""When a push will be done: from its observed send rate, what is queued ahead of it, quiet hours
and a pause from Teams. Each test passes its own clock; the card and the CLI line say the same."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from bot.cli.delivery import describe
from dialogs.cards.delivery import delivery_status_card
from storage.calendar.quiet_hours import ALWAYS, WORKING_HOURS
from storage.db.engine import SessionFactory
from storage.delivery.send_control import SendControl
from storage.delivery.status import Deliveries
from storage.prompts.file_format import starter_library
from storage.prompts.library import PromptLibrary
from storage.prompts.orders import PublicationIn
from storage.prompts.publisher import Publisher
from storage.question_bank import default_bank
from storage.rounds.lifecycle import Rounds
from storage.tables.directory import Conversation
from storage.tables.outbox import DeliveryState, OutboxControl, OutboxKind, OutboxMessage
from storage.values import ConversationKind
from tests.conftest import TEST_SECRET
from tests.support.clock import Clock
from tests.support.pulse_fixtures import team_with_members

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Copenhagen
SATURDAY = datetime(2026, 11, 21, 13, 30, tzinfo=UTC)  # 14:30 in Copenhagen


async def queued_push(factory: SessionFactory, now: datetime, people: int, hours=ALWAYS) -> str:  # noqa: ANN001
    unit = await team_with_members(
        factory, "19:eta", range(1, people + 1), name="Hjemmeplejen Nord"
    )
    rounds = Rounds(factory, default_bank(), TEST_SECRET, hours)
    created = await rounds.create(unit, now, now + timedelta(days=5), None, "hr")
    await rounds.open_due(now)
    return created.id


async def settle(factory: SessionFactory, round_id: str, at: list[datetime]) -> None:
    """The worker sent len(at) of the push's rows, at these moments."""
    async with factory.begin() as session:
        ids = list(
            (
                await session.execute(
                    select(OutboxMessage.id)
                    .where(OutboxMessage.subject_id == round_id)
                    .order_by(OutboxMessage.user_id)
                )
            ).scalars()
        )
        for row_id, moment in zip(ids, at, strict=False):
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id)
                .values(state=DeliveryState.SENT.value, updated_at=moment)
            )


def card_text(report, language="da") -> str:  # noqa: ANN001
    card = delivery_status_card(report, "Hjemmeplejen Nord", language, OutboxKind.PULSE)
    return json.dumps(card, ensure_ascii=False)


async def test_before_anything_is_sent_the_planned_rate_stands_in_then_the_observed_one(
    session_factory: SessionFactory,
) -> None:
    clock = Clock(MONDAY)
    round_id = await queued_push(session_factory, MONDAY, 40)
    deliveries = Deliveries(session_factory, clock, planned_rate=10)
    first = await deliveries.report(OutboxKind.PULSE, round_id)
    assert first.estimate is not None and not first.estimate.observed
    assert first.estimate.rate_per_second == 10 and first.estimate.starts_at is None
    assert first.estimate.done_at == MONDAY + timedelta(seconds=4)
    assert "ud fra den planlagte takt på 10 beskeder i sekundet" in card_text(first)
    assert "i dag kl. 10:00" in card_text(first)

    # 20 went out over the first 10 seconds (2 a second, slower than planned): the rest, 20, at
    # that rate take another 10 seconds.
    await settle(session_factory, round_id, [MONDAY + timedelta(seconds=n / 2) for n in range(20)])
    clock.current = MONDAY + timedelta(seconds=10)
    later = await deliveries.report(OutboxKind.PULSE, round_id)
    assert (later.sent, later.pending) == (20, 20)
    assert later.estimate is not None and later.estimate.observed
    assert later.estimate.rate_per_second == 2.0
    assert later.estimate.done_at == MONDAY + timedelta(seconds=20)
    assert "ca. 2,0 beskeder i sekundet lige nu" in card_text(later)
    assert "about 2.0 messages a second" in card_text(later, "en")

    # A minute later nothing more went: the window holds nothing, the planned rate is back.
    clock.current = MONDAY + timedelta(seconds=75)
    stalled = await deliveries.report(OutboxKind.PULSE, round_id)
    assert stalled.estimate is not None and not stalled.estimate.observed


async def test_what_is_queued_ahead_goes_first(session_factory: SessionFactory) -> None:
    clock = Clock(MONDAY)
    first = await queued_push(session_factory, MONDAY - timedelta(minutes=1), 30)
    async with session_factory.begin() as session:  # a second push, queued after the first
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.subject_id == first)
            .values(next_attempt_at=MONDAY - timedelta(minutes=1))
        )
    unit = await team_with_members(session_factory, "19:second", range(31, 41), name="Team B")
    rounds = Rounds(session_factory, default_bank(), TEST_SECRET, ALWAYS)
    second = await rounds.create(unit, MONDAY, MONDAY + timedelta(days=5), None, "hr")
    await rounds.open_due(MONDAY)
    deliveries = Deliveries(session_factory, clock, planned_rate=10)
    report = await deliveries.report(OutboxKind.PULSE, second.id)
    assert report.pending == 10
    assert report.estimate is not None  # 30 ahead of it, then its own 10, at 10 a second
    assert report.estimate.done_at == MONDAY + timedelta(seconds=4)


async def test_quiet_hours_say_when_a_push_will_go_and_a_pause_from_teams_is_said(
    session_factory: SessionFactory,
) -> None:
    clock = Clock(SATURDAY)
    round_id = await queued_push(session_factory, SATURDAY, 50, hours=WORKING_HOURS)
    deliveries = Deliveries(session_factory, clock, planned_rate=25, working_hours=WORKING_HOURS)
    report = await deliveries.report(OutboxKind.PULSE, round_id)
    monday_8 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # 08:00 in Copenhagen (winter time)
    assert report.estimate is not None and report.estimate.quiet_hours
    assert report.estimate.starts_at == monday_8
    assert report.estimate.done_at == monday_8 + timedelta(seconds=2)
    text = card_text(report)
    assert "beskederne sendes fra mandag d. 23. november kl. 08:00" in text
    assert "Forventet færdig mandag d. 23. november kl. 08:00" in text
    line = describe((await deliveries.active())[0], SATURDAY)
    assert "0/50 delivered" in line and "[------------------------]   0%" in line
    assert "held for working hours until Mon 23 Nov 08:00" in line

    # Monday 09:00: Teams has paused every send for two minutes.
    clock.current = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    await SendControl(session_factory, clock).pause(120, 0, 660)
    paused = await deliveries.report(OutboxKind.PULSE, round_id)
    assert paused.estimate is not None and not paused.estimate.quiet_hours
    assert paused.estimate.paused_until == clock.current + timedelta(seconds=120)
    assert "Teams har bedt mig holde en pause; jeg sender igen i dag kl. 09:02" in card_text(paused)
    async with session_factory() as session:
        assert (await session.get(OutboxControl, "outbox")) is not None


async def test_posts_to_team_channels_wait_for_working_hours_but_not_for_the_outboxs_pause(
    session_factory: SessionFactory,
) -> None:
    """HR's channel prompt is its own queue (storage/prompts/channel_posts.py): the same report over it,
    held by quiet hours like any push; the channel poster never waits for a pause of the outbox."""
    unit = await team_with_members(session_factory, "19:eta", range(1, 4), name="Hjemmeplejen Nord")
    async with session_factory.begin() as session:
        session.add(
            Conversation(
                id="19:eta", kind=ConversationKind.CHANNEL.value, unit_id=unit, reference="{}"
            )
        )
    await PromptLibrary(session_factory).seed(starter_library())
    rounds = Rounds(session_factory, default_bank(), TEST_SECRET, WORKING_HOURS)
    publisher = Publisher(session_factory, rounds, TEST_SECRET, 24)
    order = PublicationIn(
        content="prompt", prompt_id="borger-regel", units=[unit], delivery="channel"
    )
    result = await publisher.publish(order, SATURDAY, requested_by="aad-0099")
    assert result.push_id is not None
    clock = Clock(SATURDAY)
    deliveries = Deliveries(session_factory, clock, planned_rate=25, working_hours=WORKING_HOURS)
    report = await deliveries.report(OutboxKind.CHANNEL_POST, result.push_id)
    monday_8 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    assert (report.total, report.pending, report.rounds) == (1, 1, 1)
    assert report.estimate is not None and report.estimate.starts_at == monday_8
    assert report.estimate.quiet_hours
    (watch,) = await deliveries.watches()
    assert (watch.kind, watch.subject_id) == (OutboxKind.CHANNEL_POST, result.push_id)

    clock.current = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # Monday 09:00; Teams paused sends
    await SendControl(session_factory, clock).pause(120, 0, 660)
    report = await deliveries.report(OutboxKind.CHANNEL_POST, result.push_id)
    assert report.estimate is not None and report.estimate.paused_until is None
    line = describe((await deliveries.active())[0], clock.current)
    assert line.startswith("Hjemmeplejen Nord · channel posts") and "0/1 delivered" in line
