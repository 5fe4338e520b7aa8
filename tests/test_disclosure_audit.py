"""Rules 3 and 4 at app level: every figure any role can see, audited as an attacker would.

Random organisations (hypothesis) run real rounds on a real SQLite file: the default rotation,
follow-up items after an agreed action, and HR's own picks. Every card (each round's summary
with its trend and parent comparison, each unit's month with its parent) and every export row
is read the way HR sees them (HR sees a superset of every leader), turned into vectors over
(round, question, value) cells by tests/support/figure_audit.py, and checked by exact linear
algebra: no combination may isolate between 1 and k−1 answers.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from dialogs.cards.summary import summary_card
from storage.answers.pulse import submit_answer
from storage.db.engine import SessionFactory, create_engine, create_session_factory
from storage.db.migrate import upgrade
from storage.directory.baselines import Baselines
from storage.directory.hierarchy import Hierarchy
from storage.disclosure import Suppression
from storage.question_bank import default_bank
from storage.results.summaries import Summaries
from storage.results.tab import ResultsTab
from storage.results.values import Summary
from storage.rounds.lifecycle import Rounds
from storage.tables.directory import Unit
from tests.conftest import TEST_SECRET
from tests.support.figure_audit import Audit, AuditRound, rank
from tests.support.pulse_fixtures import team_with_members

BANK = default_bank()
ITEMS = [item.id for item in BANK.items]
MONTHS = {
    "2026-10": datetime(2026, 10, 5, 8, tzinfo=UTC),
    "2026-11": datetime(2026, 11, 2, 8, tzinfo=UTC),
}
AFTER = datetime(2026, 12, 2, 8, tzinfo=UTC)  # both months are over: every unit figure is decided


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class PlannedRound:
    team: int
    month: str
    responses: int
    kind: str  # "default" | "follow_up" | "pick"
    picked: tuple[str, ...]
    seed: int


@dataclass(frozen=True)
class World:
    k: int
    team_parents: tuple[int, ...]  # team → department index
    nested: bool  # department 1 lies inside department 0 instead of beside it
    departments: int
    rounds: tuple[PlannedRound, ...]
    moved: bool = False  # team 0 moves to the other department after its first round


@st.composite
def worlds(draw: st.DrawFn) -> World:
    departments = draw(st.integers(1, 2))
    teams = draw(st.integers(1, 4))
    parents = tuple(draw(st.integers(0, departments - 1)) for _ in range(teams))
    planned = []
    for team in range(teams):
        for _ in range(draw(st.integers(1, 2))):
            kind = draw(st.sampled_from(["default", "default", "follow_up", "pick"]))
            picked = tuple(
                draw(st.lists(st.sampled_from(ITEMS), min_size=3, max_size=5, unique=True))
            )
            planned.append(
                PlannedRound(
                    team=team,
                    month=draw(st.sampled_from(sorted(MONTHS))),
                    responses=draw(st.integers(0, 8)),
                    kind=kind,
                    picked=picked if kind == "pick" else (),
                    seed=draw(st.integers(0, 2**31)),
                )
            )
    return World(
        k=draw(st.sampled_from([3, 5])),
        team_parents=parents,
        nested=departments == 2 and draw(st.booleans()),
        departments=departments,
        rounds=tuple(planned),
        moved=departments == 2 and draw(st.booleans()),
    )


async def template_database(directory: Path) -> Path:
    path = directory / "template.db"
    if not path.exists():
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await upgrade(engine)
        await engine.dispose()
    return path


async def add_unit(factory: SessionFactory, name: str, parent: str | None) -> str:
    async with factory.begin() as session:
        unit = Unit(name=name, bot_installed=False, parent_id=parent)
        session.add(unit)
        await session.flush()
        return unit.id


async def build(factory: SessionFactory, world: World) -> tuple[Audit, dict[str, str]]:
    """Run the world's rounds through the real services; the auditor keeps its own books."""
    org = await add_unit(factory, "Kommunen", None)
    chains: dict[str, tuple[str, ...]] = {}
    departments: list[str] = []
    for index in range(world.departments):
        above = departments[0] if world.nested and index == 1 else org
        dept = await add_unit(factory, f"Afdeling {index}", above)
        departments.append(dept)
        chains[dept] = (dept, *chains.get(above, (org,)))
    chains[org] = (org,)
    teams = []
    for team, parent in enumerate(world.team_parents):
        unit = await team_with_members(
            factory, f"19:t{team}", range(team * 100, team * 100 + 12), f"Team {team}"
        )
        async with factory.begin() as session:
            await session.execute(
                update(Unit).where(Unit.id == unit).values(parent_id=departments[parent])
            )
        teams.append(unit)
        chains[unit] = (unit, *chains[departments[parent]])
    names = {"Kommunen": org, **{f"Afdeling {i}": d for i, d in enumerate(departments)}}
    names.update({f"Team {i}": t for i, t in enumerate(teams)})
    rounds = Rounds(factory, BANK, TEST_SECRET)
    summaries = Summaries(factory, BANK, world.k, Clock(AFTER))
    audit = Audit(BANK, {})
    order = sorted(range(len(world.rounds)), key=lambda i: (world.rounds[i].month, i))
    started: dict[tuple[int, str], int] = {}
    moved = False
    for index in order:
        plan = world.rounds[index]
        unit = teams[plan.team]
        slot = started.get((plan.team, plan.month), 0)
        started[(plan.team, plan.month)] = slot + 1
        opens = MONTHS[plan.month] + timedelta(days=8 * slot)
        if plan.kind == "follow_up":
            await summaries.record_action(unit, None, "Fast tavlemøde", {unit})
        info = await rounds.create(
            unit, opens, opens + timedelta(days=3), None, "hr", list(plan.picked) or None
        )
        await rounds.open_due(opens)
        chooser = random.Random(plan.seed)
        answers = []
        for person in range(plan.responses):
            values = {i: chooser.choice(list(BANK.scale_of(i).values())) for i in info.items}
            await submit_answer(
                factory,
                BANK,
                TEST_SECRET,
                info.id,
                f"29:user-{plan.team * 100 + person}",
                dict(values),
                None,
                opens + timedelta(hours=1),
            )
            answers.append(values)
        await rounds.close(info.id, opens + timedelta(days=3))
        audit.rounds[info.id] = AuditRound(
            id=info.id,
            unit=unit,
            sequence=info.sequence,
            period=plan.month,
            chain=chains[unit],  # where the round closed, as the auditor itself keeps it
            items=tuple(info.items),
            answers=answers,
        )
        if world.moved and plan.team == 0 and not moved:
            moved = True
            target = departments[1 - world.team_parents[0]]
            async with factory.begin() as session:
                await session.execute(update(Unit).where(Unit.id == unit).values(parent_id=target))
            chains[unit] = (unit, *chains[target])
    return audit, names


def add_figures(audit: Audit, where: str, rounds: Sequence[AuditRound], summary: Summary) -> None:
    figures = summary.figures
    if figures is None:
        return
    audit.add_count(f"{where} responses", rounds, figures.responses)
    for result in figures.dimensions:
        at = f"{where} {result.dimension}"
        audit.add_distribution(at, rounds, result.dimension, result.distribution)
        audit.add_score(at, rounds, result.dimension, result.score)


def add_parent(audit: Audit, where: str, summary: Summary, names: dict[str, str]) -> None:
    parent = summary.parent
    if parent is None or parent.scores is None:
        return
    rounds = audit.rounds_of(names[parent.unit_name], parent.period)
    for dimension, score in parent.scores.items():
        audit.add_score(
            f"{where} parent {parent.unit_name} {parent.period} {dimension}",
            rounds,
            dimension,
            score,
        )


def add_tab_figure(audit: Audit, where: str, rounds: Sequence[AuditRound], figure: dict) -> None:
    """A figure of the tab's JSON, as its endpoint returns it (storage/results/tab/views.py)."""
    if figure["state"] == "hidden":
        assert set(figure) <= {"state", "reason", "dimensions", "withheld"}, where
        assert figure.get("dimensions", []) == [] and figure.get("withheld", []) == [], where
        return
    if figure["state"] != "shown":
        return
    if "responses" in figure:
        audit.add_count(f"{where} responses", rounds, figure["responses"])
    for d in figure["dimensions"]:
        at = f"{where} {d['dimension']}"
        audit.add_distribution(at, rounds, d["dimension"], d["distribution"])
        audit.add_score(at, rounds, d["dimension"], d["score"])
        assert d["answers"] == sum(d["distribution"]), at


async def collect_tab(audit: Audit, factory: SessionFactory, k: int, names: dict[str, str]) -> None:
    """Every figure the Resultater tab's endpoints return to HR (who sees what every leader
    sees): the heatmap of each month around each unit, and each unit's page."""
    tab = ResultsTab(
        Summaries(factory, BANK, k, Clock(AFTER)),
        Hierarchy(factory),
        Baselines(factory, BANK),
        BANK,
        Clock(AFTER),
    )
    visible = await tab.visible(None, True)
    by_sequence = {(r.unit, r.sequence): r for r in audit.rounds.values()}
    for root in [None, *names.values()]:
        for period in MONTHS:
            heatmap = (await tab.heatmap(visible, "da", period=period, root=root)).as_json()
            shown_period = heatmap.get("period")  # a month without closed rounds is not offered
            assert shown_period in (period, *heatmap["periods"])
            for row in heatmap["rows"]:
                unit = row["unit"]["id"]
                where = f"tab heatmap {shown_period} {row['unit']['name']}"
                rounds = audit.rounds_of(unit, shown_period)
                add_tab_figure(audit, where, rounds, row["figure"])
                for cell in row["cells"]:
                    if cell["state"] == "shown":
                        audit.add_score(
                            f"{where} {cell['dimension']}", rounds, cell["dimension"], cell["score"]
                        )
                    else:
                        assert set(cell) <= {"dimension", "state", "reason"}, where
    for name, unit in names.items():
        page = (await tab.unit_page(visible, unit, "da")).as_json()
        for month in page["months"]:
            where = f"tab page of {name} month {month['period']}"
            add_tab_figure(audit, where, audit.rounds_of(unit, month["period"]), month["figure"])
        for shown in page["rounds"]:
            r = audit.rounds[shown["round_id"]]
            where = f"tab page of {name} round {r.sequence}"
            add_tab_figure(audit, where, [r], shown["figure"])
            for question in shown["questions"]:
                audit.add_item_score(
                    f"{where} {question['item']}", r, question["item"], question["score"]
                )
            if shown["figure"]["state"] != "shown":
                assert shown["questions"] == [] and shown["comments"] == [], where
        for trend in page["question_trends"]:
            for point in trend["points"]:
                r = by_sequence[(unit, point["sequence"])]
                at = f"tab page of {name} trend {trend['item']} round {r.sequence}"
                audit.add_item_score(at, r, trend["item"], point["score"])
        for action in page["plan"]:
            follow_up = action.get("follow_up")
            if follow_up is None:
                continue
            r = by_sequence[(unit, follow_up["sequence"])]
            add_tab_figure(
                audit, f"tab page of {name} follow-up round {r.sequence}", [r], follow_up["figure"]
            )


async def collect(audit: Audit, factory: SessionFactory, k: int, names: dict[str, str]) -> None:
    """Every figure HR can be shown: each round's card, each unit's months, the export, the tab."""
    await collect_tab(audit, factory, k, names)
    summaries = Summaries(factory, BANK, k, Clock(AFTER))
    visible = set(names.values())
    by_sequence = {(r.unit, r.sequence): r for r in audit.rounds.values()}
    for r in audit.rounds.values():
        summary = await summaries.round_summary(r.id, visible)
        where = f"card of round {r.sequence} of {r.unit[:6]}"
        add_figures(audit, where, [r], summary)
        for point in summary.trend:
            earlier = by_sequence[(r.unit, int(point.label))]
            for dimension, score in point.scores.items():
                audit.add_score(
                    f"{where} trend {point.label} {dimension}", [earlier], dimension, score
                )
        for (
            trend
        ) in summary.question_trends:  # each question's own line (storage/results/trends.py)
            for point in trend.points:
                earlier = by_sequence[(r.unit, point.sequence)]
                at = f"{where} question trend {trend.item_id} round {point.sequence}"
                audit.add_item_score(at, earlier, trend.item_id, point.score)
        add_parent(audit, where, summary, names)
    for name, unit in names.items():
        for period in MONTHS:
            summary = await summaries.period_summary(unit, period, visible)
            where = f"month {period} of {name}"
            add_figures(audit, where, audit.rounds_of(unit, period), summary)
            add_parent(audit, where, summary, names)
    unit_of = {name: unit for name, unit in names.items()}
    for row in await summaries.export_rows(visible):
        unit = unit_of[str(row["unit"])]
        period = str(row["period"])
        label = str(row["figure"])
        if label == "month":
            rounds = audit.rounds_of(unit, period)
        else:
            rounds = [by_sequence[(unit, int(label.split()[-1]))]]
        where = f"export {period} {row['unit']} {label}"
        audit.add_count(f"{where} responses", rounds, int(str(row["responses"])))
        dimension = str(row["dimension"])
        audit.add_score(f"{where} {dimension}", rounds, dimension, float(str(row["score"])))
        pairs = sum(1 for r in rounds for i in r.items if BANK.item(i).dimension == dimension)
        assert pairs, f"{where}: a {dimension} row for rounds that did not ask it"


async def audited(tmp_path: Path, world: World) -> Audit:
    path = tmp_path / f"audit-{random.getrandbits(32)}.db"
    shutil.copy(await template_database(tmp_path), path)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        factory = create_session_factory(engine)
        audit, names = await build(factory, world)
        await collect(audit, factory, world.k, names)
    finally:
        await engine.dispose()
        path.unlink(missing_ok=True)
    return audit


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds())
async def test_no_figure_any_role_sees_isolates_fewer_than_k_answers(
    tmp_path: Path, world: World
) -> None:
    audit = await audited(tmp_path, world)
    assert audit.mismatches == []
    assert audit.leaks(world.k) == []


# --- the outsider's example, with its numbers --------------------------------------------------

WELLBEING = ["tk1", "tl1", "rf1", "sa1", "tr1"]
WORKLOAD = ["tk1", "tl1", "rf1", "sa1", "ba1"]
EXAMPLE = World(
    k=5,
    team_parents=(0, 0, 0),
    nested=False,
    departments=1,
    rounds=(
        PlannedRound(0, "2026-11", 10, "pick", tuple(WELLBEING), 1),  # A
        PlannedRound(1, "2026-11", 3, "pick", tuple(WELLBEING), 2),  # B
        PlannedRound(2, "2026-11", 3, "pick", tuple(WORKLOAD), 3),  # C
    ),
)


async def test_the_department_of_a_b_and_c_shows_no_small_team_through_any_door(
    tmp_path: Path,
) -> None:
    """A asked wellbeing (10 answers), B wellbeing (3), C workload (3); k = 5.

    D's workload would be C's three people, and D's wellbeing minus A's would be B's three. D's
    month may show trust, justice and cooperation (16 answers; minus A's 10 leaves 6), never
    wellbeing or workload: not on D's card, not as the parent on A's card, not in the export."""
    path = tmp_path / "example.db"
    shutil.copy(await template_database(tmp_path), path)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        factory = create_session_factory(engine)
        audit, names = await build(factory, EXAMPLE)
        summaries = Summaries(factory, BANK, 5, Clock(AFTER))
        visible = set(names.values())
        dept = names["Afdeling 0"]
        month = await summaries.period_summary(dept, "2026-11", visible)
        assert month.figures is not None and month.figures.responses == 16
        shown = {d.dimension: d.answers for d in month.figures.dimensions}
        assert shown == {
            "trust_colleagues": 16,
            "trust_management": 16,
            "justice": 16,
            "cooperation": 16,
        }
        team_a = next(r for r in audit.rounds.values() if r.responses == 10)
        card = await summaries.round_summary(team_a.id, visible)
        assert card.figures is not None and card.figures.responses == 10
        assert card.parent is not None and card.parent.scores is not None
        assert set(card.parent.scores) == set(shown)
        assert month.figures.withheld == {
            "wellbeing": Suppression.COMPLEMENTARY,
            "workload": Suppression.TOO_FEW,
        }
        rows = await summaries.export_rows(visible)
        dept_rows = {str(r["dimension"]) for r in rows if r["unit"] == "Afdeling 0"}
        assert dept_rows == set(shown)
        assert {r["responses"] for r in rows if r["unit"] == "Afdeling 0"} == {16}
        # What the leaders read: D's card names the two dimensions it holds back, no numbers.
        texts = card_texts(summary_card(month, BANK, "da", 5, []))
        assert "Ikke vist for måneden: Trivsel, Balance mellem opgaver og tid." in " ".join(texts)
        facts = card_facts(summary_card(month, BANK, "da", 5, []))
        assert "Trivsel" not in facts and "Balance mellem opgaver og tid" not in facts
        # A's card compares with D only where D's figure is shown.
        a_facts = card_facts(summary_card(card, BANK, "da", 5, []))
        assert "Afdeling 0" in " ".join(a_facts.values())
        assert "Trivsel" in a_facts and "Afdeling 0" not in a_facts["Trivsel"]
        assert "Afdeling 0" in a_facts["Samarbejde"]
        await collect(audit, factory, 5, names)
    finally:
        await engine.dispose()
    tab = [f.where for f in audit.figures if f.where.startswith("tab ")]
    assert any(w.startswith("tab heatmap 2026-11 Afdeling 0 trust") for w in tab)
    assert any(" round " in w and w.endswith("tk1 score") for w in tab), "per-question scores"
    assert not any("Afdeling 0 wellbeing" in w or "Afdeling 0 workload" in w for w in tab)
    assert audit.mismatches == []
    assert audit.leaks(5) == []


def card_texts(card: object) -> list[str]:
    """Every TextBlock's text in a card, in order."""
    found: list[str] = []
    if isinstance(card, dict):
        if card.get("type") == "TextBlock":
            found.append(str(card.get("text", "")))
        for value in card.values():
            found += card_texts(value)
    elif isinstance(card, list):
        for value in card:
            found += card_texts(value)
    return found


def card_facts(card: object) -> dict[str, str]:
    """Every FactSet entry in a card: title → value (later sets add to earlier ones)."""
    facts: dict[str, str] = {}
    if isinstance(card, dict):
        if card.get("type") == "FactSet":
            for fact in card["facts"]:
                facts[fact["title"]] = facts.get(fact["title"], "") + " " + fact["value"]
        for value in card.values():
            for title, text in card_facts(value).items():
                facts[title] = facts.get(title, "") + text
    elif isinstance(card, list):
        for value in card:
            for title, text in card_facts(value).items():
                facts[title] = facts.get(title, "") + text
    return facts


def test_the_auditor_finds_the_department_leak_of_the_old_release() -> None:
    """Fed what the release per round showed (D's workload, D's wellbeing and A's), the auditor
    names both small teams: it does not take the release's word for anything."""
    audit = Audit(BANK, {})
    people = {"a": 10, "b": 3, "c": 3}
    items = {"a": WELLBEING, "b": WELLBEING, "c": WORKLOAD}
    for name, n in people.items():
        audit.rounds[name] = AuditRound(
            id=name,
            unit=name,
            sequence=1,
            period="2026-11",
            chain=(name, "d"),
            items=tuple(items[name]),
            answers=[{i: 1 + (p + j) % 5 for j, i in enumerate(items[name])} for p in range(n)],
        )
    a = [audit.rounds["a"]]
    d = list(audit.rounds.values())
    for dimension in ("trust_colleagues", "wellbeing"):
        audit.add_distribution(
            f"A {dimension}", a, dimension, audit.true_distribution(a, dimension)
        )
    for dimension in ("trust_colleagues", "wellbeing", "workload"):
        audit.add_distribution(
            f"D {dimension}", d, dimension, audit.true_distribution(d, dimension)
        )
    assert audit.mismatches == []
    leaks = audit.leaks(5)
    assert [sorted(found) for found, _ in leaks] == [["b"], ["c"]]


def test_the_auditor_sees_a_mean_of_item_scores_as_a_second_combination() -> None:
    """Rotation alone: D's teams asked different trust items. A score that is the mean of the
    items' scores is not the pooled mean of D's answers, and the auditor refuses it."""
    audit = Audit(BANK, {})
    for name, item, n, value in (("a", "tk1", 6, 5), ("b", "tk2", 3, 1)):
        audit.rounds[name] = AuditRound(
            id=name,
            unit=name,
            sequence=1,
            period="2026-11",
            chain=(name, "d"),
            items=(item, "tl1", "rf1"),
            answers=[{item: value, "tl1": 3, "rf1": 3} for _ in range(n)],
        )
    rounds = list(audit.rounds.values())
    audit.add_score("D trust_colleagues", rounds, "trust_colleagues", (100.0 + 0.0) / 2)
    assert audit.mismatches and "not the mean" in audit.mismatches[0]
    pooled = Fraction(6 * 4, 9) / 4 * 100
    fresh = Audit(BANK, audit.rounds)
    fresh.add_score("D trust_colleagues", rounds, "trust_colleagues", round(float(pooled), 1))
    assert fresh.mismatches == []


def test_rank_is_exact_over_the_rationals() -> None:
    rows = [{("x", "tk1", 1): 1}, {("x", "tk1", 1): 2}, {("x", "tk1", 2): 3, ("y", "tk1", 1): 1}]
    assert rank(rows, set()) == 2
    assert rank(rows, {"y"}) == 2
    assert rank(rows, {"x"}) == 1
    assert rank([{("x", "tk1", 1): 1, ("x", "tk1", 2): 1}, {("x", "tk1", 1): 1}], set()) == 2
