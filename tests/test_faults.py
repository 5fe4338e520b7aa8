"""Faults: the database going away mid-submission, the bot killed between "counted" and "card
updated", and the Bot Connector down during a push.

- The database: a PostgreSQL server of this test's own (stopping it disturbs no other test) and
  the real app. Three people answer; three more press while their transactions wait on a lock the
  test holds; the server is then crashed (`pg_ctl stop -m immediate`) and two more press while it
  is down. Everyone not counted hears "prøv igen om lidt" (or the English text), never the crash
  message and never a 500; /healthz says 503. After the restart nothing is half-written (the
  counters are exactly the three thanked answers), /healthz says 200, everyone who retries is
  counted once, and the background worker delivers again.
- The crash: `trivselsbot run` as a real process whose card update the mock connector holds; the
  test SIGKILLs it after the answer is committed, starts it again, and the person presses again.
- The connector: down for two seconds (connection refused) while a push runs; every row is
  retried with backoff, without using up its failed tries, and delivered once when it is back.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.app import RUNTIME, create_app
from dialogs.texts import da, en
from storage.anonymity.participation import participation_key
from storage.calendar.quiet_hours import ALWAYS
from storage.db.engine import SessionFactory, create_engine, create_session_factory
from storage.db.migrate import upgrade
from storage.directory.recipients import Directory
from storage.question_bank import default_bank
from storage.rounds.lifecycle import RoundInfo, Rounds
from storage.tables.answers import AnonymousComment, AnswerCount, Participation, RoundResponses
from storage.tables.outbox import OutboxKind
from tests.conftest import TEST_SECRET, make_settings
from tests.support import activities as A
from tests.support.mock_connector import MockConnector, free_port, teams_member
from tests.support.postgres import (
    PostgresServer,
    PostgresUnavailable,
    postgres_server,
    restart,
    stop,
)
from tests.support.processes import spawn_bot, stop_process, until
from tests.support.pulse_fixtures import member
from tests.support.staged import staged_answers

TEAM = "19:team-faults@thread.tacv2"
PEOPLE = range(1, 11)
ENGLISH = {6, 8}  # their Teams client is in English
RETRY_DA = "prøv igen om lidt"
RETRY_EN = "try again in a moment"


# --- shared helpers ----------------------------------------------------------------------------


def conversation(n: int) -> str:
    return f"a:personal-{n}"


def card_id(n: int) -> str:
    return f"card-{n}"


def submission(service_url: str, info: RoundInfo, n: int, comment: str) -> dict[str, Any]:
    """What Teams posts when person n presses "Send anonymt" on the pulse card."""
    value: dict[str, Any] = {"action": "pulse.answer", "round": info.id, "comment": comment}
    value.update({f"q_{item}": "4" for item in info.items})
    locale = "en-US" if n in ENGLISH else "da-DK"
    return A.message(service_url, n, value=value, locale=locale, reply_to_id=card_id(n))


def texts_to(connector: MockConnector, n: int) -> list[str]:
    return [
        s.activity.get("text") or ""
        for s in connector.sent
        if s.conversation_id == conversation(n) and s.kind in ("send", "reply")
    ]


def thanked(connector: MockConnector, n: int) -> int:
    """Card replacements in person n's chat: the neutral thanks card over the answered card."""
    return sum(
        1
        for s in connector.sent
        if s.conversation_id == conversation(n)
        and s.kind == "update"
        and s.activity_id == card_id(n)
    )


def asked_to_retry(connector: MockConnector, n: int) -> bool:
    """The polite "try again in a moment" for a database outage, in the person's language."""
    language, phrase = (en, RETRY_EN) if n in ENGLISH else (da, RETRY_DA)
    polite = language.TEXTS["error.database_unavailable"]
    assert phrase in polite.lower()
    return polite in texts_to(connector, n)


async def seed_round(factory: SessionFactory, service_url: str, people: range) -> RoundInfo:
    """A team with members and a round that opened a minute ago (real time: the app uses it)."""
    directory = Directory(factory)
    unit = await directory.install_team(TEAM, "Faults", "tenant-1", service_url)
    await directory.sync_roster(TEAM, [member(n) for n in people])
    rounds = Rounds(factory, default_bank(), TEST_SECRET, ALWAYS)  # real clock: no quiet hours
    now = datetime.now(UTC)
    created = await rounds.create(
        unit.id, now - timedelta(minutes=1), now + timedelta(days=2), None, "hr"
    )
    await rounds.open_due(now)
    return await rounds.get(created.id)


async def anonymous_tables(factory: SessionFactory, round_id: str) -> dict[str, Any]:
    async with factory() as session:
        responses = await session.scalar(
            select(RoundResponses.responses).where(RoundResponses.round_id == round_id)
        )
        hashes = await session.scalar(
            select(func.count())
            .select_from(Participation)
            .where(Participation.round_id == round_id)
        )
        per_item = dict(
            (
                await session.execute(
                    select(AnswerCount.item_id, func.sum(AnswerCount.count))
                    .where(AnswerCount.round_id == round_id)
                    .group_by(AnswerCount.item_id)
                )
            ).all()
        )
        comments = sorted(
            (
                await session.execute(
                    select(AnonymousComment.text).where(AnonymousComment.round_id == round_id)
                )
            ).scalars()
        )
    # While the round is open its answers are staged, sealed: opened here as the close would.
    per_answer = {item: int(count) for item, count in per_item.items()}
    for answer in await staged_answers(factory, round_id):
        for item in answer.values:
            per_answer[item] = per_answer.get(item, 0) + 1
        if answer.comment:
            comments.append(answer.comment)
    return {
        "responses": responses or 0,
        "participation": hashes,
        "per_item": per_answer,
        "comments": sorted(comments),
    }


# --- 1. the database goes away in the middle of submissions -----------------------------------


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A server for this test alone. synchronous_commit=on: an immediate stop is a crash, and a
    commit the bot was told about must survive it (the shared test server trades that for speed)."""
    with ExitStack() as stack:
        try:
            server = stack.enter_context(postgres_server({"synchronous_commit": "on"}))
        except PostgresUnavailable as error:
            message = f"PostgreSQL fault tests cannot run: {error}"
            if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
                pytest.fail(message, pytrace=False)
            pytest.skip(message)
        yield server


async def admin(server: PostgresServer, statement: str) -> None:
    connection = await asyncpg.connect(server.dsn())
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.mark.parametrize("mode", ["immediate", "fast"])
async def test_the_database_going_away_mid_submission_loses_nothing_and_the_bot_recovers(
    mode: str,
    own_postgres: PostgresServer,
    connector: MockConnector,
    tmp_path: Path,
    production_logging: pytest.LogCaptureFixture,
) -> None:
    server = own_postgres
    await admin(server, "CREATE DATABASE faults")
    url = server.url("faults")
    engine = create_engine(url)
    await upgrade(engine)
    factory = create_session_factory(engine)
    info = await seed_round(factory, connector.url, PEOPLE)
    connector.members[TEAM] = [teams_member(n) for n in PEOPLE]
    settings = make_settings(
        tmp_path / "unused.db",
        BOT_DATABASE_URL=url,
        BOT_SCHEDULER_INTERVAL_SECONDS=0.2,
        BOT_OUTBOX_POLL_SECONDS=0.1,
        BOT_SEND_RETRY_BASE_SECONDS=0.2,
        BOT_SEND_TIMEOUT_SECONDS=1,
        BOT_OUTBOX_LEASE_SECONDS=4,
        BOT_SEND_RATE_PER_SECOND=100,
    )
    app = create_app(settings)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:

        async def press(n: int, comment: str) -> None:
            response = await client.post(
                "/api/messages", json=submission(connector.url, info, n, comment)
            )
            assert response.status == 201, await response.text()

        # Three people answer while all is well.
        for n in (1, 2, 3):
            await press(n, f"før-{n}")
            assert thanked(connector, n) == 1
        assert (await client.get("/healthz")).status == 200

        # Three more press while their transactions wait for a lock the test holds, so they are
        # surely in flight (claimed, counted, not committed) when the server crashes.
        locker = await asyncpg.connect(server.dsn("faults"))
        await locker.execute("BEGIN; LOCK TABLE round_responses IN ACCESS EXCLUSIVE MODE")
        in_flight = [asyncio.create_task(press(n, f"under-{n}")) for n in (4, 5, 6)]

        async def waiting_on_the_lock() -> bool:
            count = await locker.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            )
            return int(count) >= 1

        # Answers are written in groups (storage/answers/writer.py): the first press waits on the
        # lock inside its transaction, the two behind it wait in the writer's queue for the next.
        await until(waiting_on_the_lock, 10, "a group of submissions waiting on the lock")
        await asyncio.sleep(0.3)
        # immediate: a crash, sessions cut off; fast: sessions told "terminating connection
        # due to administrator command" (SQLSTATE 57P01) before the server goes.
        await asyncio.to_thread(stop, server, mode)
        await asyncio.gather(*in_flight)  # each answered 201: no 500 reached Teams
        locker.terminate()  # its server process is gone with the rest

        # While the server is down: two more press, someone asks for help, /healthz says so.
        await press(7, "nede-7")
        await press(8, "nede-8")
        response = await client.post(
            "/api/messages", json=A.message(connector.url, 9, text="hjælp")
        )
        assert response.status == 201
        health = await client.get("/healthz")
        assert health.status == 503
        assert await health.json() == {"status": "unavailable", "database": "down"}

        for n in (4, 5, 6, 7, 8, 9):
            assert asked_to_retry(connector, n), (n, texts_to(connector, n))
            assert thanked(connector, n) == 0
        generic = {da.TEXTS["error.generic"], en.TEXTS["error.generic"]}
        assert not [s for s in connector.sent if (s.activity.get("text") or "") in generic]
        assert not [r for r in production_logging.records if r.getMessage() == "turn.failed"]

        # The database is back: the app notices by itself (pool pre-ping), nothing half-written.
        await asyncio.to_thread(restart, server)

        async def healthy() -> bool:
            return (await client.get("/healthz")).status == 200

        await until(healthy, 10, "/healthz to recover")
        after_crash = await anonymous_tables(factory, info.id)
        assert after_crash == {
            "responses": 3,
            "participation": 3,
            "per_item": {item: 3 for item in info.items},
            "comments": ["før-1", "før-2", "før-3"],
        }, after_crash
        async with factory() as session:
            keys = set((await session.execute(select(Participation.key))).scalars())
        assert keys == {participation_key(TEST_SECRET, info.id, f"29:user-{n}") for n in (1, 2, 3)}
        assert len(info.items) >= 3

        # Everyone asked to retry does so and is counted once; an old hand is refused politely.
        for n in (4, 5, 6, 7, 8):
            await press(n, f"igen-{n}")
            assert thanked(connector, n) == 1, n
        await press(2, "igen-2")
        assert any("allerede svaret" in text for text in texts_to(connector, 2))
        final = await anonymous_tables(factory, info.id)
        assert (final["responses"], final["participation"]) == (8, 8)
        assert final["per_item"] == {item: 8 for item in info.items}
        assert len(final["comments"]) == 8

        # The background worker came through the outage too: closing notes go out to everyone.
        runtime = app[RUNTIME]
        await runtime.services.rounds.close(info.id)

        async def notes_sent() -> bool:
            counts = await runtime.outbox.counts(OutboxKind.ROUND_CLOSED, info.id)
            return counts == {"sent": len(PEOPLE)}

        await until(notes_sent, 15, "the closing notes to be delivered")
        assert (await anonymous_tables(factory, info.id))["participation"] == 0
    await engine.dispose()


# --- 2. the bot dies between "counted" and "card updated" --------------------------------------


class HoldingConnector(MockConnector):
    """Holds card updates (PUT) while `hold` is set and then drops them: the bot's request never
    reaches "Teams", as if the process had died just before sending it."""

    def __init__(self) -> None:
        super().__init__()
        self.hold = True
        self.held: list[str] = []
        self.released = asyncio.Event()

    async def start(self) -> HoldingConnector:
        await super().start()
        return self

    async def _update(self, request: web.Request) -> web.Response:
        if not self.hold:
            return await super()._update(request)
        self.held.append(request.match_info["aid"])
        self._changed.set()
        await self.released.wait()
        return web.json_response({"error": {"code": "Dropped"}}, status=503)


def bot_process(db_path: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    """`trivselsbot run` as its own process: a real process, so SIGKILL is a real crash."""
    env = {
        "BOT_DATABASE_URL": f"sqlite+aiosqlite:///{db_path}",
        "BOT_DEV_MODE": "true",
        "BOT_ANONYMITY_SECRET": TEST_SECRET,
        "BOT_HOST": "127.0.0.1",
        "BOT_PORT": str(port),
        "BOT_BACKGROUND_WORKERS": "false",
        "BOT_LOG_LEVEL": "INFO",
    }
    return spawn_bot(["run"], env, log)


@pytest.fixture
async def holding() -> AsyncIterator[HoldingConnector]:
    mock = await HoldingConnector().start()
    yield mock
    mock.released.set()
    await mock.stop()


async def test_a_crash_after_counting_and_before_the_card_update_never_counts_twice(
    holding: HoldingConnector, tmp_path: Path
) -> None:
    import aiohttp

    from dialogs.cards.pulse import thanks_card

    db_path = tmp_path / "bot.db"
    engine = create_engine(f"sqlite+aiosqlite:///{db_path}")
    await upgrade(engine)
    factory = create_session_factory(engine)
    info = await seed_round(factory, holding.url, range(1, 6))
    port, log = free_port(), tmp_path / "bot.log"
    processes: list[subprocess.Popen[bytes]] = []
    try:
        async with aiohttp.ClientSession() as http:
            base = f"http://127.0.0.1:{port}"

            async def healthy() -> bool:
                assert processes[-1].poll() is None, log.read_text()[-3000:]
                try:
                    async with http.get(f"{base}/healthz") as response:
                        return response.status == 200
                except aiohttp.ClientError:
                    return False

            async def press() -> int:
                activity = submission(holding.url, info, 1, "")
                async with http.post(f"{base}/api/messages", json=activity) as response:
                    return response.status

            processes.append(bot_process(db_path, port, log))
            await until(healthy, 30, "the bot to start")
            first = asyncio.create_task(press())
            await until(lambda: card_id(1) in holding.held, 10, "the card update to be sent")
            counted = await anonymous_tables(factory, info.id)
            assert (counted["responses"], counted["participation"]) == (1, 1)

            stop_process(processes[-1], signal.SIGKILL)  # counted, card not updated
            with pytest.raises(aiohttp.ClientError):
                await first
            holding.released.set()
            assert thanked(holding, 1) == 0  # the chat still shows the answered card

            holding.hold = False
            processes.append(bot_process(db_path, port, log))
            await until(healthy, 30, "the bot to start again")
            assert await press() == 201

        assert any("allerede svaret" in text for text in texts_to(holding, 1))
        assert thanked(holding, 1) == 1  # ... and now it is the neutral card
        (update,) = [s for s in holding.sent if s.kind == "update"]
        assert update.activity["attachments"][0]["content"] == thanks_card("da")
        again = await anonymous_tables(factory, info.id)
        assert (again["responses"], again["participation"]) == (1, 1)
        assert again["per_item"] == {item: 1 for item in info.items}
    finally:
        for process in processes:
            stop_process(process, signal.SIGTERM)
        await engine.dispose()


# --- 3. the Bot Connector is down for a while during a push ------------------------------------


async def test_a_connector_outage_is_retried_with_backoff_and_everything_arrives_once(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    from tests.support import fanout
    from tests.support.throttling_connector import ThrottlingConnector
    from tests.test_outbox_delivery import FAST, Run, rows, settled

    people, outage = 20, 2.0
    mock = await ThrottlingConnector(tenant_rate=None).start()
    try:
        # Every fifth person has no 1:1 chat yet: creating it fails during the outage as well.
        await fanout.seed_push(session_factory, mock.url, people, new_every=5)
        await mock.stop()  # Teams is unreachable: every request is refused

        async def back_after_outage() -> float:
            await asyncio.sleep(outage)
            await mock.start()
            return time.monotonic()

        back = asyncio.create_task(back_after_outage())
        # Two failed tries give a row up; refused connections must not count as failures.
        config = replace(FAST, retry_base_seconds=0.2)
        run = Run(session_factory, tmp_path, config, max_attempts=2)
        await run.until(settled(session_factory), timeout=30)
        came_back = await back
    finally:
        await mock.stop()

    by_user = await rows(session_factory)
    assert len(by_user) == people
    assert {row.state for row in by_user.values()} == {"sent"}
    # Refused connections never reached Teams: nothing is in doubt, nothing arrived twice.
    assert not [row for row in by_user.values() if row.uncertain]
    assert sum(mock.delivered.values()) == people and mock.duplicates() == 0
    assert min(mock.times()) >= came_back - 0.05
    # Backoff, not hammering: at a 0.05 s poll a blind retry would try ~40 times in 2 s.
    attempts = sorted(row.attempts for row in by_user.values())
    assert attempts[0] >= 2 and attempts[-1] <= 8, attempts
    assert attempts[-1] >= 3  # at least one row was refused more often than max_attempts allows


def test_only_an_unreachable_database_counts_as_an_outage() -> None:
    """A bug or a constraint would fail the same way again: those keep the crash message."""
    from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

    from storage.db.engine import is_database_unavailable

    class AdminShutdown(Exception):
        sqlstate = "57P01"

    assert is_database_unavailable(OperationalError("SELECT 1", {}, Exception("locked")))
    # "terminating connection due to administrator command", as SQLAlchemy wraps it ...
    assert is_database_unavailable(ProgrammingError("SELECT 1", {}, AdminShutdown()))
    try:  # ... and as the cause of whatever the turn raised
        raise RuntimeError("turn failed") from AdminShutdown()
    except RuntimeError as error:
        assert is_database_unavailable(error)
    assert not is_database_unavailable(IntegrityError("INSERT", {}, Exception("duplicate")))
    assert not is_database_unavailable(ConnectionRefusedError(111, "refused"))  # not the driver's
    assert not is_database_unavailable(ValueError("bug"))
