"""A small organisation for the MED document's tests, with one figure of each kind.

Område Syd has three teams. Hjemmeplejen Nord (ten answered in November, seven in October) is
shown with its comments, trend, baseline and plan. Sygeplejen Øst and Aftenvagten had three
answers each: their rounds are hidden (too few), and so are two of the department's November
dimensions: Balance mellem opgaver og tid is Aftenvagten alone (too few) and Trivsel minus
Hjemmeplejen Nord is Sygeplejen Øst (complementary). The answers were chosen so that no hidden
figure's number is also a shown one (the tests check that too).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import update

from storage.answers.pulse import submit_answer
from storage.db.engine import SessionFactory
from storage.question_bank import default_bank
from storage.results.actions import ActionIn, ActionStatus
from storage.rounds.lifecycle import Rounds
from storage.tables.directory import Unit
from storage.tables.results import Baseline
from tests.conftest import TEST_SECRET
from tests.support.pulse_fixtures import member, team_with_members

BANK = default_bank()
OCTOBER = datetime(2026, 10, 12, 7, 0, tzinfo=UTC)
NOVEMBER = datetime(2026, 11, 9, 7, 0, tzinfo=UTC)
AFTER = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # both months are over: unit figures decided
PERIOD = "2026-11"
NORTH_ITEMS = ["tk1", "tl1", "rf1", "sa1", "tr1"]
EAST_ITEMS = ["tk1", "rf1", "tr1"]
EVENING_ITEMS = ["tk1", "rf1", "ba1"]
COMMENTS = [
    "Vi får for lidt tid til borgerne på én vagt – især i weekenden.",
    "Godt samarbejde med sygeplejen, når vi mødes på tværs.",
    "Tavlemødet om mandagen hjælper på fordelingen af opgaver.",
    "Jeg savner, at forslag bliver fulgt op på.",
    "Rart at nye kolleger får en ordentlig introduktion.",
    "Bilerne står for ofte på værksted.",
    "Mere ro omkring frokosten <b>tak</b> & god weekend.",
    "Ledelsen er god til at lytte, også når det er svært.",
]


@dataclass(frozen=True)
class MedWorld:
    department: str
    north: str
    east: str
    evening: str
    north_october: str
    north_november: str
    east_november: str

    @property
    def units(self) -> set[str]:
        return {self.department, self.north, self.east, self.evening}


async def _round(
    factory: SessionFactory,
    unit_id: str,
    opens: datetime,
    items: list[str],
    answers: list[dict[str, int]],
    members: range,
    comments: list[str] | None = None,
) -> str:
    rounds = Rounds(factory, BANK, TEST_SECRET)
    info = await rounds.create(unit_id, opens, opens + timedelta(days=3), None, "hr", items)
    await rounds.open_due(opens)
    for index, (n, values) in enumerate(zip(members, answers, strict=False)):
        comment = comments[index] if comments and index < len(comments) else None
        await submit_answer(
            factory,
            BANK,
            TEST_SECRET,
            info.id,
            member(n).user_id,
            values,
            comment,
            opens + timedelta(hours=2),
        )
    await rounds.close(info.id, opens + timedelta(days=3))
    return info.id


def _same(items: list[str], value: int) -> dict[str, int]:
    return {item: value for item in items}


async def build_med_world(factory: SessionFactory) -> MedWorld:
    north = await team_with_members(factory, "19:north", range(1, 11), "Hjemmeplejen Nord")
    east = await team_with_members(factory, "19:east", range(20, 26), "Sygeplejen Øst")
    evening = await team_with_members(factory, "19:evening", range(30, 36), "Aftenvagten")
    async with factory.begin() as session:
        department = Unit(name="Område Syd", bot_installed=False)
        session.add(department)
        await session.flush()
        await session.execute(
            update(Unit).where(Unit.id.in_([north, east, evening])).values(parent_id=department.id)
        )
        department_id = department.id
        for dimension, score in (
            ("trust_colleagues", 70.0),
            ("justice", 55.0),
            ("wellbeing", 68.0),
        ):
            session.add(
                Baseline(unit_id=north, dimension=dimension, score=score, source="APV 2025")
            )
    # October: seven of ten answered Hjemmeplejen Nord, lower than in November.
    october = [
        {"tk1": 4, "tl1": 3, "rf1": 3, "sa1": 4, "tr1": 3},
        {"tk1": 3, "tl1": 4, "rf1": 3, "sa1": 4, "tr1": 4},
        {"tk1": 4, "tl1": 3, "rf1": 4, "sa1": 3, "tr1": 3},
        {"tk1": 3, "tl1": 3, "rf1": 2, "sa1": 4, "tr1": 4},
        {"tk1": 4, "tl1": 4, "rf1": 3, "sa1": 5, "tr1": 3},
        {"tk1": 3, "tl1": 3, "rf1": 3, "sa1": 4, "tr1": 4},
        {"tk1": 4, "tl1": 4, "rf1": 3, "sa1": 4, "tr1": 3},
    ]
    north_october = await _round(factory, north, OCTOBER, NORTH_ITEMS, october, range(1, 11))
    # November: all ten answered, justice lowest; eight left a comment (shown from seven).
    november = [
        {"tk1": 4, "tl1": 4, "rf1": 3, "sa1": 5, "tr1": 4},
        {"tk1": 5, "tl1": 4, "rf1": 2, "sa1": 4, "tr1": 4},
        {"tk1": 4, "tl1": 3, "rf1": 3, "sa1": 4, "tr1": 5},
        {"tk1": 4, "tl1": 4, "rf1": 3, "sa1": 5, "tr1": 4},
        {"tk1": 5, "tl1": 5, "rf1": 4, "sa1": 4, "tr1": 4},
    ] * 2
    north_november = await _round(
        factory, north, NOVEMBER, NORTH_ITEMS, november, range(1, 11), COMMENTS
    )
    # Three of six answered each of the other teams: hidden, whatever they said.
    east_november = await _round(
        factory,
        east,
        NOVEMBER,
        EAST_ITEMS,
        [_same(EAST_ITEMS, 2), _same(EAST_ITEMS, 2), _same(EAST_ITEMS, 3)],
        range(20, 26),
        ["Hemmelig kommentar fra Sygeplejen Øst"] * 3,
    )
    await _round(
        factory,
        evening,
        NOVEMBER,
        EVENING_ITEMS,
        [_same(EVENING_ITEMS, 1), _same(EVENING_ITEMS, 2), _same(EVENING_ITEMS, 2)],
        range(30, 36),
    )
    return MedWorld(
        department_id, north, east, evening, north_october, north_november, east_november
    )


async def plan_two_actions(summaries, world: MedWorld) -> None:  # noqa: ANN001
    """The handlingsplan Hjemmeplejen Nord agreed after November."""
    visible = world.units
    await summaries.plan.add(
        world.north,
        world.north_november,
        ActionIn(
            title="Fast tavlemøde om fordeling af opgaver",
            addresses="dimension:justice",
            responsible="Teamleder og AMR",
            deadline=date(2027, 1, 31),
            status=ActionStatus.IN_PROGRESS,
        ),
        visible,
    )
    await summaries.plan.add(
        world.north,
        world.north_november,
        ActionIn(
            title="Én side med velkomst til nye kolleger",
            addresses="theme:attraktiv_arbejdsplads",
            responsible="Søren og Åse",
            status=ActionStatus.PLANNED,
        ),
        visible,
    )
