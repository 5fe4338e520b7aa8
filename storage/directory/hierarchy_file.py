"""The hierarchy as a file HR keeps (YAML or CSV): checked whole first, then applied whole or not at all.

Each entry is a unit: `key` (a unit id, a Teams team id, or the name of a unit that is not a Teams
team, such as a department, a centre or the organisation), `name`, `parent` (another unit's key;
empty for the top) and optionally `leaders` (AAD object ids). Leaders given replace the unit's
leaders; an entry without `leaders` (or a CSV without the column) leaves them as they are.
Units not in the file keep their place.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db.engine import SessionFactory
from storage.directory.hierarchy import (
    AAD_OBJECT_ID,
    TEAMS_TEAM_ID,
    UNIT_ID,
    InvalidHierarchy,
    Tree,
    replace_leaders,
)
from storage.files.import_files import ImportFileError, read_import_file
from storage.files.safe_yaml import RefusedYaml, load_with_nodes
from storage.files.tabular import describe, read_csv
from storage.tables.directory import RoleAssignment, Unit, utcnow
from storage.values import Role

NEW = "new:"  # placeholder id of a unit the file creates, until it has a real one
EXPORT_HEADER = (
    "# Trivselsbot unit hierarchy. key: unit id, Teams team id, or the name of a unit that is\n"
    "# not a Teams team. parent: another unit's key (null at the top). leaders: AAD object ids.\n"
    "# Edit and load again with `trivselsbot units import FILE.yaml`.\n"
)


class UnitEntry(BaseModel):
    """One unit as the file describes it."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True, frozen=True
    )

    key: str = Field(min_length=1, max_length=200)
    name: str = Field(min_length=1, max_length=200)
    parent: str | None = Field(default=None, max_length=200)
    leaders: list[str] | None = None

    @field_validator("parent", mode="before")
    @classmethod
    def _blank_is_top(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("leaders", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return (
            [part for part in re.split(r"[;,\s]+", value) if part]
            if isinstance(value, str)
            else value
        )

    @field_validator("leaders")
    @classmethod
    def _aad_ids(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        for aad in value:
            if not AAD_OBJECT_ID.match(aad):
                raise ValueError(f"{aad!r} is not an AAD object id (one word, no spaces)")
        return list(dict.fromkeys(value))


@dataclass(frozen=True)
class Located:
    """An entry and where it stood in the file, for error messages."""

    where: str
    entry: UnitEntry


class ImportReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    created: list[str]
    updated: int
    moved: int
    renamed: int
    leaders_changed: int


def parse_yaml(text: str) -> list[Located]:
    """`units:` followed by a list (or just the list) of entries."""
    try:
        data, root = load_with_nodes(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or "syntax error"
        line = mark.line + 1 if mark else 1
        kind = "refused" if isinstance(error, RefusedYaml) else "not valid YAML"
        raise InvalidHierarchy(f"line {line}: {kind}: {problem}") from None
    node = root
    if isinstance(data, dict) and set(data) == {"units"} and isinstance(root, yaml.MappingNode):
        node = next(value for key, value in root.value if key.value == "units")
        data = data["units"]
    if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode) or not data:
        raise InvalidHierarchy("line 1: expected `units:` followed by a list of units")
    entries: list[Located] = []
    problems: list[str] = []
    for index, (item, item_node) in enumerate(zip(data, node.value, strict=True), start=1):
        where = f"line {item_node.start_mark.line + 1} (unit {index})"
        if not isinstance(item, dict):
            problems.append(f"{where}: expected a unit with key, name, parent and leaders")
            continue
        try:
            entries.append(Located(where, UnitEntry.model_validate(item)))
        except ValidationError as error:
            problems.extend(describe(where, error))
    if problems:
        raise InvalidHierarchy(problems)
    return entries


def parse_csv(text: str) -> list[Located]:
    """Columns key, name, parent, leaders (AAD ids separated by spaces or semicolons)."""
    rows, header, problems = read_csv(
        text, required=("key", "name"), optional=("parent", "leaders")
    )
    entries: list[Located] = []
    for line, cells in rows:
        data: dict[str, Any] = dict(cells)
        if "leaders" in header:
            data.setdefault("leaders", [])  # the column is there: an empty cell means no leaders
        try:
            entries.append(Located(f"line {line}", UnitEntry.model_validate(data)))
        except ValidationError as error:
            problems.extend(describe(f"line {line}", error))
    if problems:
        raise InvalidHierarchy(problems)
    if not entries:
        raise InvalidHierarchy("line 2: the file holds no units")
    return entries


def parse_file(path: Path) -> list[Located]:
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".csv"):
        raise InvalidHierarchy("expected a .yaml, .yml or .csv file")
    try:
        text = read_import_file(path, encoding="utf-8-sig")
    except ImportFileError as error:
        raise InvalidHierarchy(str(error)) from None
    return parse_csv(text) if suffix == ".csv" else parse_yaml(text)


class _Plan:
    """Resolves keys and parents against the database and the file, collecting every problem."""

    def __init__(self, tree: Tree, entries: Sequence[Located]) -> None:
        self.tree = tree
        self.entries = entries
        self.by_team = {u.teams_team_id: u.id for u in tree.units.values() if u.teams_team_id}
        self.by_name: dict[str, list[str]] = defaultdict(list)
        for unit in tree.units.values():
            self.by_name[unit.name].append(unit.id)
        self.targets: dict[str, str] = {}  # file key → unit id (or NEW + key)
        self.parents: dict[str, str | None] = {}  # unit id → parent id, for the file's units
        self.problems: list[tuple[int, str]] = []

    def lookup(self, key: str) -> tuple[str | None, str | None]:
        if key in self.tree.units:
            return key, None
        if key in self.by_team:
            return self.by_team[key], None
        named = self.by_name.get(key, [])
        if len(named) > 1:
            return None, f"{len(named)} units are called {key!r}: use the unit id or Teams team id"
        return (named[0], None) if named else (None, None)

    def resolve_keys(self) -> None:
        seen: dict[str, str] = {}
        claimed: dict[str, str] = {}
        for index, located in enumerate(self.entries):
            entry, where = located.entry, located.where
            if entry.key in seen:
                self._problem(
                    index,
                    f"{where}: field 'key': {entry.key!r} appears twice (first at {seen[entry.key]})",
                )
                continue
            seen[entry.key] = where
            unit_id, problem = self.lookup(entry.key)
            if problem:
                self._problem(index, f"{where}: field 'key': {problem}")
                continue
            if unit_id is None:
                if UNIT_ID.match(entry.key):
                    self._problem(index, f"{where}: field 'key': no unit has the id {entry.key!r}")
                    continue
                if not TEAMS_TEAM_ID.match(entry.key) and entry.name != entry.key:
                    self._problem(
                        index,
                        f"{where}: field 'name': a new unit is known by its name, so key and name "
                        f"must be the same ({entry.key!r}, {entry.name!r})",
                    )
                    continue
                unit_id = NEW + entry.key
            elif unit_id in claimed:
                self._problem(index, f"{where}: field 'key': the same unit as {claimed[unit_id]}")
                continue
            claimed[unit_id] = where
            self.targets[entry.key] = unit_id

    def resolve_parents(self) -> None:
        for index, located in enumerate(self.entries):
            entry, where = located.entry, located.where
            unit_id = self.targets.get(entry.key)
            if unit_id is None or unit_id in self.parents:
                continue
            if entry.parent is None:
                self.parents[unit_id] = None
                continue
            parent_id = self.targets.get(entry.parent)
            if parent_id is None:
                parent_id, problem = self.lookup(entry.parent)
                if problem or parent_id is None:
                    self._problem(
                        index,
                        f"{where}: field 'parent': "
                        + (
                            problem or f"unknown unit {entry.parent!r} (not in the file or the bot)"
                        ),
                    )
                    continue
            self.parents[unit_id] = parent_id

    def check_cycles(self) -> None:
        final = {uid: unit.parent_id for uid, unit in self.tree.units.items()}
        final.update(self.parents)
        labels = {uid: unit.name for uid, unit in self.tree.units.items()}
        labels.update({self.targets[loc.entry.key]: loc.entry.name for loc in self._resolved()})
        reported: set[frozenset[str]] = set()
        for index, located in enumerate(self.entries):
            unit_id = self.targets.get(located.entry.key)
            if unit_id is None or unit_id not in self.parents:
                continue
            path = [unit_id]
            current = final.get(unit_id)
            while current is not None and current not in path:
                path.append(current)
                current = final.get(current)
            if current == unit_id and frozenset(path) not in reported:
                reported.add(frozenset(path))
                names = " → ".join(labels.get(uid, uid) for uid in [*path, unit_id])
                self._problem(index, f"{located.where}: field 'parent': makes a cycle: {names}")

    def _resolved(self) -> list[Located]:
        return [loc for loc in self.entries if loc.entry.key in self.targets]

    def _problem(self, index: int, message: str) -> None:
        self.problems.append((index, message))

    def raise_problems(self) -> None:
        if self.problems:
            ordered = [message for _, message in sorted(self.problems, key=lambda p: p[0])]
            raise InvalidHierarchy(ordered)


async def import_entries(session: AsyncSession, entries: Sequence[Located]) -> ImportReport:
    """Apply a parsed file inside the caller's transaction; raises before writing anything."""
    plan = _Plan(await Tree.load(session), entries)
    plan.resolve_keys()
    plan.resolve_parents()
    plan.check_cycles()
    plan.raise_problems()
    units: dict[str, Unit] = dict(plan.tree.units)
    created = []
    for located in plan.entries:
        key = located.entry.key
        if plan.targets[key].startswith(NEW):
            team_id = key if TEAMS_TEAM_ID.match(key) else None
            unit = Unit(name=located.entry.name, teams_team_id=team_id, bot_installed=False)
            session.add(unit)
            units[plan.targets[key]] = unit
            created.append(located.entry.name)
    await session.flush()
    updated = moved = renamed = leaders_changed = 0
    for located in plan.entries:
        entry, unit_id = located.entry, plan.targets[located.entry.key]
        unit = units[unit_id]
        parent = plan.parents[unit_id]
        parent_id = units[parent].id if parent else None
        is_new = unit_id.startswith(NEW)
        if unit.parent_id != parent_id:
            moved += not is_new
            unit.parent_id = parent_id
            unit.updated_at = utcnow()
        if unit.name != entry.name:
            renamed += 1
            unit.name = entry.name
            unit.updated_at = utcnow()
        if entry.leaders is not None and await replace_leaders(session, unit.id, entry.leaders):
            leaders_changed += 1
        updated += not is_new
    return ImportReport(
        created=created,
        updated=updated,
        moved=moved,
        renamed=renamed,
        leaders_changed=leaders_changed,
    )


async def import_hierarchy(factory: SessionFactory, entries: Sequence[Located]) -> ImportReport:
    """All or nothing, in one transaction."""
    async with factory.begin() as session:
        return await import_entries(session, entries)


async def export_entries(session: AsyncSession) -> list[UnitEntry]:
    """The whole hierarchy in tree order, keyed so that importing it again changes nothing."""
    tree = await Tree.load(session)
    rows = await session.execute(
        select(RoleAssignment.unit_id, RoleAssignment.aad_object_id).where(
            RoleAssignment.role == Role.LEADER.value
        )
    )
    leaders: dict[str, list[str]] = defaultdict(list)
    for unit_id, aad in rows.all():
        leaders[unit_id].append(aad)
    names: dict[str, int] = defaultdict(int)
    for unit in tree.units.values():
        names[unit.name] += 1
    team_ids = {u.teams_team_id for u in tree.units.values() if u.teams_team_id}

    def key_of(unit: Unit) -> str:
        if unit.teams_team_id:
            return unit.teams_team_id
        name = unit.name
        plain = not (UNIT_ID.match(name) or TEAMS_TEAM_ID.match(name) or name != name.strip())
        if plain and names[name] == 1 and name not in tree.units and name not in team_ids:
            return name
        return unit.id

    entries = []
    for unit_id, _depth in tree.ordered():
        unit = tree.units[unit_id]
        parent = tree.units.get(unit.parent_id) if unit.parent_id else None
        entries.append(
            UnitEntry(
                key=key_of(unit),
                name=unit.name,
                parent=key_of(parent) if parent else None,
                leaders=sorted(leaders.get(unit_id, [])),
            )
        )
    return entries


def dump_yaml(entries: Sequence[UnitEntry]) -> str:
    units = [entry.model_dump() for entry in entries]
    body: str = yaml.safe_dump({"units": units}, allow_unicode=True, sort_keys=False, width=100)
    return EXPORT_HEADER + body


async def export_hierarchy(factory: SessionFactory) -> str:
    async with factory() as session:
        return dump_yaml(await export_entries(session))
