""" "Del med teamet" through the real pipeline: what the leader confirms is what the channel shows.

The bot runs with its background workers against the mock connector, so the channel post is sent
by the real channel poster; the database is a real SQLite file. Every refusal is checked to leave
the channel and the queue untouched.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select, update

from bot.app import RUNTIME, create_app
from dialogs.cards.share import post_body
from storage.answers.pulse import Answers, submit_answer
from storage.calendar.quiet_hours import ALWAYS
from storage.db.engine import SessionFactory
from storage.directory.hierarchy import Hierarchy
from storage.directory.recipients import Directory
from storage.directory.roles import Roles
from storage.question_bank import default_bank
from storage.results.summaries import Summaries
from storage.results.team_share import NotTeamLeader, TeamShares
from storage.rounds.lifecycle import Rounds
from storage.tables.directory import Unit
from storage.tables.prompts import ChannelPost
from storage.values import ConversationKind, Person
from tests.conftest import TEST_SECRET, make_settings
from tests.support import activities as A
from tests.support.clock import Clock
from tests.support.mock_connector import MockConnector, Sent, card_of, teams_member

TEAM = "19:team-1@thread.tacv2"
OTHER_TEAM = "19:team-2@thread.tacv2"
# A Tuesday at noon in Copenhagen: a working moment.
NOW = datetime(2026, 11, 17, 11, 0, tzinfo=UTC)
COMMENTS = [f"kommentar nummer {n} — æøå" for n in range(1, 8)]


@pytest.fixture
async def world(db_path: Path, connector: MockConnector) -> AsyncIterator[dict[str, Any]]:
    clock = Clock(NOW)
    async with served(db_path, connector, clock, "always") as world:
        yield world


class served:
    """The app on its own clock, two teams installed, leaders 1 (team 1) and 8 (team 2)."""

    def __init__(
        self, db_path: Path, connector: MockConnector, clock: Clock, working_hours: str
    ) -> None:
        self.settings = make_settings(
            db_path,
            BOT_HR_ADMINS="aad-0099",
            BOT_OUTBOX_POLL_SECONDS=0.05,
            BOT_SCHEDULER_INTERVAL_SECONDS=0.2,
            BOT_WORKING_HOURS=working_hours,
        )
        self.connector = connector
        self.clock = clock

    async def __aenter__(self) -> dict[str, Any]:
        self.connector.members[TEAM] = [teams_member(n) for n in range(1, 8)]
        self.connector.members[OTHER_TEAM] = [teams_member(n) for n in range(8, 14)]
        app = create_app(self.settings, now=self.clock)
        self.client = TestClient(TestServer(app, host="127.0.0.1"))
        await self.client.start_server()
        await post(self.client, A.team_install(self.connector.url))
        await post(
            self.client,
            A.team_install(self.connector.url, 8, OTHER_TEAM, "Hjemmeplejen Syd"),
        )
        services = app[RUNTIME].services
        units = {u.teams_team_id: u.id for u in await services.directory.installed_units()}
        await services.hierarchy.add_leader(units[TEAM], "aad-0001")
        await services.hierarchy.add_leader(units[OTHER_TEAM], "aad-0008")
        return {
            "client": self.client,
            "services": services,
            "unit": units[TEAM],
            "clock": self.clock,
            "factory": services.rounds._factory,
        }

    async def __aexit__(self, *exc: object) -> None:
        await self.client.close()


async def post(client: TestClient, activity: dict[str, Any]) -> None:
    response = await client.post("/api/messages", json=activity)
    assert response.status == 201


async def closed_round(world: dict[str, Any], answers: int, close: bool = True) -> str:
    """A round of team 1 that opened three days ago, closed early; person n answers and comments."""
    services, now = world["services"], world["clock"]()
    info = await services.rounds.create(
        world["unit"], now - timedelta(days=3), now + timedelta(hours=1), None, "hr"
    )
    await services.rounds.open_due(now - timedelta(days=3))
    for n in range(1, answers + 1):
        await submit_answer(
            world["factory"],
            default_bank(),
            TEST_SECRET,
            info.id,
            f"29:user-{n}",
            {item: 2 if item.startswith("rf") else 4 for item in info.items},
            COMMENTS[n - 1],
            now - timedelta(days=2),
        )
    if close:
        await services.rounds.close(info.id, now)
    return str(info.id)


async def ask(world: dict[str, Any], connector: MockConnector, n: int, **kwargs: Any) -> Sent:
    """Person n says or presses something in their chat; the bot's first answer to it (not a
    note the outbox happens to send there meanwhile)."""
    chat = f"a:personal-{n}"
    before = len(connector.sent)
    await post(world["client"], A.message(connector.url, n, **kwargs))
    return await connector.wait_for(
        lambda s: (
            s.conversation_id == chat
            and s.kind in ("reply", "update")
            and connector.sent.index(s) >= before
        )
    )


def channel_posts(connector: MockConnector) -> list[Sent]:
    """What the bot posted in a team channel, but its welcome when it was installed."""
    return [
        s
        for s in connector.sent
        if s.conversation_id in (TEAM, OTHER_TEAM) and "Resultat af mini-trivsel" in text_of(s)
    ]


def text_of(sent: Sent) -> str:
    return json.dumps(sent.activity, ensure_ascii=False)


def share_button(card: dict[str, Any]) -> dict[str, Any] | None:
    return next(
        (a for a in card.get("actions", []) if a.get("title") == "Del med teamet"),
        None,
    )


async def rows(world: dict[str, Any]) -> list[ChannelPost]:
    async with world["factory"]() as session:
        return list((await session.execute(select(ChannelPost))).scalars())


async def test_the_leader_sees_the_post_first_and_the_channel_shows_exactly_that(
    world: dict[str, Any], connector: MockConnector
) -> None:
    round_id = await closed_round(world, 7)
    summary = await ask(world, connector, 1, text="resumé")
    button = share_button(card_of(summary))
    assert button is not None, "the team's leader is offered to share"
    toggle = button["card"]["body"][1]
    assert toggle["type"] == "Input.Toggle" and toggle["title"] == (
        "Tag de 7 anonyme kommentarer med"
    )
    press = dict(button["card"]["actions"][0]["data"], share_comments="false")
    assert press == {"action": "share.preview", "round": round_id, "share_comments": "false"}

    confirmation = await ask(world, connector, 1, value=press)
    card = card_of(confirmation)
    assert card["body"][0]["text"] == "Opslaget til kanalen i Hjemmeplejen Nord"
    assert "Præcis det, der står i rammen herunder" in text_of(confirmation)
    framed = next(item for item in card["body"] if item["type"] == "Container")["items"]
    assert "kommentar nummer" not in json.dumps(framed, ensure_ascii=False)
    confirm = card["actions"][0]["data"]
    assert channel_posts(connector) == []  # nothing is posted before the second press

    done = await ask(world, connector, 1, value=confirm, reply_to_id="card-17")
    assert done.kind == "update" and done.activity_id == "card-17"
    assert "Delt med Hjemmeplejen Nord" in text_of(done)
    posted = await connector.wait_for(lambda s: s in channel_posts(connector))
    shown = card_of(posted)
    assert shown["body"] == framed  # exactly what the confirmation framed, nothing more
    body = text_of(posted)
    assert "Resultat af mini-trivsel · Hjemmeplejen Nord · runde 1" in body
    assert "7 af 7 svarede (100 %)" in body
    assert "Forslag til dialog på næste team- eller MED-møde: Retfærdighed" in body
    for absent in ("kommentar nummer", "Sammenligning", "Handlingsplan", "Input.", "Action."):
        assert absent not in body, absent
    assert "actions" not in shown

    # A second press (a double click, or the card pressed again later) posts nothing more.
    again = await ask(world, connector, 1, value=confirm)
    assert "Runde 1 er allerede delt med Hjemmeplejen Nord" in text_of(again)
    await asyncio.sleep(0.3)
    assert len(channel_posts(connector)) == 1
    from storage.tables.audit import AuditRow

    async with world["factory"]() as session:
        logged = list((await session.execute(select(AuditRow))).scalars())
    shares = [(r.viewer_id, r.via, r.round_id) for r in logged if r.what == "channel_share"]
    assert shares == [("aad-0001", "chat", round_id)]  # the second press is refused before it
    (row,) = await rows(world)
    assert (row.kind, row.state, row.with_comments, row.language) == (
        "summary",
        "sent",
        False,
        "da",
    )


async def test_comments_go_along_only_when_ticked_and_released(
    world: dict[str, Any], connector: MockConnector
) -> None:
    few = await closed_round(world, 5)  # figures shown (k = 5), comments held back (7)
    summary = await ask(world, connector, 1, text="resumé")
    button = share_button(card_of(summary))
    assert button is not None and len(button["card"]["body"]) == 1, "no comments to tick"
    tampered = {"action": "share.preview", "round": few, "share_comments": "true"}
    refused = await ask(world, connector, 1, value=tampered)
    assert "Kommentarerne kan ikke deles" in text_of(refused) and "færre end 7" in text_of(refused)

    many = await closed_round(world, 7)
    press = {"action": "share.preview", "round": many, "share_comments": "true"}
    confirmation = await ask(world, connector, 1, value=press)
    assert "De anonyme kommentarer er med, fordi du valgte dem." in text_of(confirmation)
    await ask(world, connector, 1, value=card_of(confirmation)["actions"][0]["data"])
    posted = await connector.wait_for(lambda s: s in channel_posts(connector))
    body = text_of(posted)
    assert "Anonyme kommentarer (i tilfældig rækkefølge)" in body
    assert sorted(c for c in COMMENTS if c in body) == sorted(COMMENTS)
    # A confirmation for the 5-answer round with comments forced in is refused the same way.
    forged = {"action": "share.confirm", "round": few, "comments": True, "fingerprint": "x" * 32}
    assert "Kommentarerne kan ikke deles" in text_of(await ask(world, connector, 1, value=forged))
    await asyncio.sleep(0.3)
    assert len(channel_posts(connector)) == 1


async def test_comments_written_under_the_old_promise_are_never_shared(
    world: dict[str, Any], connector: MockConnector
) -> None:
    """A round made before sharing existed told people only the leaders and HR see its comments:
    no tick-box, a forged preview or confirmation is refused, and the result alone may go."""
    from storage.tables.pulses import PulseRound

    round_id = await closed_round(world, 7)
    async with world["factory"].begin() as session:
        await session.execute(
            update(PulseRound)
            .where(PulseRound.id == round_id)
            .values(comments_shareable=False)  # what migration 0014 gives every earlier round
        )
    summary = await ask(world, connector, 1, text="resumé")
    assert "kommentar nummer 1" in text_of(summary)  # the leader still reads them
    button = share_button(card_of(summary))
    assert button is not None and len(button["card"]["body"]) == 1, "no comments to tick"
    for forged in (
        {"action": "share.preview", "round": round_id, "share_comments": "true"},
        {"action": "share.confirm", "round": round_id, "comments": True, "fingerprint": "x" * 32},
    ):
        refused = text_of(await ask(world, connector, 1, value=forged))
        assert "lovede jeg, at kun lederne og HR ser dem" in refused and "Intet er delt" in refused
    await asyncio.sleep(0.3)
    assert channel_posts(connector) == [] and await rows(world) == []
    press = {"action": "share.preview", "round": round_id, "share_comments": "false"}
    confirmation = await ask(world, connector, 1, value=press)
    await ask(world, connector, 1, value=card_of(confirmation)["actions"][0]["data"])
    posted = await connector.wait_for(lambda s: s in channel_posts(connector))
    assert "kommentar nummer" not in text_of(posted)


async def test_every_press_is_checked_and_a_refusal_posts_nothing(
    world: dict[str, Any], connector: MockConnector
) -> None:
    released = await closed_round(world, 6)
    preview = {"action": "share.preview", "round": released, "share_comments": "false"}
    confirmation = await ask(world, connector, 1, value=preview)
    confirm = card_of(confirmation)["actions"][0]["data"]

    # HR who leads nothing sees the card without the button, and is refused on a press.
    hr_card = await ask(world, connector, 99, text="resumé")
    assert "Resumé · Hjemmeplejen Nord" in text_of(hr_card)
    assert share_button(card_of(hr_card)) is None
    cases: list[tuple[int, dict[str, Any], str]] = [
        (99, confirm, "Kun teamets leder kan dele resultatet"),
        (3, preview, "Kun teamets leder kan dele resultatet"),  # an employee of the team
        (3, confirm, "Kun teamets leder kan dele resultatet"),
        (8, preview, "hører til et team, du ikke er leder for"),  # the other team's leader
        (8, confirm, "hører til et team, du ikke er leder for"),
        (1, {**confirm, "fingerprint": "0" * 32}, "Kortet er forældet"),  # not what it showed
        (1, {**confirm, "comments": True}, "Kommentarerne kan ikke deles"),
        (1, {**preview, "round": "no-such-round"}, "Den runde kan jeg ikke finde"),
        (1, {**preview, "round": 17}, "Noget i kortet var ikke, som det skulle være"),
        (1, {**preview, "share_comments": "maybe"}, "Noget i kortet var ikke"),
        (1, {**confirm, "fingerprint": None}, "Noget i kortet var ikke"),
    ]
    below_k = await closed_round(world, 3)
    cases.append((1, {**preview, "round": below_k}, "For få svarede til at vise et resultat"))
    still_open = await closed_round(world, 2, close=False)
    cases.append((1, {**preview, "round": still_open}, "Runden er ikke lukket endnu"))
    for person, value, expected in cases:
        reply = await ask(world, connector, person, value=value)
        assert expected in text_of(reply), (person, value)

    # The bot removed from the team's channel: no button, and a press is refused.
    pick = {"action": "summary.show", "choice": f"round:{released}"}
    assert share_button(card_of(await ask(world, connector, 1, value=pick))) is not None
    await post(world["client"], A.team_uninstall(connector.url))
    assert share_button(card_of(await ask(world, connector, 1, value=pick))) is None
    assert "Jeg er ikke med i teamets kanal" in text_of(
        await ask(world, connector, 1, value=confirm)
    )
    await asyncio.sleep(0.3)
    assert channel_posts(connector) == [] and await rows(world) == []


async def test_a_share_after_hours_waits_for_monday_and_a_changed_post_is_never_sent(
    db_path: Path, connector: MockConnector
) -> None:
    friday_evening = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)  # 18:00 in Copenhagen
    clock = Clock(friday_evening)
    async with served(db_path, connector, clock, "08:00-16:00") as world:
        first = await closed_round(world, 6)
        second = await closed_round(world, 6)
        for round_id in (first, second):
            press = {"action": "share.preview", "round": round_id, "share_comments": "false"}
            confirmation = await ask(world, connector, 1, value=press)
            done = await ask(world, connector, 1, value=card_of(confirmation)["actions"][0]["data"])
            assert "kommer i teamets kanal mandag d. 23. november kl. 08:00" in text_of(done)
            assert "for jeg skriver kun i arbejdstiden" in text_of(done)
        # Meanwhile the second post stops being what the leader confirmed (here: by hand).
        async with world["factory"].begin() as session:
            await session.execute(
                update(ChannelPost)
                .where(ChannelPost.round_id == second)
                .values(fingerprint="f" * 32)
            )
        await asyncio.sleep(0.5)
        assert channel_posts(connector) == [], "a post landed on a Friday evening"
        clock.current = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # Monday 08:00
        posted = await connector.wait_for(lambda s: s in channel_posts(connector), timeout=10)
        assert "runde 1" in text_of(posted)
        for _ in range(100):
            states = {row.round_id: (row.state, row.last_error) for row in await rows(world)}
            if states[second][0] not in ("pending", "sending"):
                break
            await asyncio.sleep(0.05)
        assert states == {
            first: ("sent", None),
            second: ("expired", "not what the leader confirmed"),
        }
        assert len(channel_posts(connector)) == 1


async def test_the_post_is_the_leaders_own_card_cut_down(
    world: dict[str, Any], connector: MockConnector
) -> None:
    """Every element of the post (but its title, intro and the note on anonymity) is an element
    of the leader's summary card: it can hold nothing the card does not."""
    round_id = await closed_round(world, 7)
    services = world["services"]
    summary = await services.summaries.round_summary(round_id, {world["unit"]})
    leader_card = json.dumps(card_of(await ask(world, connector, 1, text="resumé")))
    body = post_body(summary, services.bank, "da", 5, with_comments=True)
    own = body[0:2] + body[-1:]
    for element in body:
        if element in own or element["type"] == "TextBlock" and element["text"] in COMMENTS:
            continue  # comments are shuffled per reading; their texts are checked below
        assert json.dumps(element) in leader_card, element
    for comment in COMMENTS:
        assert json.dumps(comment, ensure_ascii=True)[1:-1] in leader_card


async def test_a_round_is_queued_once_however_many_confirm_at_once(
    session_factory: SessionFactory,
) -> None:
    """Two leaders of the team (or one double press reaching two replicas) confirm together: one
    post is queued; a post that failed may be shared again."""
    factory = session_factory
    directory = Directory(factory)
    unit = await directory.install_team(TEAM, "Nord", "tenant-1", "http://127.0.0.1:9/")
    await directory.sync_roster(
        TEAM, [Person(user_id=f"29:user-{n}", aad_object_id=f"aad-{n:04d}") for n in range(1, 7)]
    )
    await directory.remember_conversation(
        TEAM, ConversationKind.CHANNEL, "tenant-1", json.dumps({"conversation": {"id": TEAM}}), TEAM
    )
    for leader in ("aad-0001", "aad-0002"):
        await Roles(factory, []).assign_leader(unit.id, leader)
    rounds = Rounds(factory, default_bank(), TEST_SECRET, ALWAYS)
    info = await rounds.create(unit.id, NOW, NOW + timedelta(days=1), None, "hr")
    await rounds.open_due(NOW)
    answers = Answers(factory, default_bank(), TEST_SECRET)
    for n in range(1, 6):
        await answers.submit(info.id, f"29:user-{n}", {i: 4 for i in info.items}, None, NOW)
    await rounds.close(info.id, NOW)
    clock = Clock(NOW)
    shares = TeamShares(factory, Summaries(factory, default_bank(), 5, clock), ALWAYS, clock)

    async def confirm(leader: str) -> bool:
        queued = await shares.share(
            info.id, leader, language="da", with_comments=False, fingerprint="f" * 32
        )
        return queued.already

    assert sorted(await asyncio.gather(confirm("aad-0001"), confirm("aad-0002"))) == [False, True]
    async with factory.begin() as session:
        (row,) = (await session.execute(select(ChannelPost))).scalars()
        assert (row.state, row.next_attempt_at) == ("pending", NOW)
        row.state = "failed"
    assert await confirm("aad-0002") is False  # a failed share may be made again
    async with factory() as session:
        (row,) = (await session.execute(select(ChannelPost))).scalars()
        assert row.state == "pending"
    with pytest.raises(NotTeamLeader):  # a member of the team who leads nothing
        await shares.share(
            info.id, "aad-0003", language="da", with_comments=False, fingerprint="f" * 32
        )
    # The leader of the unit above the team may share its rounds too (here: already shared).
    async with factory.begin() as session:
        area = Unit(name="Ældreområdet", bot_installed=False)
        session.add(area)
        await session.flush()
        area_id = area.id
    hierarchy = Hierarchy(factory)
    await hierarchy.set_parent(unit.id, area_id)
    await hierarchy.add_leader(area_id, "aad-0003")
    assert await confirm("aad-0003") is True
