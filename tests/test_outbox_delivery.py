"""The outbox worker against the throttling mock connector: limits, retries, pauses, blocks, reports.

Each test runs the real worker (lease, pacing, classification, group-committed settles) in this
process against tests/support/throttling_connector.py, and reads what arrived at the mock.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botbuilder.core import MessageFactory
from botbuilder.schema import Activity
from sqlalchemy import select

from bot.connector.proactive import ProactiveSender
from bot.delivery.outbox_worker import OutboxWorker
from bot.delivery.rate_limit import Pacer
from bot.delivery.status_cards import DeliveryStatusReporter
from bot.delivery.worker_config import WorkerConfig
from bot.teams.adapter import create_adapter
from storage.db.engine import SessionFactory
from storage.delivery.outbox import Outbox, OutboxJob, enqueue
from storage.delivery.send_control import SendControl
from storage.delivery.status import Deliveries
from storage.directory.recipients import Directory
from storage.tables.directory import Recipient
from storage.tables.outbox import DeliveryState, OutboxKind, OutboxMessage
from tests.conftest import make_settings
from tests.support import fanout
from tests.support.throttling_connector import ThrottlingConnector, max_in_window

FAST = WorkerConfig(
    rate_per_second=50,
    concurrency=4,
    poll_seconds=0.05,
    # Long enough that a loaded machine cannot miss it: a request that times out after it arrived
    # is sent again (marked uncertain), which would read as a duplicate in tests about claiming.
    # The timeout test sets its own.
    timeout_seconds=5.0,
    retry_base_seconds=0.1,
    lease_seconds=10,
    throttle_pause_seconds=1.5,
    status_seconds=0.1,
)


async def hej(job: OutboxJob) -> Activity | None:
    return MessageFactory.text("hej")


class Run:
    """A worker on the test database, started and stopped around a block of the test.

    The adapter only needs settings; its database URL (in `folder`) is never opened."""

    def __init__(
        self,
        factory: SessionFactory,
        folder: Path,
        config: WorkerConfig = FAST,
        max_attempts: int = 10,
        with_status: bool = False,
    ) -> None:
        self.factory = factory
        self.outbox = Outbox(factory, max_attempts=max_attempts)
        self.connectors = create_adapter(make_settings(folder / "adapter-only.db")).connectors
        self.sender = ProactiveSender(self.connectors, "", config.timeout_seconds)
        pacer = Pacer(config.rate_per_second)
        report: Callable[[], Awaitable[None]] | None = None
        if with_status:
            report = DeliveryStatusReporter(Deliveries(factory), self.sender, pacer).tick
        self.worker = OutboxWorker(
            self.outbox,
            SendControl(factory),
            Directory(factory),
            self.sender,
            hej,
            config,
            pacer=pacer,
            report=report,
        )

    async def until(self, done: Callable[[], Awaitable[bool]], timeout: float = 20.0) -> float:
        """Run the worker until `done()`; the seconds it took."""
        started = time.monotonic()
        task = asyncio.create_task(self.worker.run())
        try:
            async with asyncio.timeout(timeout):
                while not await done():
                    assert not task.done(), task.exception()
                    await asyncio.sleep(0.05)
        finally:
            self.worker.stop()
            await asyncio.wait_for(task, 5)
            await self.sender.close()
            await self.connectors.close()
        return time.monotonic() - started


async def rows(factory: SessionFactory) -> dict[str, OutboxMessage]:
    """Outbox rows by recipient (for tests with one item per person)."""
    async with factory() as session:
        found = (await session.execute(select(OutboxMessage))).scalars().all()
        return {row.user_id: row for row in found}


def settled(factory: SessionFactory) -> Callable[[], Awaitable[bool]]:
    """Nothing pending or in flight, in any row."""

    async def check() -> bool:
        async with factory() as session:
            states = set((await session.execute(select(OutboxMessage.state))).scalars())
        return not states & {DeliveryState.PENDING.value, DeliveryState.SENDING.value}

    return check


@pytest.fixture
async def mock() -> AsyncIterator[ThrottlingConnector]:
    connector = await ThrottlingConnector(tenant_rate=None, retry_after=1.0).start()
    yield connector
    await connector.stop()


# Pacing is in-process and the same on both databases; this wall-clock measurement runs once, on
# SQLite, so a loaded CI machine gets one chance at arrival jitter rather than two.
@pytest.mark.sqlite_only
async def test_the_sender_never_exceeds_the_tenant_rate_or_a_conversations_limits(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    """Measured at the mock: no 1-second window holds more than the configured rate, no
    conversation gets more than 7 per second or 8 per 2 seconds, and Teams never had to say 429."""
    rate = 40
    mock = await ThrottlingConnector(tenant_rate=rate).start()
    try:
        await fanout.seed_push(session_factory, mock.url, 100, new_every=10)
        busy = fanout.user_id(1)  # also gets 12 more items: the conversation limits bind
        async with session_factory.begin() as session:
            for n in range(12):
                await enqueue(session, OutboxKind.PULSE, f"extra-{n}", [busy], datetime.now(UTC))
        run = Run(session_factory, tmp_path, replace(FAST, rate_per_second=rate, concurrency=8))
        took = await run.until(settled(session_factory))
    finally:
        await mock.stop()

    assert sum(mock.delivered.values()) == 100 + 12
    assert mock.delivered[fanout.conversation_of(1, 10)] == 13
    assert mock.statuses() == {201: 100 + 12 + 10}  # 10 chats created first, nothing refused
    everything = mock.times()
    # The pacer spaces requests 1/rate apart and caps every 1-second window, counted from each
    # request's answer, at `rate`; the one request of allowance is for requests still in flight.
    assert max_in_window(everything, 1.0) <= rate + 1
    one = mock.times(conversation=fanout.conversation_of(1, 10))
    assert max_in_window(one, 1.0) <= 7
    assert max_in_window(one, 2.0) <= 8
    print(f"\n{len(everything)} requests in {took:.1f} s at a configured {rate}/s")


async def test_a_push_larger_than_a_batch_claims_ahead_and_sends_each_row_once(
    session_factory: SessionFactory, mock: ThrottlingConnector, tmp_path: Path
) -> None:
    """The next batch is claimed while the slots still send the last one (no idle gap per
    batch), and nothing is sent twice for it."""
    people = 260  # more than a batch: at 100/s the worker claims 200 rows at a time
    await fanout.seed_push(session_factory, mock.url, people, new_every=10)
    run = Run(session_factory, tmp_path, replace(FAST, rate_per_second=100, concurrency=8))
    claims: list[tuple[int, int]] = []  # (rows held when claiming, rows claimed)
    due = run.outbox.due

    async def watched(limit: int, exclude: Any = ()) -> list[OutboxJob]:
        jobs = await due(limit, exclude)
        claims.append((len(exclude), len(jobs)))
        return jobs

    run.outbox.due = watched  # type: ignore[method-assign]
    await run.until(settled(session_factory))
    assert sum(mock.delivered.values()) == people and mock.duplicates() == 0
    assert all(
        row.state == DeliveryState.SENT.value for row in (await rows(session_factory)).values()
    )
    assert any(held > 0 and claimed > 0 for held, claimed in claims), claims


async def test_a_round_that_closes_during_a_long_push_stops_going_out(
    session_factory: SessionFactory, mock: ThrottlingConnector, tmp_path: Path
) -> None:
    """Claiming ahead must not keep a card rendered for the whole push: once its round is
    closed (the renderer answers None), the rows still waiting expire instead of being sent."""
    people = 260
    await fanout.seed_push(session_factory, mock.url, people, new_every=0)
    run = Run(session_factory, tmp_path, replace(FAST, rate_per_second=100, concurrency=8))

    async def closes_after_fifty(job: OutboxJob) -> Activity | None:
        return None if sum(mock.delivered.values()) >= 50 else MessageFactory.text("hej")

    run.worker._render = closes_after_fifty
    await run.until(settled(session_factory))
    states = [row.state for row in (await rows(session_factory)).values()]
    assert states.count(DeliveryState.EXPIRED.value) >= people - 200  # at least the next batch
    assert sum(mock.delivered.values()) == states.count(DeliveryState.SENT.value) < people


async def test_429_waits_for_retry_after_for_the_row_and_for_its_tenant(
    session_factory: SessionFactory, tmp_path: Path, mock: ThrottlingConnector
) -> None:
    await fanout.seed_push(session_factory, mock.url, 4, new_every=0)
    throttled = fanout.conversation_of(0, 0)
    mock.script[throttled] = ["429"]  # with Retry-After: 1
    await Run(session_factory, tmp_path, replace(FAST, concurrency=1)).until(
        settled(session_factory)
    )

    (refused,) = [a for a in mock.arrivals if a.status == 429]
    later = [a.at for a in mock.arrivals if a.at > refused.at]
    assert len(later) == 4 and min(later) - refused.at >= 1.0  # nobody in the tenant before
    row = (await rows(session_factory))[fanout.user_id(0)]
    assert (row.state, row.attempts, row.throttles) == ("sent", 2, 1)


async def test_repeated_429s_pause_every_send_and_the_pause_is_kept_in_the_database(
    session_factory: SessionFactory, tmp_path: Path, mock: ThrottlingConnector
) -> None:
    await fanout.seed_push(session_factory, mock.url, 6, new_every=0)
    mock.retry_after = 0  # Retry-After: 0 for each; only the global pause stops the sender
    for n in range(3):
        mock.script[fanout.conversation_of(n, 0)] = ["429"]
    await Run(session_factory, tmp_path, replace(FAST, concurrency=1)).until(
        settled(session_factory)
    )

    refusals = [a.at for a in mock.arrivals if a.status == 429]
    assert len(refusals) == 3
    after = [a.at for a in mock.arrivals if a.at > refusals[-1]]
    assert after and min(after) - refusals[-1] >= 1.5  # BOT_SEND_THROTTLE_PAUSE_SECONDS
    assert await SendControl(session_factory).throttled_until() is not None
    assert all(row.state == "sent" for row in (await rows(session_factory)).values())


async def test_a_stored_pause_holds_a_freshly_started_worker(
    session_factory: SessionFactory, tmp_path: Path, mock: ThrottlingConnector
) -> None:
    """A restart, or another replica taking over, does not resume sending into a throttled tenant."""
    await fanout.seed_push(session_factory, mock.url, 2, new_every=0)
    until = await SendControl(session_factory).pause(1.5, 0, 660)
    started = time.monotonic()
    remaining = (until - datetime.now(UTC)).total_seconds()
    await Run(session_factory, tmp_path).until(settled(session_factory))
    assert min(mock.times()) - started >= remaining - 0.05


async def test_5xx_and_412_back_off_and_are_given_up_after_max_attempts_with_the_reason(
    session_factory: SessionFactory, tmp_path: Path, mock: ThrottlingConnector
) -> None:
    await fanout.seed_push(session_factory, mock.url, 3, new_every=0)
    failing, flaky = fanout.conversation_of(0, 0), fanout.conversation_of(1, 0)
    mock.script[failing] = ["502"] * 10
    mock.script[flaky] = ["500", "412", "504"]
    await Run(session_factory, tmp_path, max_attempts=4).until(settled(session_factory))

    tries = mock.times(conversation=failing)
    assert len(tries) == 4
    gaps = [b - a for a, b in zip(tries, tries[1:], strict=False)]
    # Equal jitter: the n-th retry waits between half and all of base · 2^(n-1).
    for n, gap in enumerate(gaps, start=1):
        assert gap >= 0.1 * 2 ** (n - 1) / 2, gaps
    by_user = await rows(session_factory)
    gave_up = by_user[fanout.user_id(0)]
    assert gave_up.state == "failed"
    assert gave_up.last_error == "gave up after 4 tries: 502 ServiceError"
    assert (by_user[fanout.user_id(1)].state, by_user[fanout.user_id(1)].attempts) == ("sent", 4)
    report = await Deliveries(session_factory).report(OutboxKind.PULSE, gave_up.subject_id)
    assert report.reasons == {"gave up after 4 tries: 502 ServiceError": 1}
    assert (report.sent, report.failed, report.pending) == (2, 1, 0)


async def test_messagewritesblocked_stops_this_and_every_later_item_and_404_fails_at_once(
    session_factory: SessionFactory, tmp_path: Path, mock: ThrottlingConnector
) -> None:
    round_id = await fanout.seed_push(session_factory, mock.url, 3, new_every=0)
    blocked, gone = fanout.conversation_of(0, 0), fanout.conversation_of(1, 0)
    mock.permanent[blocked] = (403, "MessageWritesBlocked")
    mock.permanent[gone] = (404, "ConversationNotFound")
    await Run(session_factory, tmp_path).until(settled(session_factory))
    async with session_factory.begin() as session:  # a later item to the same three people
        users = [fanout.user_id(n) for n in range(3)]
        await enqueue(session, OutboxKind.REMINDER, round_id, users, datetime.now(UTC))
    await Run(session_factory, tmp_path).until(settled(session_factory))

    assert len(mock.times(conversation=blocked)) == 1  # the reminder was never attempted
    assert len(mock.times(conversation=gone)) == 2  # one try per item: 404 is final
    report = await Deliveries(session_factory).report(OutboxKind.REMINDER, round_id)
    assert report.reasons == {"403 MessageWritesBlocked": 1, "404 ConversationNotFound": 1}
    assert (report.blocked, report.sent) == (1, 1)
    async with session_factory() as session:
        assert (await session.get(Recipient, fanout.user_id(0))).blocked  # type: ignore[union-attr]


async def test_timeouts_and_dropped_connections_are_retried_and_marked_uncertain(
    session_factory: SessionFactory, tmp_path: Path, mock: ThrottlingConnector
) -> None:
    await fanout.seed_push(session_factory, mock.url, 3, new_every=0)
    mock.slow_seconds = 3.0  # the client gives up after 1 s; the others answer well within it
    mock.script[fanout.conversation_of(0, 0)] = ["slow"]
    mock.script[fanout.conversation_of(1, 0)] = ["drop"]
    await Run(session_factory, tmp_path, replace(FAST, timeout_seconds=1.0)).until(
        settled(session_factory)
    )

    by_user = await rows(session_factory)
    for n in (0, 1):
        row = by_user[fanout.user_id(n)]
        assert (row.state, row.attempts, row.uncertain) == ("sent", 2, True)
    assert not by_user[fanout.user_id(2)].uncertain
    assert sum(mock.delivered.values()) == 3


async def test_hr_status_card_is_updated_in_place_and_ends_with_a_report_of_counts_and_reasons(
    session_factory: SessionFactory, tmp_path: Path, mock: ThrottlingConnector
) -> None:
    people = 30
    round_id = await fanout.seed_push(session_factory, mock.url, people, new_every=0)
    for n in (3, 4):
        mock.permanent[fanout.conversation_of(n, 0)] = (403, "MessageWritesBlocked")
    mock.permanent[fanout.conversation_of(5, 0)] = (404, "ConversationNotFound")
    hr = json.loads(fanout.reference_json(99, mock.url))
    hr["conversation"]["id"] = "a:hr"
    deliveries = Deliveries(session_factory)
    await deliveries.watch(
        OutboxKind.PULSE, round_id, "Hjemmeplejen Nord", "da", json.dumps(hr), "card-1"
    )
    run = Run(session_factory, tmp_path, replace(FAST, rate_per_second=20), with_status=True)

    async def reported() -> bool:
        return not await deliveries.watches()

    await run.until(reported)

    to_hr = [s for s in mock.sent if s.conversation_id == "a:hr"]
    updates = [s for s in to_hr if s.kind == "update"]
    assert len(updates) >= 2 and {u.activity_id for u in updates} == {"card-1"}
    first = json.dumps(updates[0].activity, ensure_ascii=False)
    last = json.dumps(updates[-1].activity, ensure_ascii=False)
    assert "Udsendelse til Hjemmeplejen Nord" in first
    assert "Leveringsrapport: Hjemmeplejen Nord" in last
    facts = {
        f["title"]: f["value"]
        for f in updates[-1].activity["attachments"][0]["content"]["body"][1]["facts"]
    }
    assert facts == {"Leveret": "27", "Venter": "0", "Ikke leveret": "3", "I alt": "30"}
    assert "har fjernet eller blokeret appen: 2" in last
    assert "chatten findes ikke længere: 1" in last
    (done,) = [s for s in to_hr if s.kind == "send"]
    assert "er færdig: 27 af 30 har fået beskeden, 3 ikke leveret" in done.activity["text"]
    for sent in to_hr:  # counts and reasons only: nobody is named
        dump = json.dumps(sent.activity, ensure_ascii=False)
        assert "29:fan-" not in dump.replace('"29:fan-99"', "") and "a:fan-" not in dump


def _log_dump(records: list[Any]) -> str:
    return "\n".join(json.dumps(r.__dict__, default=str, ensure_ascii=False) for r in records)


async def test_worker_logs_hold_no_ids(
    session_factory: SessionFactory,
    tmp_path: Path,
    mock: ThrottlingConnector,
    production_logging: pytest.LogCaptureFixture,
) -> None:
    await fanout.seed_push(session_factory, mock.url, 12, new_every=4)
    mock.permanent[fanout.conversation_of(1, 4)] = (403, "MessageWritesBlocked")
    mock.script[fanout.conversation_of(2, 4)] = ["500", "drop", "429"]
    await Run(session_factory, tmp_path).until(settled(session_factory))
    dump = _log_dump(production_logging.records)
    assert "outbox.progress" in dump
    assert "fan-" not in dump and "a:personal" not in dump and "hej" not in dump
