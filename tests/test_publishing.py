"""Publishing: to units and the units below them, to personal chats or the channel, now or on time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from storage.answers.reflections import submit_reflection
from storage.calendar.zone import COPENHAGEN
from storage.db.engine import SessionFactory
from storage.directory.recipients import Directory
from storage.errors import AlreadyAnswered, NotAMember, UnitNotFound
from storage.prompts.channel_posts import ChannelPosts
from storage.prompts.file_format import starter_library
from storage.prompts.library import PromptLibrary
from storage.prompts.orders import PublicationExists, PublicationIn
from storage.prompts.publisher import Publisher
from storage.question_bank import default_bank
from storage.rounds.lifecycle import Rounds
from storage.tables.directory import Unit
from storage.tables.outbox import OutboxKind, OutboxMessage
from storage.tables.prompts import ChannelPost, PromptRound
from storage.tables.pulses import PulseRound
from storage.values import ConversationKind
from tests.conftest import TEST_SECRET
from tests.support.pulse_fixtures import team_with_members

# Thursday 17 December 2026, 10:00 in Copenhagen.
THURSDAY = datetime(2026, 12, 17, 9, 0, tzinfo=UTC)


def publisher(factory: SessionFactory) -> Publisher:
    return Publisher(factory, Rounds(factory, default_bank(), TEST_SECRET), TEST_SECRET, 24)


async def count(factory: SessionFactory, model: type, *where: object) -> int:
    async with factory() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


@pytest.fixture
async def team(session_factory: SessionFactory) -> str:
    await PromptLibrary(session_factory).seed(starter_library())
    return await team_with_members(session_factory, "19:team-a", range(1, 7), "Team A")


async def add_channel(factory: SessionFactory, team_id: str) -> None:
    await Directory(factory).remember_conversation(
        team_id, ConversationKind.CHANNEL, "tenant-1", '{"conversation": {"id": "x"}}', team_id
    )


async def test_a_theme_schedule_opens_on_working_days_and_rotates_prompts(
    session_factory, team
) -> None:
    service = publisher(session_factory)
    order = PublicationIn(
        content="theme",
        theme="attraktiv_arbejdsplads",
        units=[team],
        schedule={"every_days": 7, "weekday": 3, "time": "09:00"},
    )
    result = await service.publish(order, THURSDAY)
    # Thursday 24 December is a holiday, so is the 25th; the first opening moves to Monday 28th.
    assert result.scheduled_for == datetime(2026, 12, 28, 9, 0, tzinfo=COPENHAGEN)
    assert result.rounds == [] and await count(session_factory, PulseRound) == 0
    assert await service.run_due(datetime(2026, 12, 28, 7, 59, tzinfo=UTC)) == []
    (first,) = await service.run_due(datetime(2026, 12, 28, 8, 0, tzinfo=UTC))
    assert [r.eligible_count for r in first.rounds] == [6]
    assert await service.run_due(datetime(2026, 12, 28, 9, 0, tzinfo=UTC)) == []  # once per slot
    # The grid stays on Thursdays: 31 December and 1 January are holidays, so Monday 4 January.
    (view,) = await service.list_publications()
    assert view.next_at == datetime(2027, 1, 4, 9, 0, tzinfo=COPENHAGEN)
    # Down for three weeks: the missed slots are skipped, one round opens, not three.
    (late,) = await service.run_due(datetime(2027, 1, 22, 12, 0, tzinfo=UTC))
    async with session_factory() as session:
        prompts = [row.prompt_id for row in (await session.execute(select(PromptRound))).scalars()]
    assert len(prompts) == 2 and prompts[0] != prompts[1]
    (view,) = await service.list_publications()
    assert view.next_at == datetime(2027, 1, 28, 9, 0, tzinfo=COPENHAGEN)
    assert view.occurrences == 2 and late.rounds


async def test_once_at_a_given_time(session_factory, team) -> None:
    service = publisher(session_factory)
    at = datetime(2026, 12, 19, 12, 0, tzinfo=COPENHAGEN)  # a Saturday: "at" is taken literally
    order = PublicationIn(
        content="prompt", prompt_id="digital-tid", units=["all"], schedule={"at": at}
    )
    result = await service.publish(order, THURSDAY)
    assert result.scheduled_for == at
    (done,) = await service.run_due(at)
    assert len(done.rounds) == 1
    assert await service.list_publications() == []
    assert await service.run_due(at + timedelta(days=30)) == []


async def test_channel_delivery_posts_once_per_team_and_skips_teams_without_a_channel(
    session_factory, team
) -> None:
    other = await team_with_members(session_factory, "19:team-b", range(10, 13), "Team B")
    await add_channel(session_factory, "19:team-a")
    order = PublicationIn(
        content="prompt", prompt_id="borger-lettere", units=[team, other], delivery="channel"
    )
    result = await publisher(session_factory).publish(order, THURSDAY)
    assert [(r.unit_name, r.eligible_count) for r in result.rounds] == [("Team A", 6)]
    assert [(s.unit_name, s.reason) for s in result.skipped] == [("Team B", "no_channel")]
    assert await count(session_factory, ChannelPost) == 1
    assert await count(session_factory, OutboxMessage) == 0  # nobody is messaged privately


async def test_a_parent_unit_reaches_the_teams_below_it(session_factory, team) -> None:
    async with session_factory.begin() as session:
        parent = Unit(id="p" * 32, name="Ældreområdet", bot_installed=False)
        session.add(parent)
        await session.flush()
        (await session.get(Unit, team)).parent_id = parent.id
    order = PublicationIn(content="pulse", units=["p" * 32])
    result = await publisher(session_factory).publish(order, THURSDAY)
    assert [(r.unit_name, r.eligible_count) for r in result.rounds] == [("Team A", 6)]
    assert await count(session_factory, OutboxMessage, OutboxMessage.kind == "pulse") == 6
    async with session_factory() as session:
        (pulse,) = (await session.execute(select(PulseRound))).scalars()
    assert pulse.sequence == 1 and pulse.state == "open"  # a pulse keeps its own numbering


async def test_bad_orders_change_nothing(session_factory, team) -> None:
    service = publisher(session_factory)
    with pytest.raises(UnitNotFound):
        await service.publish(PublicationIn(content="pulse", units=[team, "nope"]), THURSDAY)
    with pytest.raises(ValidationError):
        PublicationIn(content="prompt", units=[team])  # no prompt_id
    with pytest.raises(ValidationError):
        PublicationIn(content="pulse", units=[team], schedule={"every_days": 3})
    with pytest.raises(ValidationError):
        PublicationIn(content="pulse", units=[team], schedule={"at": "2026-12-20T09:00:00"})
    with pytest.raises(ValidationError):
        PublicationIn(content="pulse", units=[])
    order = PublicationIn(id="a" * 32, content="pulse", units=[team])
    await service.publish(order, THURSDAY)
    with pytest.raises(PublicationExists):
        await service.publish(order, THURSDAY)
    assert await count(session_factory, PulseRound) == 1


async def test_a_private_card_from_the_channel(session_factory, team) -> None:
    await add_channel(session_factory, "19:team-a")
    service = publisher(session_factory)
    order = PublicationIn(
        content="prompt", prompt_id="borger-lettere", units=[team], delivery="channel"
    )
    (published,) = (await service.publish(order, THURSDAY)).rounds
    round_id = published.round_id
    assert await service.request_card(round_id, "29:user-1", THURSDAY) is True
    assert await service.request_card(round_id, "29:user-1", THURSDAY) is False
    with pytest.raises(NotAMember):
        await service.request_card(round_id, "29:user-99", THURSDAY)
    await submit_reflection(
        session_factory, TEST_SECRET, round_id, "29:user-2", "4", None, THURSDAY
    )
    with pytest.raises(AlreadyAnswered):
        await service.request_card(round_id, "29:user-2", THURSDAY)
    assert await count(session_factory, OutboxMessage) == 1
    await Rounds(session_factory, default_bank(), TEST_SECRET).close(round_id)
    assert await service.forget_channel_requests() == 1
    assert (
        await count(session_factory, OutboxMessage, OutboxMessage.kind == OutboxKind.PROMPT.value)
        == 0
    )


async def test_a_pulse_for_the_channel_is_still_answered_privately(session_factory, team) -> None:
    """The channel gets a notice; every member gets the pulse card in their personal chat."""
    await add_channel(session_factory, "19:team-a")
    order = PublicationIn(content="pulse", units=[team], delivery="channel")
    (published,) = (await publisher(session_factory).publish(order, THURSDAY)).rounds
    assert published.eligible_count == 6
    assert (
        await count(session_factory, ChannelPost, ChannelPost.round_id == published.round_id) == 1
    )
    assert await count(session_factory, OutboxMessage, OutboxMessage.kind == "pulse") == 6


async def test_a_post_in_flight_at_another_replica_is_left_alone_and_a_dead_ones_is_recovered(
    session_factory, team
) -> None:
    """Two replicas' channel posters on one database: a fresh 'sending' row is the other's send
    in flight, never reset; one older than any send can take is a dead sender's, sent again."""
    await add_channel(session_factory, "19:team-a")
    order = PublicationIn(
        content="prompt", prompt_id="borger-lettere", units=[team], delivery="channel"
    )
    await publisher(session_factory).publish(order, THURSDAY)
    sending = ChannelPosts(session_factory, lambda: THURSDAY)
    (job,) = await sending.claim_due(1)
    stale = timedelta(seconds=30)
    for seconds in (0, 29):
        other = ChannelPosts(session_factory, lambda s=seconds: THURSDAY + timedelta(seconds=s))
        assert await other.recover_in_flight(stale) == 0
        assert await other.claim_due(1) == []
    later = ChannelPosts(session_factory, lambda: THURSDAY + timedelta(seconds=31))
    assert await later.recover_in_flight(stale) == 1
    (again,) = await later.claim_due(1)
    assert (again.id, again.attempts) == (job.id, 2)


async def test_racing_publication_clocks_publish_each_slot_once(session_factory, team) -> None:
    """Several replicas' publication clocks at the same instant over one due schedule."""
    service = publisher(session_factory)
    order = PublicationIn(
        content="theme",
        theme="attraktiv_arbejdsplads",
        units=[team],
        schedule={"every_days": 7, "weekday": 3, "time": "09:00"},
    )
    await service.publish(order, THURSDAY)
    due = datetime(2026, 12, 28, 8, 0, tzinfo=UTC)
    results = await asyncio.gather(*(publisher(session_factory).run_due(due) for _ in range(4)))
    assert sorted(len(r) for r in results) == [0, 0, 0, 1]
    assert await count(session_factory, PromptRound) == 1
    assert await count(session_factory, OutboxMessage) == 6  # each member asked once
