"""Building blocks for pulse tests: a team with members and a round that is open now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.db.engine import SessionFactory
from storage.directory.recipients import Directory
from storage.question_bank import default_bank
from storage.rounds.lifecycle import RoundInfo, Rounds
from storage.values import Person
from tests.conftest import TEST_SECRET

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def member(n: int) -> Person:
    return Person(user_id=f"29:user-{n}", aad_object_id=f"aad-{n:04d}", name=f"Person {n}")


async def team_with_members(
    factory: SessionFactory, team_id: str, members: range, name: str = "Team"
) -> str:
    directory = Directory(factory)
    unit = await directory.install_team(team_id, name, "tenant-1", "http://127.0.0.1:9/")
    await directory.sync_roster(team_id, [member(n) for n in members])
    return unit.id


async def open_round(
    factory: SessionFactory, unit_id: str, now: datetime = NOW, days: int = 5
) -> RoundInfo:
    rounds = Rounds(factory, default_bank(), TEST_SECRET)
    created = await rounds.create(
        unit_id, now - timedelta(minutes=1), now + timedelta(days=days), None, "hr"
    )
    opened = await rounds.open_due(now)
    assert [r.id for r in opened] == [created.id]
    return await rounds.get(created.id)


def full_answer(info: RoundInfo, value: int = 4) -> dict[str, object]:
    return {item: value for item in info.items}
