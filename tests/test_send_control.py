"""The pieces under the outbox worker, on their own: the send lease, the stored pause, the pacer,
and the outbox's state machine (nothing is started twice, settles only from the right state)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.delivery.rate_limit import CONVERSATION_LIMITS, Pacer, SlidingWindows, TenantPacer
from storage.db.engine import SessionFactory
from storage.delivery.outbox import Outbox
from storage.delivery.send_control import SendControl
from storage.tables.outbox import OutboxKind
from tests.support import fanout
from tests.support.clock import Clock

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def test_one_holder_at_a_time_and_a_dead_holders_lease_runs_out(
    session_factory: SessionFactory,
) -> None:
    clock = Clock(T0)
    control = SendControl(session_factory, clock)
    first = await control.hold("a", 30)
    assert first is not None and first.took_over
    renewed = await control.hold("a", 30)
    assert renewed is not None and not renewed.took_over
    assert await control.hold("b", 30) is None  # a standby waits
    clock.advance(seconds=31)  # "a" died without a word
    taken = await control.hold("b", 30)
    assert taken is not None and taken.took_over  # b must recover a's rows in flight
    assert await control.hold("a", 30) is None
    await control.release("b")  # a clean stop hands over at once
    again = await control.hold("a", 30)
    assert again is not None and again.took_over


async def test_pauses_escalate_while_teams_keeps_throttling_and_reset_after_a_quiet_spell(
    session_factory: SessionFactory,
) -> None:
    clock = Clock(T0)
    control = SendControl(session_factory, clock)
    first = await control.pause(60, 0, 660)
    assert first == T0 + timedelta(seconds=60)
    assert await control.pause(60, 0, 660) == first  # already paused: the same pause
    clock.advance(seconds=61)
    assert await control.pause(60, 0, 660) == clock() + timedelta(seconds=120)
    clock.advance(seconds=121)
    assert await control.pause(60, 0, 660) == clock() + timedelta(seconds=240)
    clock.advance(minutes=30)  # quiet for long enough: back to the first step
    assert await control.pause(60, 90, 660) == clock() + timedelta(seconds=90)  # Retry-After wins
    lease = await control.hold("a", 30)
    assert lease is not None and lease.throttled_until == clock() + timedelta(seconds=90)


async def test_a_row_is_started_once_and_settled_only_from_the_state_it_is_in(
    session_factory: SessionFactory,
) -> None:
    round_id = await fanout.seed_push(session_factory, "http://127.0.0.1:9/", 3, new_every=0)
    outbox = Outbox(session_factory)
    jobs = await outbox.due(10)
    assert len(jobs) == 3 and {j.subject_id for j in jobs} == {round_id}
    # Many slots racing for the same row: exactly one wins (group-committed in one transaction).
    results = await asyncio.gather(*(outbox.start(jobs[0].id) for _ in range(5)))
    assert sorted(results, key=str) == [1, None, None, None, None]
    assert [j.id for j in await outbox.due(10)] == [j.id for j in jobs[1:]]
    await outbox.mark_expired(jobs[0].id)  # only from pending: a row in flight is not expired
    await outbox.mark_sent(jobs[1].id)  # only from sending: nothing happens
    assert await outbox.counts(OutboxKind.PULSE, round_id) == {"sending": 1, "pending": 2}
    assert await outbox.recover_in_flight() == 1
    (recovered,) = [j for j in await outbox.due(10) if j.id == jobs[0].id]
    assert recovered.uncertain and recovered.attempts == 1


async def test_the_next_batch_can_be_claimed_without_the_rows_still_held(
    session_factory: SessionFactory,
) -> None:
    """The worker claims its next batch while the last one is still being sent; the rows it
    still holds (pending, not started yet) must not come back a second time."""
    await fanout.seed_push(session_factory, "http://127.0.0.1:9/", 6, new_every=0)
    outbox = Outbox(session_factory)
    first = await outbox.due(3)
    held = {job.id for job in first}
    second = await outbox.due(10, exclude=held)
    assert len(second) == 3 and not held & {job.id for job in second}
    assert await outbox.due(10, exclude=held | {job.id for job in second}) == []


def test_sliding_windows_allow_7_per_second_8_per_2_seconds_60_per_30_seconds() -> None:
    now = [0.0]
    windows = SlidingWindows(CONVERSATION_LIMITS, lambda: now[0], margin=1.0)
    sent = []
    while now[0] < 60:
        wait = windows.delay()
        if wait > 0:
            now[0] += wait
            continue
        windows.record()
        sent.append(now[0])
        now[0] += 0.01
    for limit, seconds in CONVERSATION_LIMITS:
        assert max(sum(1 for t in sent if s <= t < s + seconds) for s in sent) <= limit
    assert len(sent) == 120  # 60 per 30 s is what binds over a minute


async def test_tenant_pacer_spaces_requests_and_backs_off_after_429() -> None:
    pacer = TenantPacer(20)
    loop = asyncio.get_running_loop()
    started = loop.time()
    for _ in range(11):
        await pacer.acquire()
    assert loop.time() - started >= 0.5 - 0.01  # 10 intervals of 1/20 s
    pacer.throttled()
    assert pacer.rate == 15
    for _ in range(100):
        pacer.accepted()
    assert pacer.rate == 20  # additive increase, capped at the configured rate
    pacer.hold(0.3)
    before = loop.time()
    await pacer.acquire()
    assert loop.time() - before >= 0.29


def test_a_push_to_more_than_ten_thousand_people_sweeps_the_conversation_limits_rarely() -> None:
    """Above 10,000 conversations the idle ones are swept out, but not on every new one: at
    2,000/s none is idle yet, and a sweep per conversation made a large push quadratic."""
    now = [0.0]
    pacer = Pacer(2000, lambda: now[0])
    sweeps = 0
    sweep = pacer._forget_idle

    def counted() -> None:
        nonlocal sweeps
        sweeps += 1
        sweep()

    pacer._forget_idle = counted  # type: ignore[method-assign]
    for n in range(30_000):
        pacer.conversation_delay(f"c{n}")
        now[0] += 0.0005
    assert sweeps <= 2  # at 10,001 and 20,003 conversations; none was idle yet
    now[0] += 60.0  # everyone quiet for longer than the longest window
    for n in range(30_000, 30_000 + 20_000):
        pacer.conversation_delay(f"c{n}")
    assert len(pacer._conversations) <= 20_000  # the idle ones went at the next sweep
