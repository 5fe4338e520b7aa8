"""The unit hierarchy: file import (all or nothing), single changes, and who sees which units."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import select, update

from storage.db.engine import SessionFactory
from storage.directory.hierarchy import Hierarchy, HierarchyCycle, InvalidHierarchy, InvalidLeader
from storage.directory.hierarchy_file import export_hierarchy, import_hierarchy, parse_file
from storage.directory.recipients import Directory
from storage.errors import UnitNotFound
from storage.tables.directory import RoleAssignment, Unit
from tests.support.db_inspection import snapshot

TEAM_1, TEAM_2, TEAM_3 = (f"19:team-{n}@thread.tacv2" for n in (1, 2, 3))

ORG_YAML = f"""\
units:
  - key: Aarhus Kommune
    name: Aarhus Kommune
    leaders: [aad-director]
  - key: Ældreområdet
    name: Ældreområdet
    parent: Aarhus Kommune
    leaders: [aad-centre]
  - key: "{TEAM_1}"
    name: Hjemmeplejen Nord
    parent: Ældreområdet
    leaders: [aad-team1]
  - key: "{TEAM_2}"
    name: Hjemmeplejen Syd
    parent: Ældreområdet
  - key: Børn og Unge
    name: Børn og Unge
    parent: Aarhus Kommune
  - key: "{TEAM_3}"
    name: Dagtilbud Vest
    parent: Børn og Unge
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def load(factory: SessionFactory, path: Path):  # noqa: ANN201
    return await import_hierarchy(factory, parse_file(path))


async def by_name(factory: SessionFactory) -> dict[str, Unit]:
    async with factory() as session:
        return {u.name: u for u in (await session.execute(select(Unit))).scalars()}


@pytest.fixture
async def org(session_factory: SessionFactory, tmp_path: Path) -> dict[str, Unit]:
    """Team 1 is installed already; the file places it and creates everything else."""
    await Directory(session_factory).install_team(TEAM_1, "Hjemmeplejen Nord", "t", "http://s/")
    report = await load(session_factory, write(tmp_path, "org.yaml", ORG_YAML))
    assert sorted(report.created) == sorted(
        ["Aarhus Kommune", "Ældreområdet", "Hjemmeplejen Syd", "Børn og Unge", "Dagtilbud Vest"]
    )
    assert report.updated == 1 and report.moved == 1 and report.leaders_changed == 3
    return await by_name(session_factory)


async def test_yaml_import_builds_the_tree_and_export_reimports_as_no_change(
    session_factory: SessionFactory, org: dict[str, Unit], tmp_path: Path
) -> None:
    assert org["Hjemmeplejen Nord"].parent_id == org["Ældreområdet"].id
    assert org["Ældreområdet"].parent_id == org["Aarhus Kommune"].id
    assert org["Aarhus Kommune"].parent_id is None
    assert org["Dagtilbud Vest"].teams_team_id == TEAM_3 and not org["Dagtilbud Vest"].bot_installed
    exported = await export_hierarchy(session_factory)
    entries = yaml.safe_load(exported)["units"]
    assert [e["name"] for e in entries][:3] == ["Aarhus Kommune", "Børn og Unge", "Dagtilbud Vest"]
    assert entries[0] == {
        "key": "Aarhus Kommune",
        "name": "Aarhus Kommune",
        "parent": None,
        "leaders": ["aad-director"],
    }
    before = await snapshot(session_factory)
    report = await load(session_factory, write(tmp_path, "again.yaml", exported))
    assert (report.created, report.moved, report.renamed, report.leaders_changed) == ([], 0, 0, 0)
    after = await snapshot(session_factory)
    assert {n: rows for n, rows in after.items() if n != "units"} == {
        n: rows for n, rows in before.items() if n != "units"
    }


async def test_installing_a_team_keeps_the_place_the_file_gave_it(
    session_factory: SessionFactory, org: dict[str, Unit]
) -> None:
    unit = await Directory(session_factory).install_team(TEAM_3, "Dagtilbud Vest", "t", "http://s/")
    assert unit.id == org["Dagtilbud Vest"].id and unit.parent_id == org["Børn og Unge"].id


async def test_csv_import_semicolons_bom_and_leader_columns(
    session_factory: SessionFactory, org: dict[str, Unit], tmp_path: Path
) -> None:
    centre = org["Ældreområdet"].id
    csv = (
        "\ufeffkey;name;parent;leaders\n"
        f"{centre};Ældre og Sundhed;Aarhus Kommune;aad-a aad-b\n"
        "Hjemmeplejen Nord;Hjemmeplejen Nord;Børn og Unge;\n"
    )
    report = await load(session_factory, write(tmp_path, "org.csv", csv))
    assert (report.renamed, report.moved, report.leaders_changed) == (1, 1, 2)
    units = await by_name(session_factory)
    assert units["Hjemmeplejen Nord"].parent_id == org["Børn og Unge"].id
    hierarchy = Hierarchy(session_factory)
    assert [p.aad_object_id for p in (await hierarchy.details(centre)).leaders] == [
        "aad-a",
        "aad-b",
    ]
    assert (await hierarchy.details(org["Hjemmeplejen Nord"].id)).leaders == []
    # Without a leaders column the leaders stay as they are.
    await load(session_factory, write(tmp_path, "plain.csv", f"key,name\n{centre},Ældreområdet\n"))
    assert len((await hierarchy.details(centre)).leaders) == 2


BAD_FILES = [
    # (file name, content, expected fragments of the first problem)
    (
        "unknown.yaml",
        "units:\n  - key: A\n    name: A\n    parent: Nowhere\n",
        ["line 2", "parent", "Nowhere"],
    ),
    (
        "cycle.yaml",
        "- {key: A, name: A, parent: B}\n- {key: B, name: B, parent: A}\n",
        ["line 1", "parent", "cycle", "A → B → A"],
    ),
    ("self.yaml", "- {key: A, name: A, parent: A}\n", ["line 1", "cycle"]),
    (
        "cycle-db.yaml",
        "- {key: Aarhus Kommune, name: Aarhus Kommune, parent: Hjemmeplejen Nord}\n",
        ["line 1", "cycle"],
    ),
    (
        "duplicate.yaml",
        "- {key: A, name: A}\n- {key: B, name: B}\n- {key: A, name: A}\n",
        ["line 3", "key", "twice", "line 1"],
    ),
    (
        "missing.yaml",
        "units:\n  - key: A\n  - key: B\n    name: B\n",
        ["line 2", "'name' is missing"],
    ),
    ("leader.yaml", "- {key: A, name: A, leaders: ['two words']}\n", ["line 1", "leaders"]),
    ("unknown.csv", "key,name,parent\nA,A,\nB,B,Nowhere\n", ["line 3", "parent", "Nowhere"]),
    ("cycle.csv", "key,name,parent\nA,A,B\nB,B,A\n", ["line 2", "cycle"]),
    ("duplicate.csv", "key,name\nA,A\nA,A\n", ["line 3", "key", "twice"]),
    ("missing.csv", "key,name,parent\nA,,\n", ["line 2", "'name' is missing"]),
    ("header.csv", "key,parent\nA,\n", ["line 1", "'name' is missing"]),
    ("newname.csv", "key,name\nA,Not A\n", ["line 2", "name", "same"]),
    ("badid.csv", f"key,name\n{'ab' * 16},X\n", ["line 2", "no unit has the id"]),
    ("syntax.yaml", "units:\n  - {key: A\n", ["line 3", "not valid YAML"]),
    ("empty.yaml", "", ["line 1"]),
    ("wrong.txt", "key,name\nA,A\n", ["expected a .yaml"]),
]


@pytest.mark.parametrize(("name", "text", "expected"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
async def test_bad_files_name_line_and_field_and_change_nothing(
    session_factory: SessionFactory,
    org: dict[str, Unit],
    tmp_path: Path,
    name: str,
    text: str,
    expected: list[str],
) -> None:
    before = await snapshot(session_factory)
    with pytest.raises(InvalidHierarchy) as raised:
        await load(session_factory, write(tmp_path, name, text))
    first = raised.value.problems[0]
    for fragment in expected:
        assert fragment in first, first
    assert await snapshot(session_factory) == before


async def test_a_good_entry_before_a_bad_one_is_not_imported(
    session_factory: SessionFactory, org: dict[str, Unit], tmp_path: Path
) -> None:
    before = await snapshot(session_factory)
    text = "key,name,parent,leaders\nNy enhed,Ny enhed,Aarhus Kommune,aad-x\nB,B,Nowhere,\n"
    with pytest.raises(InvalidHierarchy):
        await load(session_factory, write(tmp_path, "half.csv", text))
    assert await snapshot(session_factory) == before


async def test_a_name_two_units_share_must_be_an_id(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    directory = Directory(session_factory)
    await directory.install_team(TEAM_1, "Køkkenet", "t", "http://s/")
    await directory.install_team(TEAM_2, "Køkkenet", "t", "http://s/")
    with pytest.raises(InvalidHierarchy, match="2 units are called 'Køkkenet'"):
        await load(session_factory, write(tmp_path, "a.csv", "key,name\nKøkkenet,Køkkenet\n"))
    exported = yaml.safe_load(await export_hierarchy(session_factory))["units"]
    assert sorted(e["key"] for e in exported) == sorted([TEAM_1, TEAM_2])


async def test_units_visible_to_leader_hr_and_employee(
    session_factory: SessionFactory, org: dict[str, Unit]
) -> None:
    hierarchy = Hierarchy(session_factory)
    centre = await hierarchy.units_visible_to("aad-centre", is_hr=False)
    assert [u.name for u in centre] == ["Ældreområdet", "Hjemmeplejen Nord", "Hjemmeplejen Syd"]
    team = await hierarchy.units_visible_to("aad-team1", is_hr=False)
    assert [u.name for u in team] == ["Hjemmeplejen Nord"]
    everything = await hierarchy.units_visible_to("aad-director", is_hr=False)
    assert len(everything) == 6 and everything[0].name == "Aarhus Kommune"
    assert await hierarchy.units_visible_to("aad-nobody", is_hr=False) == []
    assert await hierarchy.units_visible_to(None, is_hr=False) == []
    hr = await hierarchy.units_visible_to("aad-nobody", is_hr=True)
    assert {u.name for u in hr} == set(org)
    assert await hierarchy.subtree(org["Børn og Unge"].id) == [
        org["Børn og Unge"].id,
        org["Dagtilbud Vest"].id,
    ]
    assert await hierarchy.subtree("no-such-unit") == []


async def test_a_cycle_in_the_database_cannot_make_a_reader_loop(
    session_factory: SessionFactory, org: dict[str, Unit]
) -> None:
    top, centre = org["Aarhus Kommune"].id, org["Ældreområdet"].id
    async with (
        session_factory.begin() as session
    ):  # bypassing every check, as a broken import might
        await session.execute(update(Unit).where(Unit.id == top).values(parent_id=centre))
    hierarchy = Hierarchy(session_factory)
    seen = await hierarchy.units_visible_to("aad-centre", is_hr=False)
    assert len(seen) == 6 and len({u.id for u in seen}) == 6
    assert len(await hierarchy.units_visible_to(None, is_hr=True)) == 6
    assert len(await hierarchy.outline()) == 6
    assert set(await hierarchy.subtree(top)) == {u.id for u in org.values()}


async def test_single_changes_are_checked_and_all_or_nothing(
    session_factory: SessionFactory, org: dict[str, Unit]
) -> None:
    hierarchy = Hierarchy(session_factory)
    team, centre, top = (org[n].id for n in ("Hjemmeplejen Nord", "Ældreområdet", "Aarhus Kommune"))
    before = await snapshot(session_factory)
    with pytest.raises(HierarchyCycle):
        await hierarchy.set_parent(centre, team)
    with pytest.raises(HierarchyCycle):
        await hierarchy.set_parent(centre, centre)
    with pytest.raises(UnitNotFound):
        await hierarchy.set_parent(team, "no-such-unit")
    with pytest.raises(InvalidLeader):
        await hierarchy.apply_change(team, parent_id=top, add=["aad-ok", "not ok"])
    assert await snapshot(session_factory) == before

    moved = await hierarchy.set_parent(team, top)
    assert moved.moved and moved.new_parent and moved.new_parent.name == "Aarhus Kommune"
    assert not (await hierarchy.set_parent(team, top)).changed
    added = await hierarchy.add_leader(team, "aad-new")
    assert [p.aad_object_id for p in added.added] == ["aad-new"]
    assert not (await hierarchy.add_leader(team, "aad-new")).changed
    removed = await hierarchy.remove_leader(team, "aad-team1")
    assert [p.aad_object_id for p in removed.removed] == ["aad-team1"]
    async with session_factory() as session:
        leaders = (
            await session.execute(
                select(RoleAssignment.aad_object_id).where(RoleAssignment.unit_id == team)
            )
        ).scalars()
        assert list(leaders) == ["aad-new"]
    assert (await hierarchy.set_parent(team, None)).new_parent is None
