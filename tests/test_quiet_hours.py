"""Quiet hours: no push, reminder or closing note lands on a weekend, a Danish holiday or after hours.

Every instant here is written out (never the real clock), in Copenhagen time where the test is
about local hours: 08:00 is 07:00 UTC in winter (CET) and 06:00 UTC in summer (CEST).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.app import create_app
from bot.settings import Settings
from dialogs.flows.prompt_admin import _result_lines
from storage.calendar.holidays import danish_holidays
from storage.calendar.quiet_hours import (
    ALWAYS,
    WORKING_HOURS,
    WorkingHours,
    next_working_moment,
    planned_reminder,
)
from storage.calendar.zone import COPENHAGEN as CPH
from storage.db.engine import SessionFactory
from storage.prompts.file_format import starter_library
from storage.prompts.library import PromptLibrary
from storage.prompts.orders import PublicationIn
from storage.prompts.publisher import Publisher
from storage.question_bank import default_bank
from storage.rounds.lifecycle import Rounds
from storage.tables.outbox import OutboxKind, OutboxMessage
from tests.conftest import TEST_SECRET, make_settings
from tests.support import activities as A
from tests.support.clock import Clock
from tests.support.mock_connector import MockConnector, cards_in, personal, teams_member
from tests.support.pulse_fixtures import team_with_members

TEAM = "19:team-1@thread.tacv2"


def local(*parts: int) -> datetime:
    """A Copenhagen wall-clock time."""
    return datetime(*parts, tzinfo=CPH)


def working(at: datetime) -> bool:
    """The rule written out again, independently of storage/calendar/quiet_hours.py, for the property."""
    moment = at.astimezone(CPH)
    return (
        moment.weekday() < 5
        and moment.date() not in danish_holidays(moment.year)
        and time(8) <= moment.time() < time(16)
    )


# --- weekends ---------------------------------------------------------------------------------


def test_friday_afternoon_stays_and_after_four_it_moves_to_monday_eight() -> None:
    # Friday 4 December 2026.
    assert next_working_moment(local(2026, 12, 4, 15, 30)) == local(2026, 12, 4, 15, 30)
    assert next_working_moment(local(2026, 12, 4, 15, 59, 59)) == local(2026, 12, 4, 15, 59, 59)
    monday = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)  # 08:00 in Copenhagen
    assert next_working_moment(local(2026, 12, 4, 16, 0)) == monday
    assert next_working_moment(local(2026, 12, 5, 10, 0)) == monday  # Saturday
    assert next_working_moment(local(2026, 12, 6, 23, 59)) == monday  # Sunday
    assert next_working_moment(local(2026, 12, 7, 6, 0)) == monday  # Monday before eight
    assert next_working_moment(local(2026, 12, 7, 8, 0)) == monday


def test_the_result_is_utc_and_a_naive_time_is_refused() -> None:
    assert next_working_moment(local(2026, 12, 8, 10, 0)).tzinfo is UTC
    with pytest.raises(ValueError):
        next_working_moment(datetime(2026, 12, 8, 10, 0))


def test_a_monday_round_open_seven_days_is_not_reminded_on_sunday() -> None:
    opens = local(2026, 12, 7, 9, 0)  # Monday 09:00
    closes = opens + timedelta(days=7)
    planned = planned_reminder(closes, 24)
    assert planned is not None and planned.astimezone(CPH).weekday() == 6  # the old Sunday
    remind = WORKING_HOURS.reminder_time(opens, closes, planned)
    assert remind == local(2026, 12, 14, 8, 0)  # Monday 08:00, an hour before the close


def test_a_reminder_whose_working_moment_is_after_the_close_is_skipped() -> None:
    opens = local(2026, 12, 7, 9, 0)
    closes = local(2026, 12, 12, 9, 0)  # Saturday: the Friday-evening reminder would move past it
    assert WORKING_HOURS.reminder_time(opens, closes, local(2026, 12, 11, 21, 0)) is None
    # Moved to the very moment answers stop is no reminder either.
    monday_eight = local(2026, 12, 14, 8, 0)
    assert WORKING_HOURS.reminder_time(opens, monday_eight, local(2026, 12, 13, 9, 0)) is None
    # Planned before the round opens, or not at all: none.
    assert WORKING_HOURS.reminder_time(opens, closes, opens - timedelta(hours=1)) is None
    assert WORKING_HOURS.reminder_time(opens, closes, None) is None
    assert planned_reminder(closes, 0) is None
    # A working-hours reminder stays as planned.
    assert WORKING_HOURS.reminder_time(opens, closes, local(2026, 12, 11, 9, 0)) == local(
        2026, 12, 11, 9, 0
    )


# --- Danish holidays --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "expected", "why"),
    [
        (local(2026, 12, 23, 16, 30), local(2026, 12, 28, 8, 0), "juleaften, jul, weekend"),
        (local(2026, 12, 25, 11, 0), local(2026, 12, 28, 8, 0), "1. juledag"),
        (local(2027, 3, 24, 16, 0), local(2027, 3, 30, 8, 0), "skærtorsdag to 2. påskedag"),
        (local(2027, 3, 29, 10, 0), local(2027, 3, 30, 8, 0), "2. påskedag 2027"),
        (local(2027, 5, 5, 17, 0), local(2027, 5, 7, 8, 0), "Kristi himmelfartsdag"),
        (local(2027, 5, 14, 16, 0), local(2027, 5, 18, 8, 0), "weekend and 2. pinsedag"),
        (local(2026, 6, 4, 16, 0), local(2026, 6, 8, 8, 0), "grundlovsdag (a Friday) and weekend"),
    ],
)
def test_holidays_move_to_the_next_working_day(at: datetime, expected: datetime, why: str) -> None:
    assert next_working_moment(at) == expected, why


def test_store_bededag_is_a_working_day_from_2024_on() -> None:
    # Friday 1 May 2026 would have been store bededag; 5 May 2023 still was one.
    assert next_working_moment(local(2026, 5, 1, 10, 0)) == local(2026, 5, 1, 10, 0)
    assert next_working_moment(local(2023, 5, 5, 10, 0)) == local(2023, 5, 8, 8, 0)


# --- the DST change ---------------------------------------------------------------------------


def test_eight_oclock_follows_the_change_to_summer_time() -> None:
    # Summer time starts Sunday 29 March 2026: Friday 16:00 CET → Monday 08:00 CEST = 06:00 UTC.
    monday = datetime(2026, 3, 30, 6, 0, tzinfo=UTC)
    assert next_working_moment(datetime(2026, 3, 27, 15, 0, tzinfo=UTC)) == monday
    assert next_working_moment(datetime(2026, 3, 29, 1, 30, tzinfo=UTC)) == monday  # in the gap
    assert not WORKING_HOURS.is_working_moment(datetime(2026, 3, 30, 5, 59, tzinfo=UTC))
    assert WORKING_HOURS.is_working_moment(monday)
    # Friday's working day ended at 16:00 CET = 15:00 UTC, Monday's ends at 16:00 CEST = 14:00 UTC.
    assert not WORKING_HOURS.is_working_moment(datetime(2026, 3, 30, 14, 0, tzinfo=UTC))


def test_eight_oclock_follows_the_change_to_winter_time() -> None:
    # Winter time starts Sunday 25 October 2026: Friday 16:00 CEST → Monday 08:00 CET = 07:00 UTC.
    monday = datetime(2026, 10, 26, 7, 0, tzinfo=UTC)
    assert next_working_moment(datetime(2026, 10, 23, 14, 0, tzinfo=UTC)) == monday
    for hour_twice in (0, 1):  # 02:30 local happens twice: 00:30 and 01:30 UTC
        assert next_working_moment(datetime(2026, 10, 25, hour_twice, 30, tzinfo=UTC)) == monday
    assert not WORKING_HOURS.is_working_moment(datetime(2026, 10, 26, 6, 30, tzinfo=UTC))
    # The Friday before: 08:00 CEST was 06:00 UTC.
    assert WORKING_HOURS.is_working_moment(datetime(2026, 10, 23, 6, 0, tzinfo=UTC))


# --- the end of a month and of a year ---------------------------------------------------------


def test_the_end_of_a_month_moves_into_the_next() -> None:
    # Monday 30 November 2026 after hours → Tuesday 1 December.
    assert next_working_moment(local(2026, 11, 30, 16, 0)) == local(2026, 12, 1, 8, 0)
    # Friday 31 July 2026 → Monday 3 August (summer time: 06:00 UTC).
    assert next_working_moment(local(2026, 7, 31, 17, 0)) == datetime(2026, 8, 3, 6, tzinfo=UTC)


def test_the_end_of_a_year_skips_nytårsaften_and_nytårsdag() -> None:
    # 31 December 2025 is a Wednesday; 1 January 2026 (a holiday) a Thursday, 2 January a Friday.
    assert local(2026, 1, 2, 8, 0).weekday() == 4
    assert next_working_moment(local(2025, 12, 30, 17, 0)) == local(2026, 1, 2, 8, 0)
    assert next_working_moment(local(2025, 12, 31, 17, 0)) == local(2026, 1, 2, 8, 0)
    # In 2026 the 1st is a Friday, so the weekend follows: Monday 4 January 2027.
    assert next_working_moment(local(2026, 12, 31, 17, 0)) == local(2027, 1, 4, 8, 0)


# --- the property -----------------------------------------------------------------------------


instants = st.datetimes(
    min_value=datetime(2023, 1, 1),
    max_value=datetime(2031, 12, 31),
    timezones=st.sampled_from([UTC, CPH]),
    allow_imaginary=False,
)


@settings(max_examples=400, deadline=None)
@given(instants)
def test_the_result_is_the_first_working_moment_at_or_after_the_input(at: datetime) -> None:
    result = next_working_moment(at)
    assert result.tzinfo is UTC and result >= at
    assert working(result)
    if working(at):
        assert result == at
        return
    # A working period starts at a whole hour (08:00 local, a whole UTC hour), so a working moment
    # between the input and the result would show at one of the whole hours between them.
    assert result.astimezone(CPH).time() == time(8)
    hour = at.astimezone(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    while hour < result:
        assert not working(hour), hour
        hour += timedelta(hours=1)


@settings(max_examples=200, deadline=None)
@given(instants, st.integers(1, 14 * 24), st.integers(1, 24 * 14))
def test_a_reminder_is_a_working_moment_inside_the_round_or_none(
    opens: datetime, open_hours: int, hours_before: int
) -> None:
    closes = opens + timedelta(hours=open_hours)
    remind = WORKING_HOURS.reminder_time(opens, closes, planned_reminder(closes, hours_before))
    if remind is not None:
        assert working(remind) and opens <= remind < closes
        assert remind >= closes - timedelta(hours=hours_before)


@settings(max_examples=200, deadline=None)
@given(instants, st.integers(1, 30 * 24))
def test_a_held_round_is_open_its_whole_time_after_the_invitation(
    opens: datetime, open_hours: int
) -> None:
    """Whenever a round is started, the invitation lands at a working moment before the close,
    and the round stays open for its whole time after it (issue 14: a held invitation must not
    expire unsent)."""
    held = WORKING_HOURS.invitation_delay(opens)
    start = opens.astimezone(UTC)  # real hours: Copenhagen arithmetic is wall-clock across DST
    invited = start + held
    closes = start + timedelta(hours=open_hours) + held
    assert held >= timedelta(0) and working(invited)
    assert closes - invited == timedelta(hours=open_hours)
    assert (held == timedelta(0)) == working(opens)
    assert ALWAYS.invitation_delay(opens) == timedelta(0)


async def test_a_one_day_pulse_started_on_a_friday_evening_is_asked_monday_and_closes_tuesday(
    session_factory: SessionFactory,
) -> None:
    """The held invitation would have expired: the round closed on Saturday, before Monday's
    08:00. Now its close moves with its invitations, and everyone is asked."""
    unit = await team_with_members(session_factory, "19:quiet-4", range(1, 7), "Team 4")
    rounds = Rounds(session_factory, default_bank(), TEST_SECRET)
    friday = local(2026, 12, 11, 18, 0)
    saturday = friday + timedelta(days=1)
    short = await rounds.create(unit, friday, saturday, planned_reminder(saturday, 12), "hr")
    monday, tuesday = local(2026, 12, 14, 8, 0), local(2026, 12, 15, 8, 0)
    assert (short.opens_at, short.closes_at) == (friday, tuesday)
    # The reminder (12 hours before the close: Monday 20:00) would land at the close: none.
    assert short.remind_at is None
    await rounds.open_due(friday)
    assert await due_times(session_factory, OutboxKind.PULSE, short.id) == {monday}
    assert await rounds.close_due(saturday + timedelta(hours=1)) == []  # still open on Saturday
    async with session_factory() as session:
        states = set(
            (
                await session.execute(
                    select(OutboxMessage.state).where(OutboxMessage.subject_id == short.id)
                )
            ).scalars()
        )
    assert states == {"pending"}, "the invitations wait for Monday; none expired"
    assert [r.id for r in await rounds.close_due(tuesday)] == [short.id]


# --- configuration ----------------------------------------------------------------------------


def test_working_hours_are_configurable_and_always_turns_them_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BOT_WORKING_HOURS", raising=False)
    assert Settings(_env_file=None, BOT_DEV_MODE=True).quiet_hours == WORKING_HOURS
    later = Settings(_env_file=None, BOT_DEV_MODE=True, BOT_WORKING_HOURS="09:30 - 15:00")
    assert later.working_hours == "09:30-15:00"
    assert later.quiet_hours.next_working_moment(local(2026, 12, 8, 9, 0)) == local(
        2026, 12, 8, 9, 30
    )
    assert later.quiet_hours.next_working_moment(local(2026, 12, 8, 15, 0)) == local(
        2026, 12, 9, 9, 30
    )
    saturday_night = local(2026, 12, 5, 23, 0)
    assert WorkingHours.parse("Always").next_working_moment(saturday_night) == saturday_night
    for wrong in ("16:00-08:00", "8-16", "08:00", "02:00-10:00", "nights"):
        with pytest.raises(ValueError):
            WorkingHours.parse(wrong)
    with pytest.raises(ValueError, match="BOT_WORKING_HOURS|working hours"):
        Settings(_env_file=None, BOT_DEV_MODE=True, BOT_WORKING_HOURS="late")


# --- what the services enqueue ----------------------------------------------------------------


async def due_times(factory: SessionFactory, kind: OutboxKind, round_id: str) -> set[datetime]:
    async with factory() as session:
        rows = await session.execute(
            select(OutboxMessage.next_attempt_at).where(
                OutboxMessage.kind == kind.value, OutboxMessage.subject_id == round_id
            )
        )
        return {at.astimezone(UTC) for at in rows.scalars()}


async def test_reminders_and_closing_notes_are_enqueued_at_working_moments(
    session_factory: SessionFactory,
) -> None:
    unit = await team_with_members(session_factory, "19:quiet", range(1, 7))
    rounds = Rounds(session_factory, default_bank(), TEST_SECRET)
    # Monday 7 December 2026 09:00, open for 7 days: the reminder a day before the close is Monday
    # morning's 08:00, not Sunday's 09:00.
    opens = local(2026, 12, 7, 9, 0)
    closes = opens + timedelta(days=7)
    weekly = await rounds.create(unit, opens, closes, planned_reminder(closes, 24), "hr")
    assert weekly.remind_at == local(2026, 12, 14, 8, 0)
    await rounds.open_due(opens)
    assert await due_times(session_factory, OutboxKind.PULSE, weekly.id) == {opens}
    assert await rounds.enqueue_due_reminders(local(2026, 12, 13, 9, 0)) == 0  # Sunday: nothing
    assert await rounds.enqueue_due_reminders(local(2026, 12, 14, 8, 0)) == 6
    assert await due_times(session_factory, OutboxKind.REMINDER, weekly.id) == {
        local(2026, 12, 14, 8, 0)
    }
    await rounds.close(weekly.id, closes)  # Monday 09:00: the note goes at once
    assert await due_times(session_factory, OutboxKind.ROUND_CLOSED, weekly.id) == {closes}

    # Friday 11 December 15:00, open for one day: it closes Saturday, on time; its closing note
    # waits for Monday 08:00, and the reminder (Saturday 03:00 → Monday) is skipped.
    other = await team_with_members(session_factory, "19:quiet-2", range(1, 7), "Team 2")
    friday = local(2026, 12, 11, 15, 0)
    saturday = friday + timedelta(days=1)
    short = await rounds.create(other, friday, saturday, planned_reminder(saturday, 12), "hr")
    assert short.remind_at is None
    await rounds.open_due(friday)
    assert [r.closes_at for r in await rounds.close_due(saturday)] == [saturday]
    assert await due_times(session_factory, OutboxKind.ROUND_CLOSED, short.id) == {
        local(2026, 12, 14, 8, 0)
    }


async def test_a_push_started_in_quiet_hours_waits_and_says_when(
    session_factory: SessionFactory,
) -> None:
    await PromptLibrary(session_factory).seed(starter_library())
    unit = await team_with_members(session_factory, "19:quiet-3", range(1, 7), "Team 3")
    rounds = Rounds(session_factory, default_bank(), TEST_SECRET)
    publisher = Publisher(session_factory, rounds, TEST_SECRET, 24)
    saturday = local(2026, 12, 5, 20, 0)
    order = PublicationIn(content="theme", theme="attraktiv_arbejdsplads", units=[unit])
    result = await publisher.publish(order, saturday)
    monday = local(2026, 12, 7, 8, 0)
    assert result.sends_at == monday
    (published,) = result.rounds
    assert await due_times(session_factory, OutboxKind.PROMPT, published.round_id) == {monday}
    lines = _result_lines("da", result, "Prompten")
    assert lines[-1] == (
        "Det er uden for arbejdstid, så jeg sender først mandag d. 7. december kl. 08:00. Svar "
        "kan gives, så snart den er sendt, og runden får hele sin svartid: den lukker "
        "tilsvarende senere."
    )
    # Open for 7 days from when it is asked: Monday 08:00 to Monday 08:00.
    prompt_round = await rounds.get(published.round_id)
    assert prompt_round.closes_at == monday + timedelta(days=7)
    # A pulse "now" opens now (answers are taken at once), its invitations wait for Monday, and
    # it closes a week after them.
    pulse = await publisher.publish(PublicationIn(content="pulse", units=[unit]), saturday)
    (opened,) = pulse.rounds
    info = await rounds.get(opened.round_id)
    assert (info.opens_at, info.closes_at) == (saturday, monday + timedelta(days=7))
    assert await due_times(session_factory, OutboxKind.PULSE, opened.round_id) == {monday}
    # The same push on a weekday morning goes at once and says nothing about quiet hours.
    tuesday = local(2026, 12, 8, 10, 0)
    now = await Publisher(session_factory, rounds, TEST_SECRET, 24).publish(order, tuesday)
    assert now.sends_at is None
    assert all("arbejdstid" not in line for line in _result_lines("da", now, "Prompten"))
    # With quiet hours off, Saturday evening is as good as any time.
    always = Publisher(
        session_factory,
        Rounds(session_factory, default_bank(), TEST_SECRET, ALWAYS),
        TEST_SECRET,
        24,
    )
    assert (await always.publish(order, saturday)).sends_at is None


async def test_hr_starting_a_pulse_on_saturday_is_told_when_it_goes_out(
    db_path: Path, connector: MockConnector
) -> None:
    """The chat reply: open now, invitations on Monday at 08:00, said in Danish."""
    clock = Clock(local(2026, 12, 5, 11, 0))  # Saturday
    settings = make_settings(
        db_path,
        BOT_HR_ADMINS="aad-0099",
        BOT_SCHEDULER_INTERVAL_SECONDS=0.05,
        BOT_OUTBOX_POLL_SECONDS=0.05,
        BOT_WORKING_HOURS="08:00-16:00",
    )
    connector.members[TEAM] = [teams_member(n) for n in range(1, 7)]
    async with TestClient(TestServer(create_app(settings, now=clock), host="127.0.0.1")) as client:

        async def post(activity: dict[str, Any]) -> None:
            assert (await client.post("/api/messages", json=activity)).status == 201

        await post(A.team_install(connector.url))
        await post(A.message(connector.url, 99, "start puls"))
        menu = await connector.wait_for(lambda s: s.conversation_id == "a:personal-99")
        choice = menu.activity["attachments"][0]["content"]["actions"][0]["data"]
        await post(A.message(connector.url, 99, value=choice))
        reply = await connector.wait_for(lambda s: "arbejdstid" in (s.activity.get("text") or ""))
        # Five days from the invitation: it closes Saturday 12 December at 08:00, not Thursday.
        assert (
            "sendes mandag d. 7. december kl. 08:00 — og for at alle får hele svartiden, lukker "
            "runden først lørdag d. 12. december kl. 08:00" in reply.activity["text"]
        )
        await asyncio.sleep(0.3)  # several outbox polls: no invitation on a Saturday
        assert all(not cards_in(connector, personal(n)) for n in range(1, 7))
        clock.current = local(2026, 12, 7, 8, 0)  # Monday: now they go
        await connector.wait_for(lambda s: bool(cards_in(connector, personal(6))))
