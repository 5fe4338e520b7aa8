"""Every push brings the HR person who started it a delivery status card, whichever door it came in
by; `trivselsbot delivery status --follow` draws the same report as a bar until the outbox is empty.

- The CLI and the admin API (real clock: the CLI opens rounds on it): `prompts publish --as` and
  `POST /admin/publications` with `X-Trivselsbot-As`; an order to two teams is one card.
- A schedule HR set (the test's clock): the pulse it opens, the reminder, the note to the members
  when the round closes and the leaders' result cards, each one card and one final message.
- A prompt HR posts to the teams' channels (the CLI and the chat form): one card counting the
  posts, and `delivery status` lists them; a leader's shared summary there is not counted.
- `delivery status --follow` as its own process, its output a pipe, while a real outbox drains
  into the throttling mock connector.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.app import RUNTIME, create_app
from bot.cli.delivery import follow
from bot.delivery.rate_limit import Pacer
from bot.delivery.status_cards import DeliveryStatusReporter
from storage.calendar.quiet_hours import WORKING_HOURS
from storage.db.engine import SessionFactory
from storage.delivery.status import Deliveries
from storage.directory.roles import Roles
from storage.question_bank import default_bank
from storage.rounds.lifecycle import Rounds
from storage.rounds.schedules import Cadence, Schedules
from storage.tables.directory import Recipient
from storage.tables.outbox import PushOrigin
from storage.tables.prompts import ChannelPost, ChannelPostKind
from tests.conftest import TEST_SECRET, make_settings
from tests.support import activities as A
from tests.support import fanout
from tests.support.clock import Clock
from tests.support.mock_connector import MockConnector, Sent, teams_member
from tests.support.processes import ROOT
from tests.support.pulse_fixtures import team_with_members
from tests.support.throttling_connector import ThrottlingConnector
from tests.test_outbox_delivery import FAST, Run, settled

TOKEN = "admin-token-0123456789-0123456789-abcdef"
HR = "aad-0099"
HR_CHAT = "a:personal-99"
NORD, SYD = "19:team-1@thread.tacv2", "19:team-2@thread.tacv2"


def settings_for(database_url: str, **extra: Any) -> Any:
    return make_settings(
        Path("unused"),
        BOT_DATABASE_URL=database_url,
        BOT_HR_ADMINS=HR,
        BOT_ADMIN_TOKEN=TOKEN,
        BOT_SCHEDULER_INTERVAL_SECONDS=0.1,
        BOT_OUTBOX_POLL_SECONDS=0.05,
        BOT_SEND_RATE_PER_SECOND=50,
        BOT_DELIVERY_STATUS_SECONDS=0.1,
        **extra,
    )


async def post(client: TestClient, activity: dict[str, Any]) -> None:
    response = await client.post("/api/messages", json=activity)
    assert response.status == 201, await response.text()


def to_hr(connector: MockConnector) -> list[Sent]:
    return [s for s in connector.sent if s.conversation_id == HR_CHAT]


def text(sent: Sent) -> str:
    return json.dumps(sent.activity, ensure_ascii=False)


def status_cards(connector: MockConnector) -> list[Sent]:
    """New status cards in HR's chat (updates of them are kind 'update')."""
    return [
        s
        for s in to_hr(connector)
        if s.kind == "send" and ("Udsendelse til" in text(s) or "Leveringsrapport" in text(s))
    ]


def done_messages(connector: MockConnector) -> list[str]:
    return [
        s.activity["text"]
        for s in to_hr(connector)
        if s.kind == "send" and "er færdig" in (s.activity.get("text") or "")
    ]


async def meet_hr(client: TestClient, connector: MockConnector) -> None:
    """HR has opened the bot's chat once: the bot knows where to reach them."""
    await post(client, A.message(connector.url, 99, text="hjælp"))
    await connector.wait_for(lambda s: s.conversation_id == HR_CHAT)


@pytest.fixture
async def app_on_the_real_clock(
    database_url: str, connector: MockConnector
) -> AsyncIterator[dict[str, Any]]:
    connector.members[NORD] = [teams_member(n) for n in range(1, 7)]
    connector.members[SYD] = [teams_member(n) for n in range(11, 15)]
    app = create_app(settings_for(database_url))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        await post(client, A.team_install(connector.url))
        await post(
            client,
            A.team_install(connector.url, team_id=SYD, name="Hjemmeplejen Syd", installer=11),
        )
        await meet_hr(client, connector)
        yield {"client": client, "services": app[RUNTIME].services}


async def test_publications_from_the_cli_and_the_admin_api_bring_their_sender_a_status_card(
    app_on_the_real_clock: dict[str, Any],
    connector: MockConnector,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bot.cli import main as cli

    client, services = app_on_the_real_clock["client"], app_on_the_real_clock["services"]
    units = {u.name: u.id for u in await services.directory.installed_units()}
    for key, value in {
        "BOT_DEV_MODE": "true",
        "BOT_DATABASE_URL": database_url,
        "BOT_ANONYMITY_SECRET": TEST_SECRET,
        "BOT_HR_ADMINS": HR,
        # The CLI reads its settings from the environment: outside 08-16 it would hold the push.
        "BOT_WORKING_HOURS": "always",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    argv = ["prompts", "publish", "--pulse", "--unit", units["Hjemmeplejen Nord"], "--as", HR]
    with pytest.raises(SystemExit) as exited:
        await asyncio.to_thread(cli.main, argv)
    assert exited.value.code == 0
    printed = capsys.readouterr()
    assert "Push " in printed.out and "a card in your chat with the bot" in printed.err
    await until(lambda: len(done_messages(connector)) == 1)
    (done,) = done_messages(connector)
    assert done == (
        "Udsendelsen til Hjemmeplejen Nord er færdig: 6 af 6 har fået beskeden, 0 ikke leveret "
        "(mini-trivsel)."
    )
    (card,) = status_cards(connector)
    assert "Hjemmeplejen Nord · mini-trivsel" in text(card)

    # The admin API, a prompt to both teams: one push, one card, one final message.
    response = await client.post(
        "/admin/publications",
        json={"content": "prompt", "prompt_id": "borger-regel", "units": ["all"]},
        headers={"Authorization": f"Bearer {TOKEN}", "X-Trivselsbot-As": HR},
    )
    assert response.status == 201, await response.text()
    published = await response.json()
    assert len(published["rounds"]) == 2 and published["push_id"]
    await until(lambda: len(done_messages(connector)) == 2)
    assert done_messages(connector)[1] == (
        "Udsendelsen til Hjemmeplejen Nord og ét andet team er færdig: 10 af 10 har fået "
        "beskeden, 0 ikke leveret (refleksionsspørgsmål)."
    )
    assert len(status_cards(connector)) == 2
    for sent in to_hr(connector):  # counts and reasons only: nobody is named
        dump = text(sent).replace('"29:user-99"', "").replace('"Person 99"', "")
        assert "29:user-" not in dump and "Person " not in dump
    await until_async(lambda: no_watches(services))  # the final message goes out, then it is gone

    # Someone the bot does not know as HR cannot order the card (nor anything else).
    refused = await client.post(
        "/admin/publications",
        json={"content": "pulse", "units": ["all"]},
        headers={"Authorization": f"Bearer {TOKEN}", "X-Trivselsbot-As": "aad-0001"},
    )
    assert refused.status == 400 and (await refused.json())["issues"][0]["code"] == "not_hr"


async def until(check: Any, timeout: float = 15.0) -> None:
    async def loop() -> None:
        while not check():
            await asyncio.sleep(0.05)

    await asyncio.wait_for(loop(), timeout)


async def until_async(check: Any, timeout: float = 15.0) -> None:
    async def loop() -> None:
        while not await check():
            await asyncio.sleep(0.05)

    await asyncio.wait_for(loop(), timeout)


async def no_watches(services: Any) -> bool:
    return await services.deliveries.watches() == []


async def test_a_schedule_brings_its_setter_a_card_for_every_push_of_its_rounds(
    database_url: str, connector: MockConnector
) -> None:
    monday = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)  # 08:00 in Copenhagen
    clock = Clock(monday)
    connector.members[NORD] = [teams_member(n) for n in range(1, 7)]
    app = create_app(settings_for(database_url), now=clock)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        await post(client, A.team_install(connector.url))
        await meet_hr(client, connector)
        services = app[RUNTIME].services
        factory: SessionFactory = services.rounds._factory
        (unit,) = await services.directory.installed_units()
        await Roles(factory, []).assign_leader(unit.id, "aad-0001")
        cadence = Cadence(cadence_days=14, weekday=0, local_time="10:00", open_days=2)
        await Schedules(factory, services.rounds).set(unit.id, cadence, clock(), requested_by=HR)

        clock.current = monday + timedelta(hours=2, seconds=1)  # 10:00:01: the round opens
        await until(lambda: len(done_messages(connector)) == 1)
        clock.current += timedelta(days=1)  # a day before the close: the reminder
        await until(lambda: len(done_messages(connector)) == 2)
        clock.current += timedelta(days=1)  # closed: the note to everyone, the leader's card
        await until(lambda: len(done_messages(connector)) == 4)
        done = done_messages(connector)
        assert done[:2] == [
            "Udsendelsen til Hjemmeplejen Nord er færdig: 6 af 6 har fået beskeden, 0 ikke "
            "leveret (mini-trivsel).",
            "Udsendelsen til Hjemmeplejen Nord er færdig: 6 af 6 har fået beskeden, 0 ikke "
            "leveret (påmindelse om mini-trivsel).",
        ]
        assert sorted(done[2:]) == [
            "Udsendelsen til Hjemmeplejen Nord er færdig: 1 af 1 har fået beskeden, 0 ikke "
            "leveret (resultatkort til lederne).",
            "Udsendelsen til Hjemmeplejen Nord er færdig: 6 af 6 har fået beskeden, 0 ikke "
            "leveret (besked om, at runden er lukket).",
        ]
        assert len(status_cards(connector)) == 4  # one card per push, and its final message
        await until_async(lambda: no_watches(services))


def _spawn(arguments: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """`python -m bot …` in its own session, its output a pipe (so not a terminal)."""
    return subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bot", *arguments],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
        start_new_session=True,
    )


def _read_lines(stream: Any, into: list[bytes]) -> None:
    for line in iter(stream.readline, b""):
        into.append(line)


@pytest.mark.sqlite_only
async def test_delivery_status_follow_draws_a_bar_until_the_outbox_is_drained(
    session_factory: SessionFactory, db_path: Path, tmp_path: Path
) -> None:
    """The CLI as HR runs it, in its own process with its output in a pipe (plain lines, no
    cursor movement), while the worker sends 60 cards at 20 a second into the mock connector."""
    mock = await ThrottlingConnector(tenant_rate=None).start()
    try:
        round_id = await fanout.seed_push(session_factory, mock.url, 60, new_every=0)
        env = {
            **os.environ,
            "BOT_DEV_MODE": "true",
            "BOT_DATABASE_URL": f"sqlite+aiosqlite:///{db_path}",
            "BOT_ANONYMITY_SECRET": TEST_SECRET,
            "BOT_SEND_RATE_PER_SECOND": "20",
        }
        watcher = _spawn(["delivery", "status", "--follow", "--interval", "0.2"], env)
        assert watcher.stdout is not None
        read: list[bytes] = []
        reader = asyncio.create_task(asyncio.to_thread(_read_lines, watcher.stdout, read))
        try:
            await until(lambda: bool(read), timeout=30)  # it has drawn the push, all waiting
            await Run(session_factory, tmp_path, replace(FAST, rate_per_second=20)).until(
                settled(session_factory)
            )
            await asyncio.wait_for(reader, 20)
            await asyncio.to_thread(watcher.wait, 20)
            output = b"".join(read)
        finally:
            if watcher.poll() is None:
                watcher.kill()
                watcher.wait()
    finally:
        await mock.stop()
    lines = output.decode("utf-8").splitlines()
    assert watcher.returncode == 0, lines
    assert "\x1b" not in output.decode("utf-8")
    progress = [line for line in lines if "Fanout · pulse check" in line]
    delivered = [int(line.split("delivered")[0].split()[-1].split("/")[0]) for line in progress]
    assert delivered[0] == 0 and delivered[-1] == 60 and delivered == sorted(delivered)
    assert len(set(delivered)) >= 3, lines  # it drew the push on its way, not only its ends
    assert "[------------------------]   0%" in progress[0] and "done about" in progress[0]
    assert "[########################] 100%" in progress[-1] and progress[-1].endswith("done")
    assert lines[-1] == "Everything shown is done."

    # On a terminal the same report is redrawn in place; a finished push is drawn once.
    screen = io.StringIO()
    deliveries = Deliveries(session_factory)
    assert await follow(deliveries, round_id, screen, 0.1, once=False, tty=True) == 0
    assert "60/60 delivered" in screen.getvalue()
    assert await follow(deliveries, None, io.StringIO(), 0.1, once=True, tty=False) == 0


async def test_a_status_card_in_hrs_chat_keeps_quiet_hours_like_any_push(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    """A pulse HR ordered from the CLI on a Saturday waits for Monday 08:00, and so does the card
    about it: the reporter sends nothing into HR's chat before working hours."""
    saturday = datetime(2026, 11, 21, 13, 0, tzinfo=UTC)
    clock = Clock(saturday)
    mock = await ThrottlingConnector(tenant_rate=None).start()
    # A send timeout a loaded machine cannot miss: this test is about when, not how fast.
    run = Run(session_factory, tmp_path, replace(FAST, timeout_seconds=10))
    try:
        async with session_factory.begin() as session:  # HR has a chat with the bot
            await session.execute(
                Recipient.__table__.insert().values(
                    user_id=fanout.user_id(99),
                    aad_object_id=HR,
                    tenant_id=fanout.TENANT,
                    locale="da-DK",
                    service_url=mock.url,
                    personal_conversation_id="a:fan-99",
                    personal_reference=fanout.reference_json(99, mock.url),
                    app_installed=True,
                    blocked=False,
                    updated_at=saturday,
                )
            )
        unit = await team_with_members(session_factory, "19:quiet", range(1, 4), name="Team Q")
        rounds = Rounds(session_factory, default_bank(), TEST_SECRET, WORKING_HOURS)
        await rounds.start_now(unit, saturday, saturday + timedelta(days=5), None, requested_by=HR)
        await rounds.open_due(saturday)
        deliveries = Deliveries(session_factory, clock, working_hours=WORKING_HOURS)
        reporter = DeliveryStatusReporter(
            deliveries,
            run.sender,
            Pacer(50),
            first_card_after=0,
            working_hours=WORKING_HOURS,
            now=clock,
        )
        for _ in range(2):
            await reporter.tick()
        assert mock.sent == [] and len(await deliveries.watches()) == 1

        clock.current = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # Monday 08:00 in Copenhagen
        await reporter.tick()
        (card,) = mock.sent
        assert card.conversation_id == "a:fan-99" and card.kind == "send"
        assert "Udsendelse til Team Q · mini-trivsel" in text(card)
    finally:
        await run.sender.close()
        await run.connectors.close()
        await mock.stop()


async def test_a_first_card_that_never_reached_teams_is_sent_on_the_next_pass(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    """Teams unreachable when the reporter sends HR's first card: the pass goes on (no error out
    of it), the card is not lost, and the next pass sends it once."""
    from sqlalchemy import update

    monday = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    clock = Clock(monday)
    mock = await ThrottlingConnector(tenant_rate=None).start()
    run = Run(session_factory, tmp_path, replace(FAST, timeout_seconds=10))
    nowhere = "http://127.0.0.1:9/"  # the discard port: nothing listens, the connection is refused
    try:
        async with session_factory.begin() as session:
            await session.execute(
                Recipient.__table__.insert().values(
                    user_id=fanout.user_id(99),
                    aad_object_id=HR,
                    tenant_id=fanout.TENANT,
                    locale="da-DK",
                    service_url=nowhere,
                    personal_conversation_id="a:fan-99",
                    personal_reference=fanout.reference_json(99, nowhere),
                    app_installed=True,
                    blocked=False,
                    updated_at=monday,
                )
            )
        unit = await team_with_members(session_factory, "19:away", range(1, 4), name="Team A")
        rounds = Rounds(session_factory, default_bank(), TEST_SECRET, WORKING_HOURS)
        await rounds.start_now(unit, monday, monday + timedelta(days=5), None, requested_by=HR)
        await rounds.open_due(monday)  # the invitations are queued: the push HR watches
        deliveries = Deliveries(session_factory, clock, working_hours=WORKING_HOURS)
        reporter = DeliveryStatusReporter(
            deliveries, run.sender, Pacer(50), first_card_after=0, now=clock
        )
        await reporter.tick()
        (watch,) = await deliveries.watches()
        assert watch.reference is None and mock.sent == []  # free again, for the next pass
        async with session_factory.begin() as session:  # Teams is back
            await session.execute(
                update(Recipient)
                .where(Recipient.user_id == fanout.user_id(99))
                .values(
                    service_url=mock.url, personal_reference=fanout.reference_json(99, mock.url)
                )
            )
        await reporter.tick()
        await reporter.tick()
        (card,) = mock.sent
        assert card.conversation_id == "a:fan-99" and "Udsendelse til Team A" in text(card)
    finally:
        await run.sender.close()
        await run.connectors.close()
        await mock.stop()


def card_updates(connector: MockConnector, card: Sent) -> list[Sent]:
    return [s for s in to_hr(connector) if s.kind == "update" and s.activity_id == card.activity_id]


async def test_a_prompt_hr_posts_to_the_teams_channels_brings_one_card_counting_the_posts(
    app_on_the_real_clock: dict[str, Any],
    connector: MockConnector,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A channel prompt is one post per team (storage/prompts/channel_posts.py), not a message per person:
    its push is the posts, on the same card and in `delivery status`, from the CLI and the chat.
    A summary a leader shared in the same channel is the leader's, and is not counted."""
    from bot.cli import main as cli
    from tests.test_prompt_flow import publish_with_card

    client, services = app_on_the_real_clock["client"], app_on_the_real_clock["services"]
    for key, value in {
        "BOT_DEV_MODE": "true",
        "BOT_DATABASE_URL": database_url,
        "BOT_ANONYMITY_SECRET": TEST_SECRET,
        "BOT_HR_ADMINS": HR,
        # The CLI reads its settings from the environment: outside 08-16 it would hold the push.
        "BOT_WORKING_HOURS": "always",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)

    def run_cli(*argv: str) -> str:
        with pytest.raises(SystemExit) as exited:
            cli.main(list(argv))
        assert exited.value.code == 0
        return capsys.readouterr().out

    printed = await asyncio.to_thread(
        run_cli, "prompts", "publish", "--prompt", "borger-regel", "--channel", "--all", "--as", HR
    )
    (push_id,) = [line.split()[1] for line in printed.splitlines() if line.startswith("Push ")]
    await until(lambda: len(done_messages(connector)) == 1)
    assert done_messages(connector) == [
        "Udsendelsen til Hjemmeplejen Nord og ét andet team er færdig: 2 af 2 opslag er lagt i "
        "kanalerne, 0 ikke lagt op (opslag i teamenes kanaler)."
    ]
    assert {s.conversation_id for s in connector.sent if "Til fælles dialog" in text(s)} == {
        NORD,
        SYD,
    }
    (card,) = status_cards(connector)
    assert "Hjemmeplejen Nord og ét andet team · opslag i teamenes kanaler" in text(card)
    final = (card_updates(connector, card) or [card])[-1]  # the card ends as the final report
    assert "Leveringsrapport" in text(final) and '"I alt", "value": "2"' in text(final)
    await until_async(lambda: no_watches(services))

    # A leader's "Del med teamet" in the same channel: not part of HR's push.
    factory: SessionFactory = services.rounds._factory
    async with factory.begin() as session:
        first_round = await session.scalar(
            select(PushOrigin.round_id).where(PushOrigin.group_id == push_id).limit(1)
        )
        session.add(
            ChannelPost(
                round_id=first_round,
                conversation_id=NORD,
                kind=ChannelPostKind.SHARED_SUMMARY.value,
                state="failed",
                last_error="not what the leader confirmed",
            )
        )
    listed = await asyncio.to_thread(run_cli, "delivery", "status", "--push", push_id)
    (line,) = listed.splitlines()[:1]
    assert line.startswith("Hjemmeplejen Nord and 1 other team · channel posts"), listed
    assert "[########################] 100%  2/2 delivered  done" in line, listed

    # Published from the chat form, to one team's channel: the chat's own card, and only that.
    await publish_with_card({"client": client}, connector, "borger-regel", "channel")
    await until(lambda: len(done_messages(connector)) == 2)
    assert done_messages(connector)[1] == (
        "Udsendelsen til Hjemmeplejen Nord er færdig: 1 af 1 opslag er lagt i kanalerne, "
        "0 ikke lagt op (opslag i teamenes kanaler)."
    )
    # One card: the chat's reply in HR's turn, or the reporter's when that turn was slow to it.
    cards = [
        s
        for s in to_hr(connector)
        if s.kind in ("send", "reply")
        and ("Udsendelse til" in text(s) or "Leveringsrapport" in text(s))
    ]
    assert len(cards) == 2, [text(s)[:200] for s in cards]
    assert "Hjemmeplejen Nord · opslag i teamenes kanaler" in text(cards[1])
    await until_async(lambda: no_watches(services))
