"""Two real bot processes (`python -m bot run`) on one throwaway PostgreSQL database.

Both replicas start together on an empty database (they migrate it at once), then serve the same
people behind an imagined load balancer: this test process posts each activity to one replica or
the other and plays Teams with the mock connector. Shown here:
- one installation announced twice (conversationUpdate, installationUpdate) to both at once;
- flows begun through one replica continue through the other (HR's pulse menu; HR's unit card,
  asked, picked and saved on alternating replicas), and HR's start press reaching both starts one
  round;
- answers spread over both replicas, concurrently, including one person's double press reaching
  both at the same moment, count exactly once each;
- both schedulers race over the same due schedules and each round is created and opened once;
- only one worker sends (the lease); every card arrives once; when the lease holder is killed
  with SIGKILL, the other replica takes the lease over and finishes the push;
- neither replica logs an ERROR (a failed turn would only show there: Teams got its 201).
Processes are stopped by their own process group, never by name.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select, update

from storage.calendar.zone import COPENHAGEN
from storage.db.engine import SessionFactory, create_engine, create_session_factory
from storage.delivery.status import Deliveries
from storage.directory.recipients import Directory
from storage.question_bank import default_bank
from storage.rounds.lifecycle import Rounds
from storage.rounds.schedules import Cadence, Schedules
from storage.tables.answers import AnswerCount, Participation, RoundResponses
from storage.tables.outbox import OutboxControl, OutboxKind, OutboxMessage
from storage.tables.pulses import PulseRound, PulseSchedule
from tests.conftest import TEST_SECRET, _admin, _run_async
from tests.support import activities as A
from tests.support import fanout
from tests.support.mock_connector import (
    MockConnector,
    Sent,
    cards_in,
    free_port,
    personal,
    teams_member,
)
from tests.support.postgres import PostgresServer, random_database_name
from tests.support.processes import until as wait_until
from tests.support.pulse_fixtures import member
from tests.support.staged import staged_counts

ROOT = Path(__file__).resolve().parents[1]
TEAM = "19:team-1@thread.tacv2"
PEOPLE = range(1, 13)  # twelve people in the team that HR pushes a pulse to
DOUBLE_PRESS = {3, 6, 9, 12}  # their submission reaches both replicas at the same moment
HR = 99
SCHEDULED_UNITS = 8  # units whose schedules fall due at once, for both schedulers
SCHEDULED_MEMBERS = 3
PUSH = 150  # people in the push whose sender is killed
CONCURRENCY = 4


class Replica:
    """One `python -m bot run` process on its own loopback port, logging to a file."""

    def __init__(self, name: str, url: str, log: Path, **env: str) -> None:
        self.name, self.log, self.port = name, log, free_port()
        environment = {
            **os.environ,
            "BOT_DATABASE_URL": url,
            "BOT_DEV_MODE": "true",
            "BOT_ANONYMITY_SECRET": TEST_SECRET,
            "BOT_HR_ADMINS": f"aad-{HR:04d}",
            "BOT_SCHEDULER_INTERVAL_SECONDS": "0.2",
            "BOT_OUTBOX_POLL_SECONDS": "0.05",
            "BOT_SEND_RATE_PER_SECOND": "200",
            "BOT_SEND_CONCURRENCY": str(CONCURRENCY),
            "BOT_SEND_TIMEOUT_SECONDS": "1",
            "BOT_OUTBOX_LEASE_SECONDS": "3",
            "BOT_DELIVERY_STATUS_SECONDS": "0.2",
            "BOT_LOG_LEVEL": "INFO",
            "BOT_WORKING_HOURS": "always",  # the real clock: no quiet hours
            **env,
        }
        with log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [
                    sys.executable,
                    "-m",
                    "bot",
                    "run",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                ],
                env=environment,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=ROOT,
            )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def healthy(self) -> bool:
        assert self.process.poll() is None, f"{self.name} died:\n{self.tail()}"
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:  # noqa: S310
                return bool(response.status == 200)
        except OSError:
            return False

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def events(self, name: str) -> list[dict[str, Any]]:
        found = []
        for line in self.log.read_text(errors="replace").splitlines():
            if line.startswith("{") and f'"{name}"' in line:
                record = json.loads(line)
                if record.get("event") == name:
                    found.append(record)
        return found

    def send_signal(self, sig: int) -> None:
        """Signal this replica's own process group."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                pass

    def errors(self) -> list[str]:
        """Every ERROR line of the log (e.g. `turn.failed` with its exception): none expected."""
        return [
            line[-800:]
            for line in self.log.read_text(errors="replace").splitlines()
            if line.startswith("{") and json.loads(line).get("level") in ("ERROR", "CRITICAL")
        ]

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Signal this replica's own process group, and reap it."""
        if self.process.poll() is not None:
            return
        try:
            self.send_signal(sig)
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        except ProcessLookupError:
            pass


@pytest.fixture(scope="module")
def empty_database(postgres: PostgresServer) -> Iterator[str]:
    """A new, empty database on the session's throwaway server: the replicas migrate it."""
    name = random_database_name("replicas")
    _run_async(_admin(postgres, f"CREATE DATABASE {name} TEMPLATE template0"))
    try:
        yield postgres.url(name)
    finally:
        _run_async(_admin(postgres, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture(scope="module")
def replicas(
    empty_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[Replica]]:
    """Two replicas started at the same moment on the empty database, healthy; shared by the
    tests of this module (starting a pair costs seconds), the one that kills a replica last."""
    folder = tmp_path_factory.mktemp("replicas")
    started = [Replica(f"replica-{n}", empty_database, folder / f"replica-{n}.log") for n in (1, 2)]
    try:
        deadline = time.monotonic() + 40
        while not all(replica.healthy() for replica in started):
            assert time.monotonic() < deadline, [r.tail() for r in started]
            time.sleep(0.1)
        yield started
    finally:
        for replica in started:  # all at once: each takes a moment to stop cleanly
            replica.send_signal(signal.SIGTERM)
        for replica in started:
            replica.stop()


@pytest.fixture
async def factory(empty_database: str, replicas: list[Replica]) -> AsyncIterator[SessionFactory]:
    """The test's own view of the database the replicas share (after they migrated it)."""
    engine = create_engine(empty_database)
    yield create_session_factory(engine)
    await engine.dispose()


async def post(http: aiohttp.ClientSession, replica: Replica, activity: dict[str, Any]) -> None:
    async with http.post(f"{replica.url}/api/messages", json=activity) as response:
        assert response.status == 201, await response.text()


async def until(check: Any, timeout: float, what: str, replicas: list[Replica]) -> None:
    def alive() -> None:
        for replica in replicas:
            assert replica.process.poll() is None, f"{replica.name} died:\n{replica.tail()}"

    await wait_until(check, timeout, what, lambda: "\n".join(r.tail() for r in replicas), alive)


async def say(
    http: aiohttp.ClientSession, replica: Replica, connector: MockConnector, n: int, **kwargs: Any
) -> dict[str, Any]:
    """Person n writes (or submits a card) through `replica`; the card the bot answers with."""
    before = len(connector.sent)
    await post(http, replica, A.message(connector.url, n, **kwargs))
    reply = await connector.wait_for(
        lambda s: (
            connector.sent.index(s) >= before
            and s.conversation_id == f"a:personal-{n}"
            and s.kind != "update"  # HR's delivery status card is updated in the same chat
        )
    )
    attachments = reply.activity.get("attachments")
    return attachments[0]["content"] if attachments else {"text": reply.activity["text"]}


def text_of(sent: Sent) -> str:
    return json.dumps(sent.activity, ensure_ascii=False)


def submission(connector: MockConnector, n: int, value: int) -> dict[str, Any]:
    """The person's Action.Submit from the card the bot sent them, every item set to `value`."""
    (card,) = cards_in(connector, personal(n))
    content = card.activity["attachments"][0]["content"]
    data = dict(content["actions"][0]["data"])
    for element in content["body"]:
        if element["type"] == "Input.ChoiceSet":
            data[element["id"]] = str(value)
    activity = A.message(connector.url, n, value=data, reply_to_id=card.activity_id)
    activity["conversation"]["id"] = personal(n)
    return activity


async def test_two_replicas_count_each_answer_once_and_start_each_round_once(
    replicas: list[Replica], factory: SessionFactory, connector: MockConnector
) -> None:
    one, two = replicas
    connector.members[TEAM] = [teams_member(n) for n in PEOPLE]
    async with aiohttp.ClientSession() as http:
        # --- A flow begun on replica 1 continues on replica 2. ---------------------------------
        # Teams tells of one installation in two activities (conversationUpdate and
        # installationUpdate); the load balancer hands them to both replicas at once.
        install = A.team_install(connector.url)
        also = {
            **install,
            "id": "installation-update",
            "type": "installationUpdate",
            "action": "add",
        }
        await asyncio.gather(post(http, one, install), post(http, two, also))
        await until(lambda: Directory(factory).installed_units(), 10, "installed team", replicas)
        await post(http, one, A.message(connector.url, HR, text="start puls"))
        menu = await connector.wait_for(lambda s: s.conversation_id == f"a:personal-{HR}")
        (button,) = menu.activity["attachments"][0]["content"]["actions"]
        # HR's press arrives twice, at both replicas at once (a double click, or Teams retrying
        # through the load balancer): one round starts, the other press is told so.
        press = A.message(connector.url, HR, value=button["data"])
        await asyncio.gather(post(http, two, press), post(http, one, {**press, "id": "again"}))
        started = await connector.wait_for(lambda s: "på vej til" in text_of(s))
        assert f"Mini-trivsel er på vej til {len(PEOPLE)} personer" in text_of(started)
        # The other press is refused: "already open", or "already being sent" when it came
        # between the first press creating the round and opening it.
        await until(
            lambda: any(
                "allerede en åben mini-trivsel" in text_of(s)
                or "allerede ved at blive sendt ud" in text_of(s)
                for s in connector.sent
            ),
            10,
            "the other press refused",
            replicas,
        )

        # --- One card each, from whichever replica holds the send lease. ----------------------
        await until(
            lambda: all(len(cards_in(connector, personal(n))) == 1 for n in PEOPLE),
            15,
            "card for everyone",
            replicas,
        )

        # HR's delivery status card ends with its report; then HR's chat is quiet for the next flow.
        await connector.wait_for(
            lambda s: "Udsendelsen til Hjemmeplejen Nord er færdig: 12 af 12" in text_of(s), 10
        )

        # --- HR's unit card: asked on replica 1, picked on replica 2, saved on replica 1. --------
        menu = await say(http, one, connector, HR, text="enhed")
        (team,) = [e for e in menu["body"] if e.get("id") == "unit"][0]["choices"]
        pick = {**menu["actions"][0]["data"], "unit": team["value"]}
        edit = await say(http, two, connector, HR, value=pick)
        save = {**edit["actions"][0]["data"], "parent": "top", "leader_member": "aad-0003"}
        saved = await say(http, one, connector, HR, value={**save, "leader_aad": ""})
        assert "Person 3 er nu leder for Hjemmeplejen Nord" in saved["text"]

        # --- Answers over both replicas at once; four double presses hit both. -----------------
        posts = []
        for n in PEOPLE:
            activity = submission(connector, n, value=n % 5 + 1)
            posts.append(post(http, one if n % 2 else two, activity))
            if n in DOUBLE_PRESS:
                posts.append(post(http, two if n % 2 else one, {**activity, "id": "again"}))
        await asyncio.gather(*posts)

        def thanked() -> list[Sent]:
            return [
                s for s in connector.sent if s.kind == "update" and "29:user-" in s.conversation_id
            ]

        def refused() -> list[Sent]:
            return [s for s in connector.sent if "allerede svaret" in text_of(s)]

        await until(
            # A refused double press also re-sends the neutral card (same for everyone), so the
            # refused people see two identical updates: count the people thanked, then the updates.
            lambda: (
                len({s.conversation_id for s in thanked()}) == len(PEOPLE)
                and len(refused()) == len(DOUBLE_PRESS)
                and len(thanked()) == len(PEOPLE) + len(DOUBLE_PRESS)
            ),
            15,
            "a thanks card for each and one refusal per double press",
            replicas,
        )
        assert sorted(s.conversation_id for s in refused()) == sorted(
            personal(n) for n in DOUBLE_PRESS
        )

    (unit,) = await Directory(factory).installed_units()
    (pulse,) = await Rounds(factory, default_bank(), TEST_SECRET).for_unit(unit.id)
    async with factory() as session:
        asked = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.subject_id == pulse.id)
        )
    assert pulse.eligible_count == asked == len(PEOPLE)
    async with factory() as session:
        answered = await session.scalar(
            select(RoundResponses.responses).where(RoundResponses.round_id == pulse.id)
        )
        counted = await session.scalar(
            select(func.count()).select_from(AnswerCount).where(AnswerCount.round_id == pulse.id)
        )
        hashes = await session.scalar(
            select(func.count())
            .select_from(Participation)
            .where(Participation.round_id == pulse.id)
        )
    assert counted == 0  # open: staged, not counted (rule 10)
    counts: Counter[int] = Counter()
    for (_item, value), times in (await staged_counts(factory, pulse.id)).items():
        counts[value] += times
    expected = Counter(n % 5 + 1 for n in PEOPLE)
    assert answered == len(PEOPLE) and hashes == len(PEOPLE)
    assert counts == {value: times * len(pulse.items) for value, times in expected.items()}

    # --- Both schedulers meet the same due schedules: each round is created and opened once. ----
    directory = Directory(factory)
    schedules = Schedules(factory, Rounds(factory, default_bank(), TEST_SECRET))
    cadence = Cadence(local_time="00:00", skip_holidays=False)
    units = []
    for u in range(SCHEDULED_UNITS):
        team = f"19:scheduled-{u}@thread.tacv2"
        info = await directory.install_team(team, f"Team {u}", "tenant-1", connector.url)
        people = range(100 + 10 * u, 100 + 10 * u + SCHEDULED_MEMBERS)
        await directory.sync_roster(team, [member(n) for n in people])
        await schedules.set(info.id, cadence, datetime.now(UTC))
        units.append((info.id, people))
    midnight = datetime.combine(datetime.now(COPENHAGEN).date(), clock_time(0), COPENHAGEN)
    async with factory.begin() as session:  # all due in one statement, for both schedulers
        await session.execute(update(PulseSchedule).values(next_opening_at=midnight))
    await until(
        lambda: all(
            len(cards_in(connector, personal(n))) >= 1 for _, people in units for n in people
        ),
        20,
        "scheduled cards",
        replicas,
    )
    await asyncio.sleep(1.0)  # five more scheduler passes on each replica: nothing more may come
    async with factory() as session:
        scheduled = (
            await session.execute(
                select(PulseRound.unit_id, PulseRound.state).where(PulseRound.origin == "schedule")
            )
        ).all()
        advanced = set((await session.execute(select(PulseSchedule.next_opening_at))).scalars())
    assert sorted(u for u, _ in scheduled) == sorted(u for u, _ in units)
    assert {state for _, state in scheduled} == {"open"}
    assert advanced == {midnight + timedelta(days=cadence.cadence_days)}
    # Every card of this test arrived exactly once.
    everyone = [personal(n) for n in PEOPLE] + [personal(n) for _, p in units for n in p]
    assert Counter(c for c in everyone for _ in cards_in(connector, c)) == Counter(everyone)
    created = [sum(e["rounds_created"] for e in r.events("scheduler.tick")) for r in replicas]
    assert sum(created) == SCHEDULED_UNITS
    assert [r.errors() for r in replicas] == [[], []]
    print(
        f"\n{len(replicas)} replicas: {len(PEOPLE)} answers ({len(DOUBLE_PRESS)} double presses "
        f"on both replicas) counted once each; {SCHEDULED_UNITS} scheduled rounds created once "
        f"(by replica: {created}); {len(everyone)} cards, each delivered once"
    )


async def lease_holder_pid(factory: SessionFactory) -> int | None:
    async with factory() as session:
        holder = await session.scalar(select(OutboxControl.lease_holder))
    return int(holder.split(":")[1]) if holder else None


async def test_the_other_replica_takes_over_the_push_when_the_sender_is_killed(
    replicas: list[Replica], factory: SessionFactory, connector: MockConnector
) -> None:
    # Due now: whichever replica's scheduler comes first opens it and queues the cards.
    round_id = await fanout.seed_push(factory, connector.url, PUSH, new_every=10, open_now=False)
    for replica in replicas:
        os.kill(replica.process.pid, 0)  # both alive
    await until(lambda: lease_holder_pid(factory), 10, "a lease holder", replicas)
    holder_pid = await lease_holder_pid(factory)
    (holder,) = [r for r in replicas if r.process.pid == holder_pid]
    (standby,) = [r for r in replicas if r is not holder]

    def delivered() -> int:
        return len([s for s in connector.sent if s.kind == "send"])

    await until(lambda: delivered() >= PUSH // 3, 20, "a third delivered", replicas)
    holder.stop(signal.SIGKILL)
    at_kill = delivered()
    async with factory() as session:
        in_doubt = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.state == "sending")
        )
    assert at_kill < PUSH, "killed too late"
    report = Deliveries(factory)

    async def finished() -> bool:
        return (await report.report(OutboxKind.PULSE, round_id)).pending == 0

    await until(finished, 30, "the standby finishing the push", [standby])
    assert await lease_holder_pid(factory) == standby.process.pid
    taken = standby.events("outbox.lease_taken")[-1]
    assert standby.errors() == []
    sent = Counter(s.conversation_id for s in connector.sent if s.kind == "send")
    everyone = {fanout.conversation_of(n, 10) for n in range(PUSH)}
    assert set(sent) == everyone
    duplicated = {c for c, times in sent.items() if times > 1}
    assert len(duplicated) <= (in_doubt or 0) <= CONCURRENCY
    async with factory() as session:
        final = (
            (
                await session.execute(
                    select(OutboxMessage).where(OutboxMessage.subject_id == round_id)
                )
            )
            .scalars()
            .all()
        )
    by_conversation = {
        fanout.conversation_of(int(row.user_id.rsplit("-", 1)[1]), 10): row for row in final
    }
    assert all(by_conversation[c].uncertain for c in duplicated)
    assert {row.state for row in final} == {"sent"}
    print(
        f"\n{PUSH} cards over 2 replicas; lease holder SIGKILLed after {at_kill} sends with "
        f"{in_doubt} in flight; the standby took over (recovered {taken.get('recovered_in_flight')})"
        f" and finished; duplicates {len(duplicated)}"
    )
