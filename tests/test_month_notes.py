"""Leaders above the teams hear once when a month is settled: over, every round of it closed, kept."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.app import build_services
from dialogs.messages.outbox import render
from storage.answers.pulse import Answers
from storage.db.engine import SessionFactory
from storage.delivery.outbox import OutboxJob
from storage.directory.recipients import Directory
from storage.question_bank import default_bank
from storage.rounds.lifecycle import Rounds
from storage.tables.directory import Unit
from storage.tables.outbox import OutboxKind, OutboxMessage
from storage.tables.results import PeriodNotice
from storage.values import Person
from tests.conftest import TEST_SECRET, make_settings
from tests.support.clock import Clock

NORD, SYD = "19:nord@thread.tacv2", "19:syd@thread.tacv2"


def person(n: int) -> Person:
    return Person(user_id=f"29:user-{n}", aad_object_id=f"aad-{n:04d}", name=f"P{n}")


async def organisation(factory: SessionFactory) -> dict[str, str]:
    """Kommunen > Ældreområdet > (Nord: 1–6, Syd: 7–12); Skoleområdet beside it, no teams.

    Leaders: 1 of Nord, 2 of Ældreområdet, 7 of Kommunen, 8 of Skoleområdet."""
    directory = Directory(factory)
    units: dict[str, str] = {}
    for team_id, name, people in ((NORD, "Nord", range(1, 7)), (SYD, "Syd", range(7, 13))):
        unit = await directory.install_team(team_id, name, "tenant-1", "http://127.0.0.1:9/")
        await directory.sync_roster(team_id, [person(n) for n in people])
        units[name] = unit.id
    async with factory.begin() as session:
        for name in ("Kommunen", "Ældreområdet", "Skoleområdet"):
            unit = Unit(name=name, bot_installed=False)
            session.add(unit)
            await session.flush()
            units[name] = unit.id
    return units


async def test_leaders_above_hear_once_when_the_month_is_settled(
    session_factory: SessionFactory, database_url: str, tmp_path: Path
) -> None:
    clock = Clock(datetime(2026, 11, 10, 9, 0, tzinfo=UTC))
    settings = make_settings(
        tmp_path / "unused.db", BOT_DATABASE_URL=database_url, BOT_WORKING_HOURS="08:00-16:00"
    )
    services = build_services(settings, session_factory, now=clock)
    units = await organisation(session_factory)
    hierarchy = services.hierarchy
    await hierarchy.set_parent(units["Ældreområdet"], units["Kommunen"])
    await hierarchy.set_parent(units["Skoleområdet"], units["Kommunen"])
    for team in ("Nord", "Syd"):
        await hierarchy.set_parent(units[team], units["Ældreområdet"])
    for unit, n in (("Nord", 1), ("Ældreområdet", 2), ("Kommunen", 7), ("Skoleområdet", 8)):
        await hierarchy.add_leader(units[unit], f"aad-{n:04d}")
    rounds = Rounds(session_factory, default_bank(), TEST_SECRET)
    answers = Answers(session_factory, default_bank(), TEST_SECRET)
    opened = {}
    for team, closes in (
        ("Nord", datetime(2026, 11, 20, 12, 0, tzinfo=UTC)),
        ("Syd", datetime(2026, 11, 30, 22, 30, tzinfo=UTC)),
    ):  # 23:30 local
        info = await rounds.create(units[team], clock(), closes, None, "hr")
        await rounds.open_due(clock())
        opened[team] = info
    for team, people in (("Nord", range(1, 6)), ("Syd", range(7, 12))):  # five of six each
        info = opened[team]
        for n in people:
            answer = {item: 4 for item in info.items}
            await answers.submit(info.id, f"29:user-{n}", answer, None, clock())
    await rounds.close(opened["Nord"].id, datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    notes = services.month_notes

    async def queued() -> dict[str, datetime]:
        async with session_factory() as session:
            rows = await session.execute(
                select(OutboxMessage.user_id, OutboxMessage.next_attempt_at).where(
                    OutboxMessage.kind == OutboxKind.MONTH_SETTLED.value
                )
            )
            return dict(rows.all())

    clock.current = datetime(2026, 12, 1, 7, 30, tzinfo=UTC)  # Tuesday 08:30, November over
    assert await notes.notify_settled() == 0, "Syd's round of November is still open"
    clock.current = datetime(2026, 11, 30, 21, 0, tzinfo=UTC)  # Monday 22:00: not over yet
    await rounds.close(opened["Syd"].id, clock())
    assert await notes.notify_settled() == 0 and await queued() == {}

    saturday = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    clock.current = saturday  # settled now: every round closed, the month over
    # Two replicas settling at once tell each leader once.
    assert sum(await asyncio.gather(notes.notify_settled(), notes.notify_settled())) == 2
    monday_eight = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
    assert await queued() == {"29:user-2": monday_eight, "29:user-7": monday_eight}
    assert await notes.notify_settled() == 0
    async with session_factory() as session:
        periods = (await session.execute(select(PeriodNotice.period))).scalars()
        assert "2026-11" in set(periods)

    async def note(n: int, locale: str = "da-DK") -> object:
        job = OutboxJob.model_construct(
            id="x",
            kind=OutboxKind.MONTH_SETTLED,
            subject_id="2026-11",
            user_id=f"29:user-{n}",
            locale=locale,
        )
        return await render(job, services)

    area = await note(2)
    assert area.text == (  # type: ignore[attr-defined]
        "Tallene for november 2026 ligger fast for Ældreområdet: måneden er slut, og alle dens "
        "runder er lukket. Her er kortet for Ældreområdet; de andre vælger du på kortet."
    )
    content = str(area.attachments[0].content)  # type: ignore[attr-defined]
    assert "Resumé · Ældreområdet · november 2026" in content
    assert "10 af 12 svarede (83 %)" in content
    top = await note(7, "en-US")
    assert "The figures for November 2026 are settled for Kommunen" in top.text  # type: ignore[attr-defined]
    assert "Resumé" not in str(top.attachments[0].content)  # type: ignore[attr-defined]
    assert "Summary · Kommunen · November 2026" in str(top.attachments[0].content)  # type: ignore[attr-defined]
    # No longer a leader when the note is sent: nothing is sent.
    await hierarchy.remove_leader(units["Ældreområdet"], "aad-0002")
    assert await note(2) is None
