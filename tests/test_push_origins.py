"""Whose push it is, on its own: an order to several teams is one push with one watch per kind,
the chat takes that watch over instead of adding a second card, the push is not done while one of
its rounds has still to queue, and who ordered it is forgotten once no card can need it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from storage.calendar.quiet_hours import ALWAYS
from storage.db.engine import SessionFactory
from storage.delivery.status import Deliveries
from storage.privacy.retention import RetentionPolicy, purge
from storage.privacy.rights import Privacy
from storage.prompts.orders import PublicationIn
from storage.prompts.publisher import Publisher
from storage.question_bank import default_bank
from storage.rounds.lifecycle import Rounds
from storage.tables.outbox import DeliveryWatch, OutboxKind, PushOrigin
from storage.tables.prompts import Publication
from tests.conftest import TEST_SECRET
from tests.support.clock import Clock
from tests.support.pulse_fixtures import team_with_members

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
HR = "aad-0099"


async def watches(factory: SessionFactory) -> list[DeliveryWatch]:
    async with factory() as session:
        return list((await session.execute(select(DeliveryWatch))).scalars())


async def test_an_order_to_two_teams_is_one_push_watched_once_and_taken_over_by_the_chat(
    session_factory: SessionFactory,
) -> None:
    await team_with_members(session_factory, "19:a", range(1, 6), name="Team A")
    await team_with_members(session_factory, "19:b", range(6, 9), name="Team B")
    await team_with_members(session_factory, "19:hr", range(99, 100), name="HR")
    rounds = Rounds(session_factory, default_bank(), TEST_SECRET, ALWAYS)
    publisher = Publisher(session_factory, rounds, TEST_SECRET, 24)
    order = PublicationIn(content="pulse", units=["all"])
    result = await publisher.publish(order, NOW, requested_by=HR)
    assert result.push_id is not None and len(result.rounds) == 3
    (watch,) = await watches(session_factory)
    assert (watch.kind, watch.subject_id, watch.requested_by) == ("pulse", result.push_id, HR)
    assert watch.reference is None and watch.label == "HR"  # the first team queued, by name

    deliveries = Deliveries(session_factory, Clock(NOW))
    report = await deliveries.report(OutboxKind.PULSE, result.push_id)
    assert (report.rounds, report.total, report.pending, report.waiting_rounds) == (3, 9, 9, 0)
    # A round of the order is known by its own id too: `delivery status --push ROUND`.
    (one,) = await deliveries.active(result.rounds[1].round_id)
    assert (one.push_id, one.report.total) == (result.push_id, 9)

    # The chat flow claims the watch before it sends its card: still one watch, now with its chat.
    # Whoever claims it second (the status reporter on another replica) sends no card.
    taken = await deliveries.claim(OutboxKind.PULSE, result.push_id, "Team A", "da", "{}", HR)
    (watch,) = await watches(session_factory)
    assert (taken, watch.reference, watch.label) == (watch.id, "{}", "Team A")
    assert not await deliveries.claim_for_reporter(watch.id, '{"other": 1}', "da")
    assert (
        await deliveries.claim(OutboxKind.PULSE, result.push_id, "Team A", "da", "{}", HR) is None
    )
    await deliveries.attach(watch.id, "{}", "card-1", None)
    (watch,) = await watches(session_factory)
    assert (watch.reference, watch.activity_id) == ("{}", "card-1")
    # A push nobody ordered by name: the chat makes a watch of its own.
    other = await deliveries.claim(OutboxKind.PROMPT, "p" * 32, "Team A", "da", "{}", None)
    assert other is not None and len(await watches(session_factory)) == 2


async def test_a_push_is_not_done_while_a_round_of_it_has_still_to_queue(
    session_factory: SessionFactory,
) -> None:
    first = await team_with_members(session_factory, "19:a", range(1, 6), name="Team A")
    second = await team_with_members(session_factory, "19:b", range(6, 9), name="Team B")
    rounds = Rounds(session_factory, default_bank(), TEST_SECRET, ALWAYS)
    closes = NOW + timedelta(days=3)
    async with session_factory.begin() as session:
        opened = await rounds.create_in(
            session, first, NOW, closes, None, "hr", requested_by=HR, group_id="g" * 32
        )
        later = await rounds.create_in(
            session,
            second,
            NOW + timedelta(hours=1),
            closes,
            None,
            "hr",
            requested_by=HR,
            group_id="g" * 32,
        )
    await rounds.open_due(NOW)  # the first opens now, the second in an hour
    report = await Deliveries(session_factory, Clock(NOW)).report(OutboxKind.PULSE, "g" * 32)
    assert (report.pending, report.waiting_rounds, report.done) == (5, 1, False)
    assert {opened.id, later.id} == {o.round_id for o in await origins(session_factory)}


async def origins(factory: SessionFactory) -> list[PushOrigin]:
    async with factory() as session:
        return list((await session.execute(select(PushOrigin))).scalars())


async def test_who_ordered_a_push_is_said_in_my_data_and_forgotten_when_no_card_needs_it(
    session_factory: SessionFactory,
) -> None:
    unit = await team_with_members(session_factory, "19:a", range(1, 6), name="Team A")
    await team_with_members(session_factory, "19:hr", range(99, 100), name="HR")
    rounds = Rounds(session_factory, default_bank(), TEST_SECRET, ALWAYS)
    closes = NOW + timedelta(days=3)
    info = await rounds.start_now(unit, NOW, closes, None, requested_by=HR)
    await rounds.open_due(NOW)
    publisher = Publisher(session_factory, rounds, TEST_SECRET, 24)
    weekly = PublicationIn(content="pulse", units=[unit], schedule={"every_days": 7})
    await publisher.publish(weekly, NOW, requested_by=HR)
    mine = await Privacy(session_factory, TEST_SECRET).personal_data("29:user-99")
    assert mine.pushes_ordered == 3  # the round, the weekly order, the watch of its invitation
    await rounds.close(info.id, closes)

    policy = RetentionPolicy(delivery_days=31)
    await purge(session_factory, policy, closes + timedelta(days=30))
    assert [o.requested_by for o in await origins(session_factory)] == [HR]  # still in its time
    await purge(session_factory, policy, closes + timedelta(days=32))
    assert [o.requested_by for o in await origins(session_factory)] == [None]
    async with session_factory() as session:  # the weekly order is still active: kept
        assert (await session.scalar(select(Publication.requested_by))) == HR
