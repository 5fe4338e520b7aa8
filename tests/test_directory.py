"""The recipient directory and rosters, on real migrated SQLite and PostgreSQL databases."""

from __future__ import annotations

from sqlalchemy import select, update

from storage.db.engine import SessionFactory
from storage.directory.recipients import Directory
from storage.directory.roles import Roles
from storage.tables.directory import Conversation, Recipient
from storage.values import ConversationKind, Person, Role

TEAM = "19:team@thread.tacv2"


def person(n: int, **extra: str) -> Person:
    return Person(user_id=f"29:u{n}", aad_object_id=f"aad-{n}", name=f"P {n}", **extra)


async def test_personal_install_is_new_once(session_factory: SessionFactory) -> None:
    directory = Directory(session_factory)
    assert await directory.remember_personal_chat(person(1), "a:c1", '{"ref": 1}', "http://s/")
    assert not await directory.remember_personal_chat(person(1), "a:c1", '{"ref": 2}', "http://s/")
    assert await directory.personal_reference("29:u1") == '{"ref": 2}'
    await directory.forget_personal_chat("29:u1")
    assert await directory.personal_reference("29:u1") is None
    assert await directory.remember_personal_chat(person(1), "a:c1", '{"ref": 3}', "http://s/")


async def test_roster_sync_add_remove(session_factory: SessionFactory) -> None:
    directory = Directory(session_factory)
    unit = await directory.install_team(TEAM, "Team Nord", "t1", "http://s/")
    assert await directory.sync_roster(TEAM, [person(n) for n in range(1, 7)]) == 6
    assert [p.user_id for p in await directory.roster(TEAM)] == [f"29:u{n}" for n in range(1, 7)]
    await directory.add_members(TEAM, [person(7)])
    await directory.add_members(TEAM, [person(7)])  # idempotent
    await directory.remove_members(TEAM, ["29:u1", "29:u2"])
    assert {p.user_id for p in await directory.roster(TEAM)} == {f"29:u{n}" for n in range(3, 8)}
    # A full sync replaces, it does not append.
    assert await directory.sync_roster(TEAM, [person(3), person(3), person(4)]) == 2
    assert len(await directory.roster(TEAM)) == 2
    assert [u.id for u in await directory.units_of("29:u3")] == [unit.id]


async def test_roster_keeps_known_fields(session_factory: SessionFactory) -> None:
    directory = Directory(session_factory)
    await directory.install_team(TEAM, "Team", None, None)
    await directory.remember_personal_chat(person(1, locale="en-US"), "a:c1", "{}", None)
    await directory.sync_roster(TEAM, [Person(user_id="29:u1")])
    (member,) = await directory.roster(TEAM)
    assert member.aad_object_id == "aad-1" and member.locale == "en-US"


async def test_team_uninstall_keeps_unit_drops_roster(session_factory: SessionFactory) -> None:
    directory = Directory(session_factory)
    first = await directory.install_team(TEAM, "Team", None, None)
    await directory.remember_conversation(TEAM, ConversationKind.CHANNEL, "t", "{}", TEAM)
    await directory.sync_roster(TEAM, [person(1)])
    await directory.uninstall_team(TEAM)
    assert await directory.roster(TEAM) == []
    again = await directory.install_team(TEAM, "Team renamed", None, None)
    assert again.id == first.id and again.name == "Team renamed"
    assert await directory.remember_conversation(TEAM, ConversationKind.CHANNEL, "t", "{}", TEAM)


async def test_roles(session_factory: SessionFactory) -> None:
    directory = Directory(session_factory)
    unit = await directory.install_team(TEAM, "Team", None, None)
    roles = Roles(session_factory, hr_admins=["aad-hr"])
    assert await roles.roles_of("aad-1") == {Role.EMPLOYEE}
    assert await roles.roles_of(None) == {Role.EMPLOYEE}
    assert await roles.roles_of("aad-hr") == {Role.EMPLOYEE, Role.HR}
    await roles.assign_leader(unit.id, "aad-2")
    await roles.assign_leader(unit.id, "aad-2")
    assert await roles.roles_of("aad-2") == {Role.EMPLOYEE, Role.LEADER}
    assert await Roles(session_factory, [], demo_all_roles=True).roles_of("x") == set(Role)


async def test_chats_remembered_together_are_stored_as_one_at_a_time(
    session_factory: SessionFactory,
) -> None:
    """The outbox worker stores the 1:1 chats a push creates in one go: same rows as singly."""
    directory = Directory(session_factory)
    await directory.remember_personal_chat(person(1), "a:old", '{"ref": 0}', "http://s/")
    await directory.forget_personal_chat("29:u1")  # known, no longer installed
    chats = [
        (Person(user_id=f"29:u{n}", tenant_id="t1"), f"a:c{n}", f'{{"ref": {n}}}', "http://s2/")
        for n in (3, 1, 2)
    ]
    await directory.remember_personal_chats(chats)
    async with session_factory.begin() as session:  # a 403 MessageWritesBlocked meanwhile
        await session.execute(
            update(Recipient).where(Recipient.user_id == "29:u3").values(blocked=True)
        )
    await directory.remember_personal_chats(chats)  # again (stored late): the block stands
    for n in (1, 2):  # a blocked person's reference is not handed out
        assert await directory.personal_reference(f"29:u{n}") == f'{{"ref": {n}}}'
    async with session_factory() as session:
        people = {r.user_id: r for r in (await session.execute(select(Recipient))).scalars()}
        talks = {c.id: c for c in (await session.execute(select(Conversation))).scalars()}
    assert people["29:u1"].aad_object_id == "aad-1"  # what the batch does not know is kept
    assert all(people[f"29:u{n}"].app_installed for n in (1, 2, 3))
    assert [people[f"29:u{n}"].blocked for n in (1, 2, 3)] == [False, False, True]
    assert people["29:u3"].personal_reference == '{"ref": 3}'
    assert {people[f"29:u{n}"].service_url for n in (1, 2, 3)} == {"http://s2/"}
    assert {people[f"29:u{n}"].tenant_id for n in (1, 2, 3)} == {"t1"}
    assert all(
        talks[f"a:c{n}"].installed and talks[f"a:c{n}"].kind == "personal" for n in (1, 2, 3)
    )
    assert talks["a:c2"].reference == '{"ref": 2}' and talks["a:c2"].tenant_id == "t1"
