"""Who may do what: HR from configuration, leaders from role assignments, everyone is an employee."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select

from storage.db.engine import SessionFactory
from storage.tables.directory import RoleAssignment, Unit
from storage.values import Role, UnitInfo


class Roles:
    """Resolves a person's roles. HR administrators are configuration, never database rows."""

    def __init__(
        self, factory: SessionFactory, hr_admins: Collection[str], demo_all_roles: bool = False
    ) -> None:
        self._factory = factory
        self._hr_admins = frozenset(hr_admins)
        self._demo_all_roles = demo_all_roles

    async def roles_of(self, aad_object_id: str | None) -> frozenset[Role]:
        """Employee always; HR when configured; leader when assigned to at least one unit."""
        if self._demo_all_roles:
            return frozenset(Role)
        roles = {Role.EMPLOYEE}
        if aad_object_id and aad_object_id in self._hr_admins:
            roles.add(Role.HR)
        if aad_object_id and await self.led_units(aad_object_id):
            roles.add(Role.LEADER)
        return frozenset(roles)

    async def led_units(self, aad_object_id: str) -> list[UnitInfo]:
        """Units this person is assigned to lead (children are added by the summary issue)."""
        async with self._factory() as session:
            result = await session.execute(
                select(Unit)
                .join(RoleAssignment, RoleAssignment.unit_id == Unit.id)
                .where(
                    RoleAssignment.aad_object_id == aad_object_id,
                    RoleAssignment.role == Role.LEADER.value,
                )
                .order_by(Unit.name)
            )
            return [
                UnitInfo(id=u.id, name=u.name, teams_team_id=u.teams_team_id, parent_id=u.parent_id)
                for u in result.scalars()
            ]

    async def assign_leader(self, unit_id: str, aad_object_id: str) -> None:
        """Make someone leader of a unit (idempotent)."""
        async with self._factory.begin() as session:
            key = (unit_id, aad_object_id, Role.LEADER.value)
            if await session.get(RoleAssignment, key) is None:
                session.add(
                    RoleAssignment(
                        unit_id=unit_id, aad_object_id=aad_object_id, role=Role.LEADER.value
                    )
                )
