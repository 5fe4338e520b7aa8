"""A soak run: two replicas on PostgreSQL for a fixed time under a steady mix, one SIGKILLed midway.

    .venv/bin/python -m bench.soak                 # 10 minutes (not part of `make test`)
    .venv/bin/python -m bench.soak --minutes 1     # a short run while developing

A throwaway PostgreSQL server (tests/support/postgres.py) holds a team of N people with an open
pulse round, queued to all of them: the large push. Two `trivselsbot run` processes (the bot with
its scheduler and outbox worker, as in production) share that database. This process runs the
throttling mock connector (tests/support/throttling_connector.py: Teams' per-tenant ceiling below
the two replicas' combined send rate, so 429s come from the ceiling too, and 3% of all requests
answered 500/502/503/504/429 or with a dropped connection) and the load: a steady rate of card
submissions (each a different person's answer) and of a leader's "resumé" (a summary of the team's
previous, closed round), spread over the live replicas as a load balancer would. Halfway, one
replica is SIGKILLed and started again a few seconds later.

At the end the load stops, the push is let finish, the round is closed (Rounds.close, as
`trivselsbot pulse close` does) and it prints: answers answered 201 and thanked (the thanks card at
the mock) against counted (the round's counters after the close); pulse rows queued against
delivered, and duplicates per (conversation, outbox row), next to the rows in flight at the kill;
p50/p99 per kind; and each process's resident memory (VmRSS) at its start and end. Nothing is
asserted: the figures are the result (docs/performance.md, "Soak run").
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import asyncpg  # type: ignore[import-untyped]  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench.submissions import submission  # noqa: E402
from dialogs.i18n import t  # noqa: E402
from storage.answers.pulse import submit_answer  # noqa: E402
from storage.calendar.quiet_hours import ALWAYS  # noqa: E402
from storage.db.engine import create_engine, create_session_factory  # noqa: E402
from storage.db.migrate import upgrade  # noqa: E402
from storage.directory.roles import Roles  # noqa: E402
from storage.question_bank import default_bank  # noqa: E402
from storage.rounds.lifecycle import Rounds  # noqa: E402
from storage.tables.answers import AnswerCount, RoundResponses  # noqa: E402
from storage.tables.outbox import OutboxMessage  # noqa: E402
from tests.conftest import TEST_SECRET  # noqa: E402
from tests.support import fanout  # noqa: E402
from tests.support.mock_connector import free_port  # noqa: E402
from tests.support.postgres import postgres_server  # noqa: E402
from tests.support.processes import spawn_bot  # noqa: E402
from tests.support.throttling_connector import ThrottlingConnector  # noqa: E402

# The push: what two replicas delivered per second in a 1-minute run under these faults (their
# pauses after 429s double), so that it runs through the kill and ends soon after the load.
PUSH_PER_SECOND = 8
NEW_EVERY = 10  # every 10th person has no 1:1 chat yet: the worker creates it first
LEADER_AAD = "aad-soak-leader"
LEADER_CONVERSATION = "a:soak-leader"
FAULTS = ("500", "502", "503", "504", "429", "drop")
THANKS_TITLES = {t("da", "pulse.thanks_title"), t("en", "pulse.thanks_title")}


def rss_kib(pid: int) -> int:
    """Resident memory of one process (VmRSS from /proc/<pid>/status, KiB); 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def is_thanks(activity: dict[str, Any]) -> bool:
    text = json.dumps(activity.get("attachments") or [], ensure_ascii=False)
    return any(title in text for title in THANKS_TITLES)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


@dataclass
class Replica:
    name: str
    port: int
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    memory: list[tuple[str, int, int]] = field(default_factory=list)  # (label, pid, KiB)
    started_at: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> None:
        self.process = spawn_bot(["run"], self.env, self.log)
        self.started_at = time.monotonic()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def remember(self, label: str) -> None:
        assert self.process is not None
        self.memory.append((label, self.process.pid, rss_kib(self.process.pid)))


async def healthy(session: aiohttp.ClientSession, replica: Replica, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not replica.alive():
            raise RuntimeError(f"{replica.name} exited: {replica.log.read_text()[-2000:]}")
        with contextlib.suppress(aiohttp.ClientError):
            async with session.get(f"{replica.url}healthz") as response:
                if response.status == 200:
                    return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"{replica.name} not healthy: {replica.log.read_text()[-2000:]}")


async def seed(url: str, service_url: str, people: int) -> tuple[str, list[str]]:
    """The team, its people, a previous round closed with 12 answers (for the summaries) and the
    open round whose pulse is queued to everyone: the open round's id and items."""
    engine = create_engine(url)
    try:
        await upgrade(engine)
        factory = create_session_factory(engine)
        round_id = await fanout.seed_push(factory, service_url, people, NEW_EVERY, open_now=False)
        rounds = Rounds(factory, default_bank(), TEST_SECRET, ALWAYS)
        now = datetime.now(UTC)
        current = await rounds.get(round_id)
        unit_id = current.unit_id
        await Roles(factory, []).assign_leader(unit_id, LEADER_AAD)
        previous = await rounds.create(
            unit_id, now - timedelta(days=20), now - timedelta(days=15), None, "hr"
        )
        await rounds.open_due(now - timedelta(days=20))
        for n in range(12):
            answers = {item: 1 + (n + i) % 5 for i, item in enumerate(previous.items)}
            await submit_answer(
                factory,
                default_bank(),
                TEST_SECRET,
                previous.id,
                fanout.user_id(n),
                answers,
                "",
                now - timedelta(days=18),
            )
        await rounds.close(previous.id, now - timedelta(days=15))
        await fanout.open_seeded(factory)
        return round_id, list(current.items)
    finally:
        await engine.dispose()


def summary_request(n: int, service_url: str) -> bytes:
    """The leader writes "resumé" in their 1:1 chat."""
    activity = {
        "type": "message",
        "id": f"soak-summary-{n}",
        "timestamp": datetime.now(UTC).isoformat(),
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": "29:soak-leader", "name": "Leder", "aadObjectId": LEADER_AAD},
        "recipient": {"id": "28:trivselsbot", "name": "Trivselsbot"},
        "conversation": {
            "id": LEADER_CONVERSATION,
            "conversationType": "personal",
            "tenantId": fanout.TENANT,
        },
        "channelData": {"tenant": {"id": fanout.TENANT}},
        "locale": "da-DK",
        "text": "resumé",
    }
    return json.dumps(activity).encode()


@dataclass
class Load:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"answer": [], "summary": []})
    statuses: dict[str, Counter[str]] = field(
        default_factory=lambda: {"answer": Counter(), "summary": Counter()}
    )
    in_flight: dict[str, set[int]] = field(default_factory=dict)  # replica -> answers in flight
    lost_at_kill: list[int] = field(default_factory=list)  # answers whose connection the kill cut
    answered: set[int] = field(default_factory=set)  # answers answered 201


async def post(
    session: aiohttp.ClientSession,
    load: Load,
    replica: Replica,
    kind: str,
    body: bytes,
    person: int | None,
) -> None:
    started = time.perf_counter()
    flight = load.in_flight.setdefault(replica.name, set())
    if person is not None:
        flight.add(person)
    status = "connection error"
    try:
        async with session.post(
            f"{replica.url}api/messages",
            data=body,
            headers={"Content-Type": "application/json"},
        ) as response:
            await response.read()
            status = str(response.status)
    except (TimeoutError, aiohttp.ClientError):
        if person is not None:
            load.lost_at_kill.append(person)
    finally:
        if person is not None:
            flight.discard(person)
    load.statuses[kind][status] += 1
    if status == "201":
        load.latencies[kind].append(time.perf_counter() - started)
        if person is not None:
            load.answered.add(person)


async def soak(args: argparse.Namespace) -> None:
    seconds = args.minutes * 60
    people = args.people or int(seconds * PUSH_PER_SECOND)
    answers_due = int(seconds * args.answer_rate)
    if answers_due > people:
        raise SystemExit(f"--people {people} is fewer than the {answers_due} answers due")
    mock = ThrottlingConnector(
        tenant_rate=args.ceiling,
        retry_after=0.5,
        transient_rate=args.fault_rate,
        transient=FAULTS,
    )
    await mock.start()
    folder = Path(tempfile.mkdtemp(prefix="trivselsbot-soak-"))
    load = Load()
    replicas: list[Replica] = []
    with postgres_server() as server:
        admin = await asyncpg.connect(server.dsn())
        await admin.execute("CREATE DATABASE soak")
        await admin.close()
        url = server.url("soak")
        print(f"seeding {people} people (PostgreSQL on port {server.port}) ...", flush=True)
        round_id, items = await seed(url, mock.url, people)
        opened_at = time.monotonic()
        for name in ("A", "B"):
            port = free_port()
            env = {
                "BOT_DATABASE_URL": url,
                "BOT_DEV_MODE": "true",
                "BOT_ANONYMITY_SECRET": TEST_SECRET,
                "BOT_HOST": "127.0.0.1",
                "BOT_PORT": str(port),
                "BOT_SEND_RATE_PER_SECOND": str(args.send_rate),
                "BOT_SEND_CONCURRENCY": "8",
                "BOT_SEND_TIMEOUT_SECONDS": "2",
                "BOT_SEND_RETRY_BASE_SECONDS": "0.5",
                "BOT_SEND_THROTTLE_PAUSE_SECONDS": "1",
                "BOT_OUTBOX_LEASE_SECONDS": "5",
                "BOT_OUTBOX_POLL_SECONDS": "0.2",
                "BOT_SCHEDULER_INTERVAL_SECONDS": "5",
                "BOT_LOG_LEVEL": "WARNING",
            }
            replicas.append(Replica(name, port, env, folder / f"replica-{name}.log"))
        a, b = replicas
        killed: dict[str, Any] = {}
        try:
            for replica in replicas:
                replica.start()
            timeout = aiohttp.ClientTimeout(total=60)
            async with aiohttp.ClientSession(timeout=timeout) as session:
                for replica in replicas:
                    await healthy(session, replica)
                    replica.remember("start")
                own_start = rss_kib(os.getpid())
                engine = create_engine(url)
                factory = create_session_factory(engine)
                tasks: set[asyncio.Task[None]] = set()
                started = time.monotonic()
                deadline = started + seconds
                kill_at = started + seconds / 2
                next_answer = next_summary = started
                person = summary = 0
                turn = 0
                print(f"load for {args.minutes:g} min ...", flush=True)
                while time.monotonic() < deadline:
                    now = time.monotonic()
                    if not killed and now >= kill_at:
                        a.remember("at kill")
                        b.remember("at kill")
                        assert b.process is not None
                        os.kill(b.process.pid, signal.SIGKILL)
                        b.process.wait()
                        killed["at"] = now - started
                        killed["answers in flight"] = len(load.in_flight.get("B", ()))
                        async with factory() as s:
                            killed["rows sending"] = await s.scalar(
                                select(func.count()).where(OutboxMessage.state == "sending")
                            )
                        killed["delivered"] = sum(mock.delivered.values())

                        async def restart() -> None:
                            await asyncio.sleep(args.down_seconds)
                            b.start()
                            await healthy(session, b)
                            b.remember("restart")

                        tasks.add(asyncio.create_task(restart()))
                    live = [r for r in replicas if r.alive() and r.memory[-1][1] == r.process.pid]  # type: ignore[union-attr]
                    if now >= next_answer and person < answers_due:
                        replica = live[turn % len(live)]
                        turn += 1
                        body = submission(person, round_id, items, mock.url)
                        task = asyncio.create_task(
                            post(session, load, replica, "answer", body, person)
                        )
                        tasks.add(task)
                        person += 1
                        next_answer += 1 / args.answer_rate
                    if now >= next_summary:
                        replica = live[turn % len(live)]
                        turn += 1
                        body = summary_request(summary, mock.url)
                        tasks.add(
                            asyncio.create_task(post(session, load, replica, "summary", body, None))
                        )
                        summary += 1
                        next_summary += 1 / args.summary_rate
                    tasks = {task for task in tasks if not task.done()}
                    await asyncio.sleep(max(0.0, min(next_answer, next_summary) - time.monotonic()))
                await asyncio.gather(*tasks)
                load_seconds = time.monotonic() - started
                print("load done; letting the push finish ...", flush=True)
                finish_by = time.monotonic() + args.drain_seconds
                pending = -1
                while time.monotonic() < finish_by:
                    async with factory() as s:
                        pending = int(
                            await s.scalar(
                                select(func.count()).where(
                                    OutboxMessage.state.in_(("pending", "sending")),
                                )
                            )
                            or 0
                        )
                    if pending == 0:
                        break
                    await asyncio.sleep(1.0)
                drained_seconds = time.monotonic() - started
                for replica in replicas:
                    replica.remember("end")
                own_end = rss_kib(os.getpid())
                async with (
                    factory() as s
                ):  # every outbox row, before this round's close adds its notes
                    rows = list(
                        await s.execute(
                            select(OutboxMessage.kind, OutboxMessage.state, OutboxMessage.uncertain)
                        )
                    )
                await Rounds(factory, default_bank(), TEST_SECRET, ALWAYS).close(round_id)
                async with factory() as s:
                    counted = await s.scalar(
                        select(RoundResponses.responses).where(RoundResponses.round_id == round_id)
                    )
                    counted_items = await s.scalar(
                        select(func.sum(AnswerCount.count)).where(
                            AnswerCount.round_id == round_id, AnswerCount.item_id == items[0]
                        )
                    )
                await engine.dispose()
        finally:
            for replica in replicas:
                if replica.alive():
                    assert replica.process is not None
                    os.kill(replica.process.pid, signal.SIGTERM)
                    try:
                        replica.process.wait(timeout=30)
                    except subprocess.TimeoutExpired:
                        os.kill(replica.process.pid, signal.SIGKILL)
                        replica.process.wait()
            await mock.stop()

    report(
        args,
        people,
        load,
        mock,
        rows,
        counted,
        counted_items,
        killed,
        replicas,
        (own_start, own_end),
        load_seconds,
        drained_seconds,
        opened_at,
        pending,
        folder,
    )


def report(
    args: argparse.Namespace,
    people: int,
    load: Load,
    mock: ThrottlingConnector,
    rows: list[Any],
    counted: int | None,
    counted_items: int | None,
    killed: dict[str, Any],
    replicas: list[Replica],
    own: tuple[int, int],
    load_seconds: float,
    drained_seconds: float,
    opened_at: float,
    pending: int,
    folder: Path,
) -> None:
    # What the mock accepted (faults and 429s never reach these lists).
    thanked: Counter[str] = Counter()
    pulse_cards: Counter[str] = Counter()
    first_card: dict[str, float] = {}
    summaries = 0
    for sent in mock.sent:
        if sent.conversation_id == LEADER_CONVERSATION:
            summaries += sent.kind in ("send", "reply") and bool(sent.activity.get("attachments"))
        elif sent.kind in ("send", "reply", "update") and is_thanks(sent.activity):
            thanked[sent.conversation_id] += 1
        elif sent.kind in ("send", "reply") and sent.activity.get("attachments"):
            pulse_cards[sent.conversation_id] += 1
    push_latency = []
    for arrival in mock.arrivals:
        if (
            arrival.kind == "send"
            and arrival.status == 201
            and arrival.conversation not in first_card
        ):
            first_card[arrival.conversation] = arrival.at
    for conversation in pulse_cards:
        if conversation in first_card:
            push_latency.append(first_card[conversation] - opened_at)
    states = Counter(f"{row.kind} {row.state}" for row in rows)
    uncertain = sum(bool(row.uncertain) for row in rows)
    notes: Counter[str] = Counter(
        s.conversation_id
        for s in mock.sent
        if s.kind in ("send", "reply")
        and s.conversation_id != LEADER_CONVERSATION
        and not s.activity.get("attachments")
    )
    duplicates = sum(n - 1 for n in pulse_cards.values() if n > 1)
    note_duplicates = sum(n - 1 for n in notes.values() if n > 1)
    expected = {fanout.conversation_of(n, NEW_EVERY) for n in range(people)}
    missing = len(expected - set(pulse_cards))
    answered_conversations = {f"a:fan-{n}" for n in load.answered}
    thanked_answered = len(answered_conversations & set(thanked))
    faults = Counter(a.status for a in mock.arrivals)
    load_avg = os.getloadavg()

    print()
    print(
        f"soak {args.minutes:g} min load (+{drained_seconds - load_seconds:.0f} s for the push to "
        f"finish), {people} people, answers {args.answer_rate:g}/s, summaries "
        f"{args.summary_rate:g}/s, send rate {args.send_rate:g}/s per replica, mock ceiling "
        f"{args.ceiling:g}/s, faults {100 * args.fault_rate:g}% of requests {'/'.join(FAULTS)}"
    )
    print(
        f"load average at the end (1/5/15 min): {load_avg[0]:.2f} {load_avg[1]:.2f} {load_avg[2]:.2f}"
    )
    print(
        f"kill: replica B SIGKILLed at {killed.get('at', float('nan')):.0f} s, down "
        f"{args.down_seconds:g} s; answers in flight to it {killed.get('answers in flight')}, "
        f"outbox rows 'sending' {killed.get('rows sending')}, pulse cards delivered so far "
        f"{killed.get('delivered')}"
    )
    sent_answers = sum(load.statuses["answer"].values())
    print(
        f"answers: sent {sent_answers}, answered 201 {len(load.answered)}, statuses "
        f"{dict(load.statuses['answer'])}; thanked {sum(thanked.values())} "
        f"({thanked_answered} of the 201s, {len(set(thanked))} people); counted after close "
        f"{counted} (answer_counts for {counted_items}); cut by the kill {len(load.lost_at_kill)}"
    )
    print(
        f"summaries: asked {sum(load.statuses['summary'].values())}, statuses "
        f"{dict(load.statuses['summary'])}, summary cards received {summaries}"
    )
    print(
        f"outbox: {len(rows)} rows, by kind and state {dict(sorted(states.items()))}, still "
        f"pending {pending}; people with the pulse card {len(pulse_cards)} (missing {missing}), "
        f"with the previous round's closing note {len(notes)}; duplicates: cards {duplicates}, "
        f"notes {note_duplicates} "
        f"(rows flagged uncertain {uncertain}, rows in flight at the kill "
        f"{killed.get('rows sending')})"
    )
    print(f"mock answers by status (0 = dropped): {dict(sorted(faults.items()))}")
    accepted = Counter(
        (
            sent.kind,
            "leader" if sent.conversation_id == LEADER_CONVERSATION else "person",
            "thanks"
            if is_thanks(sent.activity)
            else ("card" if sent.activity.get("attachments") else "text"),
        )
        for sent in mock.sent
    )
    print(
        "accepted at the mock (kind, conversation, content): "
        + ", ".join(f"{'/'.join(key)} {n}" for key, n in sorted(accepted.items()))
    )
    print(f"{'kind':<8} {'n':>6} {'p50 ms':>8} {'p99 ms':>8}")
    for kind, values in (
        ("answer", load.latencies["answer"]),
        ("summary", load.latencies["summary"]),
        ("push", push_latency),
    ):
        print(
            f"{kind:<8} {len(values):>6} {1000 * percentile(values, 0.5):>8.1f} "
            f"{1000 * percentile(values, 0.99):>8.1f}"
        )
    print(
        "push: from the round's opening (just before the replicas start) to the first accepted card"
    )
    print("memory (VmRSS, MiB):")
    for replica in replicas:
        line = ", ".join(
            f"{label} {kib / 1024:.1f} (pid {pid})" for label, pid, kib in replica.memory
        )
        print(f"  replica {replica.name}: {line}")
    marks = {label: kib for label, _, kib in replicas[0].memory}
    after_kill = drained_seconds - killed["at"]
    growth = (marks["end"] - marks["at kill"]) / 1024 / (after_kill / 3600)
    whole = (marks["end"] - marks["start"]) / 1024 / (drained_seconds / 3600)
    print(f"  load generator + mock connector: start {own[0] / 1024:.1f}, end {own[1] / 1024:.1f}")
    print(
        f"  replica A (never killed): {whole:+.1f} MiB per hour over the whole run (warm-up "
        f"included), {growth:+.1f} MiB per hour from the kill to the end"
    )
    print(f"logs: {folder}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument(
        "--people", type=int, help=f"default: {PUSH_PER_SECOND} per second of the run"
    )
    parser.add_argument("--answer-rate", type=float, default=5.0, help="answers per second")
    parser.add_argument("--summary-rate", type=float, default=0.5, help="summaries per second")
    parser.add_argument("--send-rate", type=float, default=30.0, help="per replica")
    parser.add_argument("--ceiling", type=float, default=40.0, help="the mock's per-tenant rate")
    parser.add_argument("--fault-rate", type=float, default=0.03)
    parser.add_argument("--down-seconds", type=float, default=5.0)
    parser.add_argument("--drain-seconds", type=float, default=300.0)
    args = parser.parse_args()
    asyncio.run(soak(args))


if __name__ == "__main__":
    main()
