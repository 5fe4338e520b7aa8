"""The recipient directory and team rosters: who the bot may message, and in which teams.

This is the only place that knows people by id. It records who can be *asked*; rule 9 of the
design forbids it from ever learning who answered or what.

Teams announces one installation in several activities at once (conversationUpdate and
installationUpdate), and with replicas they are served in parallel: rows are therefore created
with INSERT … ON CONFLICT DO NOTHING and then read under a row lock, and a team's roster is
rewritten under its unit's row lock. Get-then-add made the second of two such turns fail on a
duplicate key.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Connection, Table, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db.engine import SessionFactory, dialect_insert, insert_for
from storage.db.sqlite_thread import writer_thread_of
from storage.tables.directory import Conversation, Membership, Recipient, Unit, new_id, utcnow
from storage.values import ConversationKind, Person, UnitInfo


def _unit_info(unit: Unit) -> UnitInfo:
    return UnitInfo(
        id=unit.id, name=unit.name, teams_team_id=unit.teams_team_id, parent_id=unit.parent_id
    )


async def _upsert_person(session: AsyncSession, person: Person) -> Recipient:
    """Insert or refresh a person; fields we do not learn this time are kept, not blanked."""
    await session.execute(
        insert_for(session)(Recipient)
        .values(user_id=person.user_id, app_installed=False, blocked=False, updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=["user_id"])
    )
    row = await session.get(Recipient, person.user_id, with_for_update=True, populate_existing=True)
    assert row is not None
    for field in ("aad_object_id", "name", "tenant_id", "locale"):
        value = getattr(person, field)
        if value:
            setattr(row, field, value)
    row.updated_at = utcnow()
    await session.flush()  # memberships reference this row; no ORM relationship orders them for us
    return row


async def _team_unit(session: AsyncSession, team_id: str, lock: bool = False) -> Unit | None:
    """The team's unit; `lock` queues roster changes of one team (PostgreSQL row lock)."""
    query = select(Unit).where(Unit.teams_team_id == team_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    result = await session.execute(query)
    return result.scalar_one_or_none()


class Directory:
    """Service over the directory tables; each method is one transaction."""

    def __init__(self, factory: SessionFactory) -> None:
        self._factory = factory
        self._writer = writer_thread_of(factory)

    async def remember_personal_chat(
        self, person: Person, conversation_id: str, reference_json: str, service_url: str | None
    ) -> bool:
        """Store the 1:1 conversation reference; returns True when the app was not installed before."""
        async with self._factory.begin() as session:
            return await self._remember_personal(
                session, person, conversation_id, reference_json, service_url
            )

    async def remember_personal_chats(
        self, chats: Sequence[tuple[Person, str, str, str | None]]
    ) -> None:
        """remember_personal_chat for many people at once, for the outbox worker's push: (person,
        conversation id, reference JSON, service URL) each. A push that creates 1:1 chats spent
        more on a transaction and four ORM round trips per person than on the rest of their
        message; here it is one transaction and three statements for all of them. Rows are
        written in key order, as everywhere a transaction locks several. Unlike a person's own
        install, this never clears `blocked`: the worker stores a group a moment after sending,
        and a 403 MessageWritesBlocked recorded meanwhile must stand."""
        if not chats:
            return
        if self._writer.available:
            await self._writer.run(_store_personal_chats, chats, utcnow())
            return
        async with self._factory.begin() as session:
            connection = await session.connection()
            await connection.run_sync(_store_personal_chats, chats, utcnow())

    async def _remember_personal(
        self,
        session: AsyncSession,
        person: Person,
        conversation_id: str,
        reference_json: str,
        service_url: str | None,
    ) -> bool:
        existing = await session.get(Recipient, person.user_id)
        if (
            existing is not None
            and existing.app_installed
            and not existing.blocked
            and existing.personal_conversation_id == conversation_id
            and existing.personal_reference == reference_json
            and (person.locale is None or existing.locale == person.locale)
        ):
            return False  # nothing new: no write, not even a timestamp
        row = await _upsert_person(session, person)
        newly_installed = not row.app_installed
        row.personal_conversation_id = conversation_id
        row.personal_reference = reference_json
        row.service_url = service_url or row.service_url
        row.app_installed = True
        row.blocked = False
        await self._upsert_conversation(
            session,
            conversation_id,
            ConversationKind.PERSONAL,
            person.tenant_id,
            reference_json,
            None,
        )
        return newly_installed

    async def forget_personal_chat(self, user_id: str) -> None:
        """The person removed the app: stop messaging them, keep no reference to their chat."""
        async with self._factory.begin() as session:
            row = await session.get(Recipient, user_id)
            if row is None:
                return
            if row.personal_conversation_id:
                await session.execute(
                    delete(Conversation).where(Conversation.id == row.personal_conversation_id)
                )
            row.app_installed = False
            row.personal_conversation_id = None
            row.personal_reference = None
            row.updated_at = utcnow()

    async def remember_conversation(
        self,
        conversation_id: str,
        kind: ConversationKind,
        tenant_id: str | None,
        reference_json: str,
        team_id: str | None = None,
    ) -> bool:
        """Store a group chat or channel reference; True when the bot was not installed there before."""
        async with self._factory.begin() as session:
            unit_id = None
            if team_id:
                unit = await _team_unit(session, team_id)
                unit_id = unit.id if unit else None
            return await self._upsert_conversation(
                session, conversation_id, kind, tenant_id, reference_json, unit_id
            )

    @staticmethod
    async def _upsert_conversation(
        session: AsyncSession,
        conversation_id: str,
        kind: ConversationKind,
        tenant_id: str | None,
        reference_json: str,
        unit_id: str | None,
    ) -> bool:
        await session.execute(
            insert_for(session)(Conversation)
            .values(
                id=conversation_id,
                kind=kind.value,
                reference=reference_json,
                installed=False,
                updated_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["id"])
        )
        row = await session.get(
            Conversation, conversation_id, with_for_update=True, populate_existing=True
        )
        assert row is not None
        newly_installed = not row.installed  # a new row is inserted as not yet installed
        row.tenant_id = tenant_id or row.tenant_id
        row.reference = reference_json
        row.unit_id = unit_id or row.unit_id
        row.installed = True
        row.updated_at = utcnow()
        return newly_installed

    async def forget_conversation(self, conversation_id: str) -> None:
        """The bot was removed from a group chat or channel."""
        async with self._factory.begin() as session:
            row = await session.get(Conversation, conversation_id)
            if row is not None:
                row.installed = False
                row.updated_at = utcnow()

    async def install_team(
        self, team_id: str, name: str | None, tenant_id: str | None, service_url: str | None
    ) -> UnitInfo:
        """A team installed the bot: it becomes (or again is) a unit."""
        async with self._factory.begin() as session:
            await session.execute(
                insert_for(session)(Unit)
                .values(
                    id=new_id(),
                    teams_team_id=team_id,
                    name=name or team_id,
                    bot_installed=False,
                    updated_at=utcnow(),
                )
                .on_conflict_do_nothing(index_elements=["teams_team_id"])
            )
            unit = await _team_unit(session, team_id, lock=True)
            assert unit is not None
            if name:
                unit.name = name
            unit.tenant_id = tenant_id or unit.tenant_id
            unit.service_url = service_url or unit.service_url
            unit.bot_installed = True
            unit.updated_at = utcnow()
            await session.flush()
            return _unit_info(unit)

    async def uninstall_team(self, team_id: str) -> None:
        """The team removed the bot: keep the unit (its history), drop the roster we can no longer use."""
        async with self._factory.begin() as session:
            unit = await _team_unit(session, team_id)
            if unit is None:
                return
            unit.bot_installed = False
            unit.updated_at = utcnow()
            await session.execute(delete(Membership).where(Membership.unit_id == unit.id))
            await session.execute(
                delete(Conversation).where(
                    Conversation.unit_id == unit.id, Conversation.kind == ConversationKind.CHANNEL
                )
            )

    async def rename_team(self, team_id: str, name: str) -> None:
        async with self._factory.begin() as session:
            unit = await _team_unit(session, team_id)
            if unit is not None and name:
                unit.name = name
                unit.updated_at = utcnow()

    async def sync_roster(self, team_id: str, members: Iterable[Person]) -> int:
        """Replace the team's roster with the full member list Teams gave us; returns its size."""
        async with self._factory.begin() as session:
            unit = await _team_unit(session, team_id, lock=True)
            if unit is None:
                raise LookupError(f"team {team_id!r} is not installed")
            await session.execute(delete(Membership).where(Membership.unit_id == unit.id))
            seen: set[str] = set()
            for person in sorted(members, key=lambda p: p.user_id):  # one lock order
                if person.user_id in seen:
                    continue
                seen.add(person.user_id)
                await _upsert_person(session, person)
                session.add(Membership(unit_id=unit.id, user_id=person.user_id))
            return len(seen)

    async def add_members(self, team_id: str, members: Iterable[Person]) -> None:
        """Members joined the team."""
        async with self._factory.begin() as session:
            unit = await _team_unit(session, team_id, lock=True)
            if unit is None:
                return
            for person in sorted(members, key=lambda p: p.user_id):  # one lock order
                await _upsert_person(session, person)
                if await session.get(Membership, (unit.id, person.user_id)) is None:
                    session.add(Membership(unit_id=unit.id, user_id=person.user_id))

    async def remove_members(self, team_id: str, user_ids: Iterable[str]) -> None:
        """Members left the team: they are no longer asked for its pulses."""
        ids = list(user_ids)
        async with self._factory.begin() as session:
            unit = await _team_unit(session, team_id, lock=True)
            if unit is None or not ids:
                return
            await session.execute(
                delete(Membership).where(Membership.unit_id == unit.id, Membership.user_id.in_(ids))
            )

    async def roster(self, team_id: str) -> list[Person]:
        """Current members of a team, sorted by name for stable display."""
        async with self._factory() as session:
            result = await session.execute(
                select(Recipient)
                .join(Membership, Membership.user_id == Recipient.user_id)
                .join(Unit, Unit.id == Membership.unit_id)
                .where(Unit.teams_team_id == team_id)
                .order_by(Recipient.name, Recipient.user_id)
            )
            return [
                Person(
                    user_id=row.user_id,
                    aad_object_id=row.aad_object_id,
                    name=row.name,
                    tenant_id=row.tenant_id,
                    locale=row.locale,
                )
                for row in result.scalars()
            ]

    async def units_of(self, user_id: str) -> list[UnitInfo]:
        """The units a person belongs to."""
        async with self._factory() as session:
            result = await session.execute(
                select(Unit)
                .join(Membership, Membership.unit_id == Unit.id)
                .where(Membership.user_id == user_id)
                .order_by(Unit.name)
            )
            return [_unit_info(unit) for unit in result.scalars()]

    async def installed_units(self) -> list[UnitInfo]:
        """Teams the bot is installed in, for HR to choose from."""
        async with self._factory() as session:
            result = await session.execute(
                select(Unit).where(Unit.bot_installed.is_(True)).order_by(Unit.name)
            )
            return [_unit_info(unit) for unit in result.scalars()]

    async def aad_object_id_of(self, user_id: str) -> str | None:
        """Who a recipient is to the role table (a leader's result card is rendered for them)."""
        async with self._factory() as session:
            row = await session.get(Recipient, user_id)
            return row.aad_object_id if row else None

    async def personal_reference(self, user_id: str) -> str | None:
        """The stored 1:1 conversation reference, for proactive messages."""
        async with self._factory() as session:
            row = await session.get(Recipient, user_id)
            return row.personal_reference if row and row.app_installed and not row.blocked else None


def _store_personal_chats(
    connection: Connection, chats: Sequence[tuple[Person, str, str, str | None]], now: datetime
) -> None:
    """Directory.remember_personal_chats' three statements, on whichever connection runs them."""
    ordered = sorted(chats, key=lambda chat: chat[0].user_id)
    recipients = cast(Table, Recipient.__table__)
    conversations = cast(Table, Conversation.__table__)
    insert = dialect_insert(connection.dialect.name)
    connection.execute(
        insert(recipients).on_conflict_do_nothing(index_elements=["user_id"]),
        [
            {
                "user_id": p.user_id,
                "app_installed": False,
                "blocked": False,
                "updated_at": now,
            }
            for p, _, _, _ in ordered
        ],
    )
    connection.execute(
        update(recipients)
        .where(recipients.c.user_id == bindparam("b_user"))
        .values(
            tenant_id=func.coalesce(bindparam("b_tenant"), recipients.c.tenant_id),
            personal_conversation_id=bindparam("b_conversation"),
            personal_reference=bindparam("b_reference"),
            service_url=func.coalesce(bindparam("b_service"), recipients.c.service_url),
            app_installed=True,
            updated_at=now,
        ),
        [
            {
                "b_user": p.user_id,
                "b_tenant": p.tenant_id or None,
                "b_conversation": conversation_id,
                "b_reference": reference_json,
                "b_service": service_url or None,
            }
            for p, conversation_id, reference_json, service_url in ordered
        ],
    )
    upsert = insert(conversations)
    connection.execute(
        upsert.on_conflict_do_update(
            index_elements=["id"],
            set_={
                "tenant_id": func.coalesce(upsert.excluded.tenant_id, conversations.c.tenant_id),
                "reference": upsert.excluded.reference,
                "installed": True,
                "updated_at": upsert.excluded.updated_at,
            },
        ),
        [
            {
                "id": conversation_id,
                "kind": ConversationKind.PERSONAL.value,
                "tenant_id": p.tenant_id or None,
                "reference": reference_json,
                "installed": True,
                "updated_at": now,
            }
            for p, conversation_id, reference_json, _ in sorted(chats, key=lambda chat: chat[1])
        ],
    )
