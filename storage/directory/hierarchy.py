"""The unit hierarchy (team → department/centre → organisation), its leaders, and who sees which units.

A leader sees the units they lead and everything below them; HR sees everything; everyone else
sees no unit results. Every walk over the tree keeps a visited set, so even a cycle that got into
the database some other way cannot make a reader loop.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db.engine import SessionFactory
from storage.errors import DomainError, UnitNotFound
from storage.tables.directory import Membership, Recipient, RoleAssignment, Unit, utcnow
from storage.values import Role, UnitInfo

TEAMS_TEAM_ID = re.compile(r"^19:\S+@thread\.\S+$", re.IGNORECASE)
UNIT_ID = re.compile(r"^[0-9a-f]{32}$")
AAD_OBJECT_ID = re.compile(r"^[^\s,;]{1,100}$")


class InvalidHierarchy(DomainError):
    """A change or an import that would break the hierarchy; `problems` says where and why."""

    code = "invalid_hierarchy"

    def __init__(self, problems: str | Sequence[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


class HierarchyCycle(InvalidHierarchy):
    code = "hierarchy_cycle"


class AmbiguousUnit(DomainError):
    """A name that several units share: the unit id (or Teams id) must be used instead."""

    code = "ambiguous_unit"


class InvalidLeader(DomainError):
    """Not something an AAD object id can be."""

    code = "invalid_leader"


class PersonRef(BaseModel):
    """Someone by AAD object id, with their name when the directory knows them."""

    model_config = ConfigDict(frozen=True)

    aad_object_id: str
    name: str | None = None


class UnitNode(BaseModel):
    """A unit with its depth in the tree, for outlines and pickers."""

    model_config = ConfigDict(frozen=True)

    unit: UnitInfo
    depth: int


class UnitDetails(BaseModel):
    """What HR needs to change one unit: where it sits, who leads it, who is in it."""

    model_config = ConfigDict(frozen=True)

    unit: UnitInfo
    parent: UnitInfo | None
    leaders: list[PersonRef]
    members: list[PersonRef]  # roster members that have an AAD object id


class ChangeReport(BaseModel):
    """What a single change actually changed (empty lists and None: nothing)."""

    model_config = ConfigDict(frozen=True)

    unit: UnitInfo
    new_parent: UnitInfo | None = None
    moved: bool = False
    added: list[PersonRef] = []
    removed: list[PersonRef] = []

    @property
    def changed(self) -> bool:
        return self.moved or bool(self.added) or bool(self.removed)


KEEP = object()  # apply_change: leave the parent as it is


def unit_info(unit: Unit) -> UnitInfo:
    return UnitInfo(
        id=unit.id, name=unit.name, teams_team_id=unit.teams_team_id, parent_id=unit.parent_id
    )


def check_aad_id(value: object) -> str:
    """An AAD object id as HR typed it: one token, no spaces, commas or semicolons."""
    text = value.strip() if isinstance(value, str) else ""
    if not AAD_OBJECT_ID.match(text):
        raise InvalidLeader("an AAD object id is one word without spaces, commas or semicolons")
    return text


@dataclass(frozen=True)
class Tree:
    """All units at once: the hierarchy is small (hundreds of units), walks happen in memory."""

    units: dict[str, Unit]

    @classmethod
    async def load(cls, session: AsyncSession) -> Tree:
        result = await session.execute(select(Unit))
        return cls({unit.id: unit for unit in result.scalars()})

    def children(self) -> dict[str, list[str]]:
        kids: dict[str, list[str]] = {unit_id: [] for unit_id in self.units}
        for unit in self.units.values():
            if unit.parent_id in kids and unit.parent_id != unit.id:
                kids[unit.parent_id].append(unit.id)
        for ids in kids.values():
            ids.sort(key=self._sort_key)
        return kids

    def _sort_key(self, unit_id: str) -> tuple[str, str]:
        return (self.units[unit_id].name.casefold(), unit_id)

    def below(self, roots: Iterable[str]) -> set[str]:
        """The roots and every unit under them (cycle-safe)."""
        kids = self.children()
        seen: set[str] = set()
        stack = [r for r in roots if r in self.units]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            stack.extend(kids[current])
        return seen

    def ordered(self) -> list[tuple[str, int]]:
        """Every unit once, parents before children, siblings by name; units in a cycle last."""
        kids = self.children()
        roots = [u.id for u in self.units.values() if u.parent_id not in self.units]
        seen: set[str] = set()
        order: list[tuple[str, int]] = []
        for start in [*sorted(roots, key=self._sort_key), *sorted(self.units, key=self._sort_key)]:
            stack = [(start, 0)]
            while stack:
                current, depth = stack.pop()
                if current in seen:
                    continue
                seen.add(current)
                order.append((current, depth))
                stack.extend((child, depth + 1) for child in reversed(kids[current]))
        return order


async def subtree(session: AsyncSession, unit_id: str) -> list[str]:
    """The unit and every unit below it, in tree order; empty for an unknown unit."""
    tree = await Tree.load(session)
    inside = tree.below([unit_id])
    return [uid for uid, _ in tree.ordered() if uid in inside]


async def led_unit_ids(session: AsyncSession, aad_object_id: str) -> list[str]:
    result = await session.execute(
        select(RoleAssignment.unit_id).where(
            RoleAssignment.aad_object_id == aad_object_id,
            RoleAssignment.role == Role.LEADER.value,
        )
    )
    return list(result.scalars())


async def units_visible_to(
    session: AsyncSession, aad_object_id: str | None, is_hr: bool
) -> list[UnitInfo]:
    """Units whose results this person may see: HR all, a leader theirs and below, others none."""
    if not is_hr and not aad_object_id:
        return []
    led = [] if is_hr or not aad_object_id else await led_unit_ids(session, aad_object_id)
    if not is_hr and not led:
        return []
    tree = await Tree.load(session)
    visible = set(tree.units) if is_hr else tree.below(led)
    return [unit_info(tree.units[uid]) for uid, _ in tree.ordered() if uid in visible]


async def resolve_unit(session: AsyncSession, key: str) -> Unit:
    """A unit by id, by Teams team id, or by name (when exactly one unit has that name)."""
    key = key.strip()
    unit = await session.get(Unit, key)
    if unit is not None:
        return unit
    by_team = await session.execute(select(Unit).where(Unit.teams_team_id == key))
    unit = by_team.scalar_one_or_none()
    if unit is not None:
        return unit
    named = list((await session.execute(select(Unit).where(Unit.name == key))).scalars())
    if len(named) > 1:
        raise AmbiguousUnit(f"{len(named)} units are called {key!r}: use the unit id")
    if not named:
        raise UnitNotFound(key)
    return named[0]


async def _people(session: AsyncSession, aad_ids: Iterable[str]) -> list[PersonRef]:
    ids = sorted(set(aad_ids))
    if not ids:
        return []
    rows = await session.execute(
        select(Recipient.aad_object_id, Recipient.name).where(Recipient.aad_object_id.in_(ids))
    )
    names = {aad: name for aad, name in rows.all() if aad}
    return [PersonRef(aad_object_id=aad, name=names.get(aad)) for aad in ids]


async def leaders_of(session: AsyncSession, unit_id: str) -> list[str]:
    result = await session.execute(
        select(RoleAssignment.aad_object_id).where(
            RoleAssignment.unit_id == unit_id, RoleAssignment.role == Role.LEADER.value
        )
    )
    return sorted(result.scalars())


async def replace_leaders(session: AsyncSession, unit_id: str, aad_ids: Iterable[str]) -> bool:
    """Make exactly these people the unit's leaders; True when that changed anything."""
    wanted = set(aad_ids)
    current = set(await leaders_of(session, unit_id))
    if wanted == current:
        return False
    gone = current - wanted
    if gone:
        await session.execute(
            delete(RoleAssignment).where(
                RoleAssignment.unit_id == unit_id,
                RoleAssignment.role == Role.LEADER.value,
                RoleAssignment.aad_object_id.in_(gone),
            )
        )
    for aad in sorted(wanted - current):
        session.add(RoleAssignment(unit_id=unit_id, aad_object_id=aad, role=Role.LEADER.value))
    return True


class Hierarchy:
    """Service over the hierarchy and leader assignments; each method is one transaction."""

    def __init__(self, factory: SessionFactory) -> None:
        self._factory = factory

    async def units_visible_to(self, aad_object_id: str | None, is_hr: bool) -> list[UnitInfo]:
        async with self._factory() as session:
            return await units_visible_to(session, aad_object_id, is_hr)

    async def subtree(self, unit_id: str) -> list[str]:
        async with self._factory() as session:
            return await subtree(session, unit_id)

    async def outline(self) -> list[UnitNode]:
        """Every unit in tree order with its depth."""
        async with self._factory() as session:
            tree = await Tree.load(session)
            return [
                UnitNode(unit=unit_info(tree.units[uid]), depth=depth)
                for uid, depth in tree.ordered()
            ]

    async def known_people(self, limit: int = 200) -> list[PersonRef]:
        """Leaders and people in the directory by AAD object id (dev mode's person picker)."""
        async with self._factory() as session:
            leaders = await session.execute(select(RoleAssignment.aad_object_id).distinct())
            people = await session.execute(
                select(Recipient.aad_object_id)
                .where(Recipient.aad_object_id.is_not(None))
                .order_by(Recipient.name)
                .limit(limit)
            )
            ids = {aad for aad in [*leaders.scalars(), *people.scalars()] if aad}
            return await _people(session, sorted(ids)[:limit])

    async def resolve(self, key: str) -> UnitInfo:
        async with self._factory() as session:
            return unit_info(await resolve_unit(session, key))

    async def details(self, unit_id: str) -> UnitDetails:
        async with self._factory() as session:
            unit = await session.get(Unit, unit_id)
            if unit is None:
                raise UnitNotFound(unit_id)
            parent = await session.get(Unit, unit.parent_id) if unit.parent_id else None
            members = await session.execute(
                select(Recipient.aad_object_id)
                .join(Membership, Membership.user_id == Recipient.user_id)
                .where(Membership.unit_id == unit_id, Recipient.aad_object_id.is_not(None))
            )
            people = await _people(session, (aad for aad in members.scalars() if aad))
            return UnitDetails(
                unit=unit_info(unit),
                parent=unit_info(parent) if parent else None,
                leaders=await _people(session, await leaders_of(session, unit_id)),
                members=sorted(people, key=lambda p: ((p.name or "").casefold(), p.aad_object_id)),
            )

    async def set_parent(self, unit_id: str, parent_id: str | None) -> ChangeReport:
        return await self.apply_change(unit_id, parent_id=parent_id)

    async def add_leader(self, unit_id: str, aad_object_id: str) -> ChangeReport:
        return await self.apply_change(unit_id, add=[aad_object_id])

    async def remove_leader(self, unit_id: str, aad_object_id: str) -> ChangeReport:
        return await self.apply_change(unit_id, remove=[aad_object_id])

    async def apply_change(
        self,
        unit_id: str,
        *,
        parent_id: str | None | object = KEEP,
        add: Sequence[str] = (),
        remove: Sequence[str] = (),
    ) -> ChangeReport:
        """One unit's parent and leaders, checked first and changed together or not at all."""
        to_add = [check_aad_id(aad) for aad in add]
        to_remove = [check_aad_id(aad) for aad in remove]
        async with self._factory.begin() as session:
            tree = await Tree.load(session)
            unit = tree.units.get(unit_id)
            if unit is None:
                raise UnitNotFound(unit_id)
            moved, new_parent = False, None
            if parent_id is not KEEP:
                new_parent = self._checked_parent(tree, unit, parent_id)
                moved = unit.parent_id != (new_parent.id if new_parent else None)
            current = set(await leaders_of(session, unit_id))
            wanted = (current | set(to_add)) - set(to_remove)
            if moved:
                unit.parent_id = new_parent.id if new_parent else None
                unit.updated_at = utcnow()
            await replace_leaders(session, unit_id, wanted)
            return ChangeReport(
                unit=unit_info(unit),
                new_parent=unit_info(new_parent) if new_parent else None,
                moved=moved,
                added=await _people(session, wanted - current),
                removed=await _people(session, current - wanted),
            )

    @staticmethod
    def _checked_parent(tree: Tree, unit: Unit, parent_id: object) -> Unit | None:
        if parent_id is None:
            return None
        parent = tree.units.get(parent_id) if isinstance(parent_id, str) else None
        if parent is None:
            raise UnitNotFound(f"parent {parent_id!r}")
        if parent.id in tree.below([unit.id]):
            raise HierarchyCycle(f"{parent.name!r} is {unit.name!r} itself or lies below it")
        return parent
