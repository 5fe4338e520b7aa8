"""A push to 2,000 people survives SIGKILL of the worker process, counted at the mock connector.

The worker runs as its own process (`trivselsbot worker`) against an SQLite file and the throttling
mock connector, which refuses anything over the tenant rate, answers 3% of requests with 500, 502,
504, 412, 429, a response slower than the client's timeout or a dropped connection, and has 30 people
who removed the app (403 MessageWritesBlocked) or whose chat is gone (404). Midway the worker is
killed with SIGKILL and started again. Then every reachable person has the card, duplicates are no
more than the rows that were in flight at the kill (each flagged uncertain), the failures carry
their reasons, and nothing is left pending.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import select

from storage.db.engine import SessionFactory
from storage.delivery.status import Deliveries
from storage.tables.outbox import OutboxKind, OutboxMessage
from tests.conftest import TEST_SECRET
from tests.support import fanout
from tests.support.processes import log_tail, spawn_bot, stop_process
from tests.support.processes import until as wait_until
from tests.support.throttling_connector import ThrottlingConnector, max_in_window

PEOPLE = 2000
NEW_EVERY = 10  # every 10th person has no 1:1 chat yet: the worker creates it
RATE = 400  # dev mode only; the mock's ceiling is the same
CONCURRENCY = 8
BLOCKED = [n for n in range(7, PEOPLE, 100)]  # 20 people who removed the app
GONE = [n for n in range(13, PEOPLE, 200)]  # 10 whose chat no longer exists


def worker_process(db_path: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {
        "BOT_DATABASE_URL": f"sqlite+aiosqlite:///{db_path}",
        "BOT_DEV_MODE": "true",
        "BOT_ANONYMITY_SECRET": TEST_SECRET,
        "BOT_SEND_RATE_PER_SECOND": str(RATE),
        "BOT_SEND_CONCURRENCY": str(CONCURRENCY),
        # Well above an answer's time on a busy machine: only the mock's "slow" fault times out, so
        # every duplicate comes from the kill (an ordinary answer late past 1 s was one too).
        "BOT_SEND_TIMEOUT_SECONDS": "3",
        "BOT_SEND_RETRY_BASE_SECONDS": "0.2",
        "BOT_SEND_THROTTLE_PAUSE_SECONDS": "1",
        "BOT_OUTBOX_LEASE_SECONDS": "7",  # more than twice the timeout (settings refuse less)
        "BOT_OUTBOX_POLL_SECONDS": "0.1",
        "BOT_LOG_LEVEL": "INFO",
    }
    return spawn_bot(["worker"], env, log)


async def until(
    check: Callable[[], Awaitable[bool] | bool], timeout: float, what: str, log: Path
) -> None:
    await wait_until(check, timeout, what, lambda: f"worker log: {log_tail(log)}")


async def states(factory: SessionFactory) -> dict[str, OutboxMessage]:
    async with factory() as session:
        rows = (await session.execute(select(OutboxMessage))).scalars().all()
        return {row.user_id: row for row in rows}


async def test_a_push_to_2000_people_survives_sigkill_midway(
    session_factory: SessionFactory, db_path: Path, tmp_path: Path
) -> None:
    mock = ThrottlingConnector(
        tenant_rate=RATE,
        retry_after=0.3,
        slow_seconds=4,
        transient_rate=0.03,
        transient=("500", "502", "504", "412", "429", "slow", "drop"),
    )
    await mock.start()
    processes: list[subprocess.Popen[bytes]] = []
    log = tmp_path / "worker.log"
    try:
        for n in BLOCKED:
            mock.permanent[fanout.conversation_of(n, NEW_EVERY)] = (403, "MessageWritesBlocked")
        for n in GONE:
            mock.permanent[fanout.conversation_of(n, NEW_EVERY)] = (404, "ConversationNotFound")
        round_id = await fanout.seed_push(session_factory, mock.url, PEOPLE, NEW_EVERY)
        started = time.monotonic()

        processes.append(worker_process(db_path, log))

        def midway() -> bool:
            assert processes[0].poll() is None, log_tail(log)
            return sum(mock.delivered.values()) >= PEOPLE * 2 // 5

        await until(midway, 60, "40% delivered", log)
        stop_process(processes[0], signal.SIGKILL)
        killed_at = time.monotonic()
        delivered_at_kill = sum(mock.delivered.values())
        at_kill = await states(session_factory)
        in_doubt = sum(row.state == "sending" for row in at_kill.values())
        assert delivered_at_kill < PEOPLE - len(BLOCKED) - len(GONE), "killed too late"

        processes.append(worker_process(db_path, log))
        report = Deliveries(session_factory)

        async def finished() -> bool:
            assert processes[1].poll() is None, log_tail(log)
            return (await report.report(OutboxKind.PULSE, round_id)).pending == 0

        await until(finished, 90, "end: rows still pending", log)
        took = time.monotonic() - started
        stop_process(processes[1], signal.SIGTERM)
        assert processes[1].returncode == 0, log_tail(log)
    finally:
        for process in processes:
            stop_process(process, signal.SIGKILL)
        await mock.stop()

    unreachable = {fanout.conversation_of(n, NEW_EVERY) for n in BLOCKED + GONE}
    reachable = {fanout.conversation_of(n, NEW_EVERY) for n in range(PEOPLE)} - unreachable
    # Every reachable person has the card; the unreachable never got it.
    assert {c for c, count in mock.delivered.items() if count} == reachable
    # Duplicates only where a send was in flight at the kill: at most one per send slot.
    duplicated = {c for c, count in mock.delivered.items() if count > 1}
    assert mock.duplicates() <= in_doubt <= CONCURRENCY
    # ... and the status says so: each of those rows is flagged uncertain.
    final = await states(session_factory)
    by_conversation = {
        fanout.conversation_of(int(user.rsplit("-", 1)[1]), NEW_EVERY): row
        for user, row in final.items()
    }
    assert all(by_conversation[c].uncertain for c in duplicated)
    # Failures with their reasons; nothing pending or in flight.
    result = await report.report(OutboxKind.PULSE, round_id)
    assert result.reasons == {
        "403 MessageWritesBlocked": len(BLOCKED),
        "404 ConversationNotFound": len(GONE),
    }
    assert (result.sent, result.failed, result.pending) == (len(reachable), len(unreachable), 0)
    assert {row.state for row in final.values()} == {"sent", "failed", "blocked"}
    # The limits held, across the restart too (429s counted: Teams counts them).
    assert max_in_window(mock.times(), 1.0) <= RATE + 1
    faults = mock.statuses()
    print(
        f"\n{PEOPLE} people in {took:.1f} s (killed after {killed_at - started:.1f} s with "
        f"{delivered_at_kill} delivered, {in_doubt} in flight); duplicates {mock.duplicates()}; "
        f"requests by answer {dict(sorted(faults.items()))}; "
        f"max requests in any second {max_in_window(mock.times(), 1.0)} (ceiling {RATE})"
    )
