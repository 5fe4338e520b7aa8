"""A small municipality with half a year of pulses, for the Resultater tab's tests and screenshots.

Built through the real services (rounds, answers, the action plan, baselines, leader roles) on a
fixed clock: every round is opened, answered and closed at its own time, so the results are the
same on every run. Some groups stay below k on purpose, so the tab has hidden figures to show.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from storage.answers.pulse import submit_answer
from storage.db.engine import SessionFactory
from storage.directory.baselines import import_baselines_csv
from storage.directory.roles import Roles
from storage.question_bank import QuestionBank, default_bank
from storage.results.summaries import Summaries
from storage.rounds.lifecycle import Rounds
from storage.tables.directory import Unit
from tests.conftest import TEST_SECRET
from tests.support.pulse_fixtures import team_with_members

K = 5
MONTHS = ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]
NOW = datetime(2026, 11, 12, 9, tzinfo=UTC)  # every month above is over
HR_OID = "00000000-0000-4000-8000-0000000000a1"
LEADER_OID = "00000000-0000-4000-8000-0000000000b2"  # leads Ældre og Sundhed
TEAM_LEADER_OID = "00000000-0000-4000-8000-0000000000c3"  # leads Hjemmeplejen Nord only
EMPLOYEE_OID = "00000000-0000-4000-8000-0000000000d4"

# team name, department, members, answers per month (None: no round), how positive (0–1)
TEAMS: list[tuple[str, str, int, list[int | None], float]] = [
    ("Hjemmeplejen Nord", "Ældre og Sundhed", 14, [11, 10, 12, 9, 12, 11], 0.72),
    ("Hjemmeplejen Syd", "Ældre og Sundhed", 12, [8, 9, 7, 10, 9, 8], 0.55),
    ("Plejecenter Solgården", "Ældre og Sundhed", 16, [13, 12, 14, 13, 12, 14], 0.82),
    ("Sygeplejen", "Ældre og Sundhed", 6, [5, None, 3, 5, 6, 3], 0.6),
    ("Aktivitetscentret", "Ældre og Sundhed", 6, [5, 6, 2, 5, 5, 3], 0.7),
    ("Dagtilbud Øst", "Børn og Unge", 10, [8, 7, 4, 8, 7, 9], 0.66),
    ("Skolen ved Søen", "Børn og Unge", 15, [12, 11, 13, 12, 11, 12], 0.48),
]
COMMENTS = [
    "Vi hjælper hinanden, når det brænder på.",
    "Morgenmøderne er blevet kortere og bedre.",
    "Det er svært at nå det hele i vagterne før jul.",
    "Dejligt at vi fik ny kollega i teamet.",
    "Jeg savner mere tid til dokumentation.",
    "God stemning, men for mange afbrydelser.",
    "Lederen lytter, når vi siger fra.",
    "Vi kunne godt dele viden bedre på tværs.",
]


@dataclass
class TabWorld:
    units: dict[str, str] = field(default_factory=dict)  # name → unit id
    rounds: dict[str, list[str]] = field(default_factory=dict)  # team name → round ids


def _answer(bank: QuestionBank, items: list[str], mood: float, chooser: random.Random) -> dict:
    answers = {}
    for item_id in items:
        values = list(bank.scale_of(item_id).values())
        lean = mood if bank.item(item_id).higher_is_better else 1 - mood
        position = min(
            len(values) - 1, max(0, round(chooser.gauss(lean, 0.22) * (len(values) - 1)))
        )
        answers[item_id] = values[position]
    return answers


async def _unit(factory: SessionFactory, name: str, parent: str | None) -> str:
    async with factory.begin() as session:
        unit = Unit(name=name, bot_installed=False, parent_id=parent)
        session.add(unit)
        await session.flush()
        return unit.id


async def build_tab_world(factory: SessionFactory, bank: QuestionBank | None = None) -> TabWorld:
    bank = bank or default_bank()
    world = TabWorld()
    root = await _unit(factory, "Kommunen", None)
    world.units["Kommunen"] = root
    for department in ("Ældre og Sundhed", "Børn og Unge"):
        world.units[department] = await _unit(factory, department, root)
    rounds = Rounds(factory, bank, TEST_SECRET)
    clock = [NOW]
    summaries = Summaries(factory, bank, K, lambda: clock[0])
    chooser = random.Random(16)
    for index, (name, department, members, _, _) in enumerate(TEAMS):
        first = 1000 + index * 100
        unit = await team_with_members(
            factory, f"19:team-{index}@thread.tacv2", range(first, first + members), name
        )
        async with factory.begin() as session:
            await session.execute(
                update(Unit).where(Unit.id == unit).values(parent_id=world.units[department])
            )
        world.units[name] = unit
        world.rounds[name] = []
    for month_index, month in enumerate(MONTHS):
        year, number = (int(part) for part in month.split("-"))
        for index, (name, _, _members, answered, mood) in enumerate(TEAMS):
            count = answered[month_index]
            if count is None:
                continue
            unit = world.units[name]
            if name == "Hjemmeplejen Nord" and month == "2026-07":
                clock[0] = datetime(year, number, 1, 12, tzinfo=UTC)
                await summaries.plan.add(
                    unit,
                    None,
                    _action("Fast tavlemøde hver mandag", "dimension:cooperation", "in_progress"),
                    {unit},
                )
            opens = datetime(year, number, 4 + index, 7, tzinfo=UTC)
            clock[0] = opens
            info = await rounds.create(unit, opens, opens + timedelta(days=4), None, "hr")
            await rounds.open_due(opens)
            drift = (month_index - 2.5) * 0.015
            unsaid = chooser.sample(COMMENTS, len(COMMENTS))
            for person in range(count):
                comment = None
                if count >= 7 and unsaid and chooser.random() < 0.35:
                    comment = unsaid.pop()
                await submit_answer(
                    factory,
                    bank,
                    TEST_SECRET,
                    info.id,
                    f"29:user-{1000 + index * 100 + person}",
                    _answer(bank, list(info.items), mood + drift, chooser),
                    comment,
                    opens + timedelta(hours=2 + person),
                )
            await rounds.close(info.id, opens + timedelta(days=4))
            world.rounds[name].append(info.id)
    nord = world.units["Hjemmeplejen Nord"]
    clock[0] = datetime(2026, 10, 20, 12, tzinfo=UTC)
    await summaries.plan.add(
        nord,
        None,
        _action("Introduktion til nye kolleger", "theme:attraktiv_arbejdsplads", "planned"),
        {nord},
    )
    async with factory.begin() as session:
        csv = "unit;dimension;score;source\n" + "\n".join(
            f"{unit};{dimension};{score}".replace(".", ",") + ";Trivselsmåling 2025"
            for unit, scores in (
                (
                    nord,
                    {
                        "trust_colleagues": 71,
                        "trust_management": 64,
                        "justice": 58.5,
                        "cooperation": 69,
                        "wellbeing": 66,
                    },
                ),
                (
                    world.units["Ældre og Sundhed"],
                    {"trust_colleagues": 68, "justice": 61, "cooperation": 66},
                ),
            )
            for dimension, score in scores.items()
        )
        await import_baselines_csv(session, csv, bank, "Trivselsmåling 2025")
    roles = Roles(factory, [HR_OID])
    await roles.assign_leader(world.units["Ældre og Sundhed"], LEADER_OID)
    await roles.assign_leader(nord, TEAM_LEADER_OID)
    return world


def _action(title: str, addresses: str, status: str):  # type: ignore[no-untyped-def]
    from storage.results.actions import ActionIn, ActionStatus

    return ActionIn(
        title=title, addresses=addresses, status=ActionStatus(status), responsible="Teamleder"
    )
