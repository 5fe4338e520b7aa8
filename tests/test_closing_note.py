"""The note at close: every member gets it, in their language, saying nothing but whether a result is out."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.app import build_services, create_app
from dialogs.i18n import t
from dialogs.messages.outbox import render
from storage.answers.pulse import Answers
from storage.db.engine import SessionFactory
from storage.delivery.outbox import OutboxJob
from storage.directory.recipients import Directory
from storage.question_bank import default_bank
from storage.tables.outbox import OutboxKind, OutboxMessage
from storage.values import Person
from tests.conftest import TEST_SECRET, make_settings
from tests.support import activities as A
from tests.support.clock import Clock
from tests.support.mock_connector import MockConnector, teams_member
from tests.support.pulse_fixtures import NOW, full_answer, open_round

TEAM = "19:team-1@thread.tacv2"


async def team(factory: SessionFactory, team_id: str, name: str, english: set[int]) -> str:
    directory = Directory(factory)
    unit = await directory.install_team(team_id, name, "tenant-1", "http://127.0.0.1:9/")
    people = [
        Person(user_id=f"{team_id}-{n}", name=f"P{n}", locale="en-US" if n in english else "da-DK")
        for n in range(1, 7)
    ]
    await directory.sync_roster(team_id, people)
    return unit.id


async def notes(factory: SessionFactory, services: Any, round_id: str) -> dict[str, Any]:
    """user id → the activity the outbox worker would send for their closing-note row."""
    async with factory() as session:
        rows = (
            await session.execute(
                select(OutboxMessage).where(
                    OutboxMessage.kind == OutboxKind.ROUND_CLOSED.value,
                    OutboxMessage.subject_id == round_id,
                )
            )
        ).scalars()
        locales = {
            p.user_id: p.locale
            for team_id in (TEAM, "19:team-2@thread.tacv2")
            for p in await Directory(factory).roster(team_id)
        }
        jobs = [
            OutboxJob.model_construct(
                id=row.id,
                kind=OutboxKind.ROUND_CLOSED,
                subject_id=row.subject_id,
                user_id=row.user_id,
                locale=locales[row.user_id],
            )
            for row in rows
        ]
    return {job.user_id: await render(job, services) for job in jobs}


async def test_members_get_the_note_in_their_language_and_nothing_else(
    session_factory: SessionFactory, database_url: str, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path / "unused.db", BOT_DATABASE_URL=database_url)
    services = build_services(settings, session_factory, now=lambda: NOW)
    answers = Answers(session_factory, default_bank(), TEST_SECRET)
    enough = await open_round(session_factory, await team(session_factory, TEAM, "Nord", {6}))
    few_unit = await team(session_factory, "19:team-2@thread.tacv2", "Syd", {2})
    few = await open_round(session_factory, few_unit)
    for n in range(1, 6):
        await answers.submit(enough.id, f"{TEAM}-{n}", full_answer(enough, n), "x", NOW)
    for n in (1, 2):
        await answers.submit(few.id, f"19:team-2@thread.tacv2-{n}", full_answer(few), None, NOW)
    assert await notes(session_factory, services, enough.id) == {}  # nothing while open

    await services.rounds.close(enough.id, NOW)
    await services.rounds.close(few.id, NOW)

    sent = await notes(session_factory, services, enough.id)
    assert set(sent) == {f"{TEAM}-{n}" for n in range(1, 7)}  # answered or not, everyone
    for user_id, activity in sent.items():
        language = "en" if user_id.endswith("-6") else "da"
        assert activity.text == t(language, "round_closed.result_ready", team="Nord")
        assert not activity.attachments
    assert "Mini-trivsel i Nord er slut" in sent[f"{TEAM}-1"].text
    small = await notes(session_factory, services, few.id)
    assert len(small) == 6
    assert small["19:team-2@thread.tacv2-1"].text == t("da", "round_closed.too_few", team="Syd")
    assert "for få svar til at vise et resultat denne gang — tak til jer, der svarede" in (
        small["19:team-2@thread.tacv2-1"].text
    )
    assert small["19:team-2@thread.tacv2-2"].text == t("en", "round_closed.too_few", team="Syd")
    # Closing again queues nothing more.
    await services.rounds.close(enough.id, NOW)
    assert len(await notes(session_factory, services, enough.id)) == 6


async def test_the_scheduler_closes_and_the_worker_delivers_the_note(
    db_path: Path, connector: MockConnector
) -> None:
    """The whole way: the scheduler closes the round, the outbox worker sends the notes."""
    clock = Clock(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    settings = make_settings(
        db_path,
        BOT_HR_ADMINS="aad-0099",
        BOT_SCHEDULER_INTERVAL_SECONDS=0.05,
        BOT_OUTBOX_POLL_SECONDS=0.05,
        BOT_SEND_RATE_PER_SECOND=50,
        BOT_WORKING_HOURS="08:00-16:00",  # the clock is the test's: quiet hours on
    )
    connector.members[TEAM] = [teams_member(n) for n in range(1, 7)]
    async with TestClient(TestServer(create_app(settings, now=clock), host="127.0.0.1")) as client:

        async def post(activity: dict[str, Any]) -> None:
            assert (await client.post("/api/messages", json=activity)).status == 201

        await post(A.team_install(connector.url))
        await post(A.personal_install(connector.url, 6, locale="en-US"))
        await post(A.message(connector.url, 99, "start puls"))
        menu = await connector.wait_for(lambda s: s.conversation_id == "a:personal-99")
        await post(
            A.message(
                connector.url,
                99,
                value=menu.activity["attachments"][0]["content"]["actions"][0]["data"],
            )
        )
        await connector.wait_for(lambda s: "på vej til 6" in (s.activity.get("text") or ""))
        # Sunday 29 November: the round (closing Saturday 09:00) closes, its note waits for Monday.
        clock.advance(days=6)

        def texts() -> dict[str, str]:
            return {
                s.conversation_id: s.activity["text"]
                for s in connector.sent
                if "Hjemmeplejen Nord" in (s.activity.get("text") or "")
                and "på vej" not in s.activity["text"]
            }

        async def all_six() -> None:
            while len(texts()) < 6:
                await asyncio.sleep(0.02)

        await asyncio.sleep(0.5)  # ten scheduler passes and more outbox polls
        assert texts() == {}, "a closing note landed on a Sunday"
        clock.current = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # Monday 08:00 in Copenhagen
        await asyncio.wait_for(all_six(), 10)
    got = texts()
    danish = t("da", "round_closed.too_few", team="Hjemmeplejen Nord")
    assert got["a:personal-6"] == t("en", "round_closed.too_few", team="Hjemmeplejen Nord")
    assert sorted(c for c, text in got.items() if text == danish) == [
        f"a:personal-29:user-{n}" for n in range(1, 6)
    ]


async def leader_cards(factory: SessionFactory, services: Any, round_id: str) -> dict[str, Any]:
    """user id → what the worker would send for their leader-result row (rendered per person)."""
    async with factory() as session:
        rows = list(
            (
                await session.execute(
                    select(OutboxMessage).where(
                        OutboxMessage.kind == OutboxKind.LEADER_RESULT.value,
                        OutboxMessage.subject_id == round_id,
                    )
                )
            ).scalars()
        )
    jobs = [
        OutboxJob.model_construct(
            id=row.id,
            kind=OutboxKind.LEADER_RESULT,
            subject_id=row.subject_id,
            user_id=row.user_id,
            locale="da-DK",
        )
        for row in rows
    ]
    return {job.user_id: await render(job, services) for job in jobs}


async def test_leaders_get_their_teams_summary_card_unasked_when_the_round_closes(
    session_factory: SessionFactory, database_url: str, tmp_path: Path
) -> None:
    """Each leader of the unit, and nobody else, gets the card the `resumé` command would show
    them; a team below k gets the reason; a leader removed before it is sent gets nothing."""
    settings = make_settings(tmp_path / "unused.db", BOT_DATABASE_URL=database_url)
    services = build_services(settings, session_factory, now=lambda: NOW)
    directory = Directory(session_factory)
    units = {}
    for team_id, name in ((TEAM, "Nord"), ("19:team-2@thread.tacv2", "Syd")):
        unit = await directory.install_team(team_id, name, "tenant-1", "http://127.0.0.1:9/")
        await directory.sync_roster(
            team_id,
            [
                Person(user_id=f"{team_id}-{n}", aad_object_id=f"{name}-{n}", name=f"P{n}")
                for n in range(1, 7)
            ],
        )
        units[name] = unit.id
    await services.hierarchy.add_leader(units["Nord"], "Nord-1")
    await services.hierarchy.add_leader(units["Syd"], "Syd-1")
    await services.hierarchy.add_leader(units["Syd"], "Syd-2")
    answers = Answers(session_factory, default_bank(), TEST_SECRET)
    enough = await open_round(session_factory, units["Nord"])
    few = await open_round(session_factory, units["Syd"])
    for n in range(1, 6):
        await answers.submit(enough.id, f"{TEAM}-{n}", full_answer(enough, 4), None, NOW)
    await answers.submit(few.id, "19:team-2@thread.tacv2-1", full_answer(few), None, NOW)
    await services.rounds.close(enough.id, NOW)
    await services.rounds.close(few.id, NOW)

    nord = await leader_cards(session_factory, services, enough.id)
    assert set(nord) == {f"{TEAM}-1"}
    card = nord[f"{TEAM}-1"]
    assert card.text == t("da", "leader_result.ready", team="Nord")
    content = str(card.attachments[0].content)
    assert "Resumé · Nord · runde 1" in content and "5 af 6 svarede (83 %)" in content
    assert "Syd" not in content  # rendered for this leader: none of another unit's choices

    await services.hierarchy.remove_leader(units["Syd"], "Syd-2")
    syd = await leader_cards(session_factory, services, few.id)
    assert set(syd) == {"19:team-2@thread.tacv2-1", "19:team-2@thread.tacv2-2"}
    told = syd["19:team-2@thread.tacv2-1"]
    assert told.text == t("da", "leader_result.too_few", team="Syd")
    assert "For få svar til at vise et resultat" in str(told.attachments[0].content)
    assert syd["19:team-2@thread.tacv2-2"] is None  # no longer a leader: nothing is sent
    assert OutboxKind.LEADER_RESULT.per_person and not OutboxKind.PULSE.per_person
