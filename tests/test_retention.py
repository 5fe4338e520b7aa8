"""Retention deletes exactly what is over age, by whole months, and nothing else (both backends).

One database holds rounds on both sides of the cut-off (and on both sides of its month boundary
in Copenhagen time), a month kept whole because a round in it is still open, leftover
participation hashes and reminders, delivery records and people of every age. The purge is
compared row by row with a snapshot taken before it; the released figures of the months that
stay are the same before and after.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli.main import main as cli_main
from storage.calendar.zone import COPENHAGEN as CPH
from storage.db.engine import SessionFactory
from storage.privacy.retention import RetentionPolicy, purge, round_cutoff
from storage.question_bank import default_bank
from storage.results.summaries import Summaries
from storage.tables.answers import AnonymousComment, AnswerCount, Participation, RoundResponses
from storage.tables.directory import Conversation, Membership, Recipient, Unit, new_id
from storage.tables.outbox import DeliveryWatch, OutboxMessage
from storage.tables.pulses import PulseRound
from storage.tables.results import AgreedAction
from tests.conftest import TEST_SECRET
from tests.support.db_inspection import snapshot

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
POLICY = RetentionPolicy(years=5, participation_grace=timedelta(hours=24), delivery_days=90)
ITEMS = [item.id for item in default_bank().items[:3]]


class World:
    """Rows inserted directly, each remembered by a name so the test can say which must go."""

    def __init__(self) -> None:
        self.rounds: dict[str, str] = {}

    async def build(self, factory: SessionFactory) -> None:
        async with factory.begin() as session:
            parent = Unit(id="parent", name="Område")
            session.add(parent)
            await session.flush()
            for unit in ("team-a", "team-b"):
                session.add(Unit(id=unit, name=unit.upper(), parent_id="parent"))
            await session.flush()

            numbers: dict[str, int] = {}

            async def add(
                name: str,
                unit: str,
                closes: datetime,
                state: str = "closed",
                reflection: bool = False,
                responses: int = 6,
            ) -> str:
                numbers[unit] = numbers.get(unit, 0) + 1
                sequence = -numbers[unit] if reflection else numbers[unit]
                pulse = PulseRound(
                    id=new_id(),
                    unit_id=unit,
                    sequence=sequence,
                    items=json.dumps(ITEMS),
                    opens_at=closes - timedelta(days=5),
                    closes_at=closes,
                    remind_at=None,
                    eligible_count=8,
                    state=state,
                    reminder_enqueued=False,
                    origin="hr",
                    ancestry=json.dumps([unit, "parent"]),
                )
                session.add(pulse)
                await session.flush()
                for item in ITEMS:
                    session.add(
                        AnswerCount(round_id=pulse.id, item_id=item, value=4, count=responses)
                    )
                session.add(RoundResponses(round_id=pulse.id, responses=responses))
                session.add(
                    AnonymousComment(
                        round_id=pulse.id, key=secrets.token_hex(16), text=f"kommentar {name}"
                    )
                )
                self.rounds[name] = pulse.id
                return pulse.id

            local = lambda *args: datetime(*args, tzinfo=CPH).astimezone(UTC)  # noqa: E731
            # October 2021 is wholly before the cut-off (2021-11-01 Copenhagen): all of it goes.
            await add("old-a", "team-a", local(2021, 10, 12, 12))
            await add("old-b", "team-b", local(2021, 10, 20, 12), responses=3)
            await add("old-edge", "team-a", local(2021, 10, 31, 23, 30))
            await add("old-reflection", "team-a", local(2021, 10, 14, 12), reflection=True)
            # September 2021 holds a round that never closed: the month waits, whole.
            await add("waiting-closed", "team-a", local(2021, 9, 10, 12))
            await add("waiting-open", "team-b", local(2021, 9, 12, 12), state="open")
            # November 2021 starts at the cut-off: kept, though its first round is 5 years old.
            await add("new-edge", "team-b", local(2021, 11, 1, 0, 30))
            await add("recent-a", "team-a", local(2026, 10, 10, 12))
            await add("recent-b", "team-b", local(2026, 10, 12, 12))
            await add("open-late", "team-a", NOW - timedelta(hours=30), state="open")
            await add("open-grace", "team-b", NOW - timedelta(hours=2), state="open")
            await add("open-now", "team-b", NOW + timedelta(days=2), state="open")

            for name in ("recent-a", "open-late", "open-grace", "open-now"):
                session.add(Participation(round_id=self.rounds[name], key=f"hash-{name}"))

            session.add(
                AgreedAction(
                    id="action-old",
                    unit_id="team-a",
                    text="gammel aftale",
                    agreed_on=date(2021, 10, 31),
                    follow_up_pending=False,
                )
            )
            session.add(
                AgreedAction(
                    id="action-new",
                    unit_id="team-a",
                    text="ny aftale",
                    agreed_on=date(2021, 11, 1),
                    follow_up_pending=False,
                )
            )

            def person(user: str, seen_days_ago: int, chat: str | None = None) -> Recipient:
                return Recipient(
                    user_id=user,
                    name=user,
                    personal_conversation_id=chat,
                    app_installed=True,
                    blocked=False,
                    updated_at=NOW - timedelta(days=seen_days_ago),
                )

            session.add(person("member", 400))  # in a team: kept however old
            session.add(person("left-long-ago", 100, chat="a:left"))
            session.add(person("left-lately", 10))
            session.add(Conversation(id="a:left", kind="personal", reference="{}", installed=True))
            await session.flush()
            session.add(Membership(unit_id="team-a", user_id="member"))

            def outbox(
                row: str, kind: str, subject: str, user: str, state: str, days_ago: int
            ) -> OutboxMessage:
                return OutboxMessage(
                    id=row,
                    kind=kind,
                    subject_id=self.rounds.get(subject, subject),
                    user_id=user,
                    state=state,
                    updated_at=NOW - timedelta(days=days_ago),
                    next_attempt_at=NOW - timedelta(days=days_ago),
                )

            session.add_all(
                [
                    outbox("o-old-round", "pulse", "old-a", "member", "sent", 1800),
                    outbox("o-settled-old", "pulse", "recent-a", "member", "sent", 100),
                    outbox("o-settled-new", "round_closed", "recent-a", "member", "sent", 10),
                    outbox("o-open-round", "pulse", "open-now", "member", "sent", 100),
                    outbox("o-pending", "pulse", "open-grace", "member", "pending", 100),
                    outbox("o-remind-late", "reminder", "open-late", "member", "pending", 1),
                    outbox("o-remind-now", "reminder", "open-now", "member", "pending", 1),
                    outbox("o-left", "pulse", "open-now", "left-long-ago", "pending", 1),
                ]
            )
            for watch, days in (("w-old", 100), ("w-new", 1)):
                session.add(
                    DeliveryWatch(
                        id=watch,
                        kind="pulse",
                        subject_id=self.rounds["open-now"],
                        label="Team",
                        language="da",
                        reference="{}",
                        created_at=NOW - timedelta(days=days),
                    )
                )


def removed(
    before: dict[str, list[tuple[object, ...]]], after: dict[str, list[tuple[object, ...]]]
) -> dict[str, set[tuple[object, ...]]]:
    for name in after:
        assert set(after[name]) <= set(before[name]), f"{name} gained rows"
    return {name: set(before[name]) - set(after[name]) for name in before if before[name]}


def first_column(rows: set[tuple[object, ...]]) -> set[object]:
    return {row[0] for row in rows}


def test_the_cut_off_is_a_month_boundary_in_copenhagen() -> None:
    assert round_cutoff(NOW, 5) == datetime(2021, 11, 1, tzinfo=CPH)
    # 29 February has no twin five years later; the month start does.
    assert round_cutoff(datetime(2028, 2, 29, 12, tzinfo=UTC), 5) == datetime(
        2023, 2, 1, tzinfo=CPH
    )
    # Just after midnight on the 1st in Copenhagen is still the last day of the month in UTC.
    assert round_cutoff(datetime(2026, 11, 30, 23, 30, tzinfo=UTC), 1) == datetime(
        2025, 12, 1, tzinfo=CPH
    )
    with pytest.raises(ValueError):
        RetentionPolicy(delivery_days=7)


async def test_retention_deletes_exactly_what_is_over_age_and_keeps_the_summaries(
    session_factory: SessionFactory,
) -> None:
    world = World()
    await world.build(session_factory)
    summaries = Summaries(session_factory, default_bank(), 5, lambda: NOW)
    units = ["parent", "team-a", "team-b"]
    figures_before = await summaries.export_rows(units)
    before = await snapshot(session_factory)

    dry = await purge(session_factory, POLICY, NOW, dry_run=True)
    assert await snapshot(session_factory) == before  # a dry run changes nothing ...
    report = await purge(session_factory, POLICY, NOW)
    assert dry.model_dump(exclude={"dry_run"}) == report.model_dump(exclude={"dry_run"})  # ... and
    # counts exactly what the real run deletes.
    after = await snapshot(session_factory)
    # The one row a purge writes: the deleted month's version is bumped, so a release decided
    # from its rounds can never be served again (storage/rounds/period_versions.py).
    assert set(after["period_versions"]) - set(before["period_versions"]) == {("2021-10", 1)}
    gone = removed(before, {**after, "period_versions": before["period_versions"]})

    old = {world.rounds[n] for n in ("old-a", "old-b", "old-edge", "old-reflection")}
    assert first_column(gone.pop("pulse_rounds")) == old
    for table in ("answer_counts", "round_responses", "anonymous_comments"):
        assert first_column(gone.pop(table)) == old, table
    assert {row[1] for row in gone.pop("participation")} == {"hash-recent-a", "hash-open-late"}
    assert first_column(gone.pop("agreed_actions")) == {"action-old"}
    assert first_column(gone.pop("outbox")) == {
        "o-old-round",
        "o-settled-old",
        "o-remind-late",
        "o-left",
    }
    assert first_column(gone.pop("delivery_watches")) == {"w-old"}
    assert first_column(gone.pop("recipients")) == {"left-long-ago"}
    assert first_column(gone.pop("conversations")) == {"a:left"}
    # What was decided from October 2021's rounds (kept when the export read it) goes with them.
    for table in ("period_decisions", "period_figures"):
        assert first_column(gone.pop(table)) == {"2021-10"}, table
        assert all(row[0] != "2021-10" for row in after[table]), table
    assert {name: rows for name, rows in gone.items() if rows} == {}, "nothing else"

    assert report.periods == ["2021-10"] and report.skipped_periods == ["2021-09"]
    assert (report.pulse_rounds, report.reflection_rounds, report.comments) == (3, 1, 4)
    assert (report.participation, report.reminders, report.people) == (2, 1, 1)

    # Whole months went: every figure of October 2021 is gone, every other figure is unchanged.
    figures_after = await summaries.export_rows(units)
    assert [r for r in figures_before if r["period"] != "2021-10"] == figures_after
    assert any(r["period"] == "2021-10" and r["figure"] == "month" for r in figures_before)

    again = await purge(session_factory, POLICY, NOW)
    assert again.total == 0 and await snapshot(session_factory) == after


def test_the_purge_command_reports_counts_and_a_dry_run_deletes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.setenv("BOT_DEV_MODE", "true")
    monkeypatch.setenv("BOT_ANONYMITY_SECRET", TEST_SECRET)
    monkeypatch.setenv("BOT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    for args in (["privacy", "purge", "--dry-run"], ["privacy", "purge"]):
        with pytest.raises(SystemExit) as exited:
            cli_main(args)
        assert exited.value.code == 0
    dry, real = capsys.readouterr().out.split("Deleted")
    assert dry.startswith("Would delete (rounds closing before ")
    assert "pulse rounds: 0, reflection rounds: 0" in real
    monkeypatch.setenv("BOT_RETENTION_YEARS", "0")
    with pytest.raises(SystemExit) as refused:
        cli_main(["privacy", "purge"])
    assert refused.value.code == 2
    assert "BOT_RETENTION_YEARS" in capsys.readouterr().err


async def test_the_app_runs_the_retention_job_in_the_background(db_path: Path) -> None:
    import asyncio

    from aiohttp.test_utils import TestClient, TestServer
    from sqlalchemy import func, select

    from bot.app import create_app
    from storage.db.engine import create_engine, create_session_factory
    from storage.db.migrate import upgrade
    from storage.rounds.lifecycle import Rounds
    from tests.conftest import make_settings
    from tests.support.pulse_fixtures import open_round, team_with_members

    engine = create_engine(f"sqlite+aiosqlite:///{db_path}")
    await upgrade(engine)
    factory = create_session_factory(engine)
    info = await open_round(factory, await team_with_members(factory, "19:t", range(1, 4)))
    await Rounds(factory, default_bank(), TEST_SECRET).close(info.id, NOW)
    async with factory.begin() as session:  # a hash a crash left behind after the close
        session.add(Participation(round_id=info.id, key="left-behind"))

    async def left() -> int:
        async with factory() as session:
            return int(await session.scalar(select(func.count()).select_from(Participation)) or 0)

    settings = make_settings(db_path, BOT_RETENTION_INTERVAL_SECONDS=0.1)
    async with TestClient(TestServer(create_app(settings, now=lambda: NOW), host="127.0.0.1")):
        async with asyncio.timeout(10):
            while await left():
                await asyncio.sleep(0.05)
    await engine.dispose()
