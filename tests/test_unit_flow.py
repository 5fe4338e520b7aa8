"""HR changes one unit in chat, over the real pipeline; everyone else is refused and nothing changes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.app import create_app
from storage.db.engine import SessionFactory
from storage.directory.hierarchy_file import import_hierarchy, parse_yaml
from storage.tables.directory import RoleAssignment, Unit
from tests.conftest import make_settings
from tests.support import activities as A
from tests.support.db_inspection import tables
from tests.support.mock_connector import MockConnector, Sent, teams_member

TEAM = "19:team-1@thread.tacv2"
HR = 99


@pytest.fixture
async def world(
    db_path: Path, connector: MockConnector, session_factory: SessionFactory
) -> AsyncIterator[TestClient]:
    """A team of six installed over HTTP, under no parent yet; a municipality with one centre."""
    connector.members[TEAM] = [teams_member(n) for n in range(1, 7)]
    settings = make_settings(db_path, BOT_HR_ADMINS=f"aad-{HR:04d}")
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
        await post(client, A.team_install(connector.url))
        await connector.wait_for(lambda s: s.conversation_id == TEAM)
        org = "- {key: Aarhus Kommune, name: Aarhus Kommune}\n"
        org += "- {key: Ældreområdet, name: Ældreområdet, parent: Aarhus Kommune}\n"
        await import_hierarchy(session_factory, parse_yaml(org))
        yield client


async def post(client: TestClient, activity: dict[str, Any]) -> None:
    response = await client.post("/api/messages", json=activity)
    assert response.status == 201, await response.text()


async def say(client: TestClient, connector: MockConnector, n: int, **kwargs: Any) -> Sent:
    """Send as person n and wait for the bot's answer in their chat."""
    before = len(connector.sent)
    await post(client, A.message(connector.url, n, **kwargs))

    async def answer() -> Sent:
        while True:
            for sent in connector.sent[before:]:
                if sent.conversation_id == f"a:personal-{n}":
                    return sent
            await asyncio.sleep(0.01)

    return await asyncio.wait_for(answer(), 5)


def structure(db_path: Path) -> dict[str, Any]:
    """What a unit change could touch (every turn also refreshes the directory and dialog state)."""
    everything = tables(db_path)
    return {
        name: everything[name]["rows"] for name in ("units", "role_assignments", "unit_members")
    }


def card(sent: Sent) -> dict[str, Any]:
    return sent.activity["attachments"][0]["content"]


def inputs(content: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in content["body"] if e["type"].startswith("Input.")}


async def units(factory: SessionFactory) -> dict[str, Unit]:
    async with factory() as session:
        return {u.name: u for u in (await session.execute(select(Unit))).scalars()}


async def test_hr_moves_a_team_and_adds_a_leader_from_its_roster(
    world: TestClient, connector: MockConnector, session_factory: SessionFactory, db_path: Path
) -> None:
    client = world
    menu = card(await say(client, connector, HR, text="enhed"))
    choices = inputs(menu)["unit"]["choices"]
    assert [c["title"] for c in choices] == [
        "Aarhus Kommune",
        "Aarhus Kommune › Ældreområdet",
        "Hjemmeplejen Nord",
    ]
    team_id = choices[2]["value"]
    pick = {**menu["actions"][0]["data"], "unit": team_id}
    edit = card(await say(client, connector, HR, value=pick))
    fields = inputs(edit)
    assert fields["parent"]["value"] == "top"
    assert [c["title"] for c in fields["leader_member"]["choices"]] == [
        f"Person {n}" for n in range(1, 7)
    ]
    assert "leader_remove" not in fields  # no leaders yet
    centre = next(
        c["value"] for c in fields["parent"]["choices"] if c["title"].endswith("Ældreområdet")
    )
    save = {
        **edit["actions"][0]["data"],
        "parent": centre,
        "leader_member": "aad-0003",
        "leader_aad": "",
    }
    reply = (await say(client, connector, HR, value=save)).activity["text"]
    assert "Hjemmeplejen Nord hører nu under Ældreområdet." in reply
    assert "Person 3 er nu leder for Hjemmeplejen Nord" in reply
    assert (await units(session_factory))["Hjemmeplejen Nord"].parent_id == centre

    # The card now shows the change, offers the leader for removal and cannot pick a cycle.
    edit = card(await say(client, connector, HR, value=pick))
    fields = inputs(edit)
    assert fields["parent"]["value"] == centre
    assert [c["title"] for c in fields["leader_remove"]["choices"]] == ["Person 3"]
    assert team_id not in {c["value"] for c in fields["parent"]["choices"]}
    again = {**save, "leader_member": "", "leader_remove": "aad-0003", "leader_aad": "aad-ny"}
    reply = (await say(client, connector, HR, value=again)).activity["text"]
    assert "Person 3 er ikke længere leder" in reply and "aad-ny (kender jeg ikke" in reply
    reply = (await say(client, connector, HR, value={**save, "leader_member": "aad-ny"})).activity
    assert reply["text"].startswith("Ingen ændringer")
    async with session_factory() as session:
        leaders = (await session.execute(select(RoleAssignment.aad_object_id))).scalars()
        assert list(leaders) == ["aad-ny"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"parent": "SELF"}, "kan ikke høre under sig selv"),
        ({"parent": "0" * 32}, "Den enhed kender jeg ikke"),
        ({"unit": "0" * 32}, "Den enhed kender jeg ikke"),
        ({"unit": None}, "Den enhed kender jeg ikke"),
        ({"leader_aad": "to ord"}, "ligner ikke et AAD-objekt-id"),
        ({"leader_aad": ["aad-1"]}, "ligner ikke et AAD-objekt-id"),
        ({"parent": {"x": 1}}, "Den enhed kender jeg ikke"),
    ],
)
async def test_bad_input_gets_a_clear_reply_and_changes_nothing(
    world: TestClient,
    connector: MockConnector,
    session_factory: SessionFactory,
    db_path: Path,
    change: dict[str, Any],
    expected: str,
) -> None:
    team_id = (await units(session_factory))["Hjemmeplejen Nord"].id
    value = {"action": "unit.save", "unit": team_id, "leader_member": "aad-0002", **change}
    if value.get("parent") == "SELF":
        value["parent"] = team_id
    before = structure(db_path)
    reply = await say(world, connector, HR, value=value)
    assert expected in reply.activity["text"] and "Intet er ændret" in reply.activity["text"]
    assert structure(db_path) == before


async def test_everyone_else_is_refused_in_their_language(
    world: TestClient, connector: MockConnector, session_factory: SessionFactory, db_path: Path
) -> None:
    team_id = (await units(session_factory))["Hjemmeplejen Nord"].id
    before = structure(db_path)
    english = await say(world, connector, 3, text="unit", locale="en-US")
    assert (
        english.activity["text"]
        == "Only HR can change units and leaders. If something needs fixing, please contact HR."
    )
    for value in (
        {"action": "unit.pick", "unit": team_id},
        {"action": "unit.save", "unit": team_id, "leader_aad": "aad-0003", "parent": "top"},
    ):
        reply = await say(world, connector, 3, value=value)
        assert reply.activity["text"].startswith("Det er kun HR, der kan ændre enheder")
        assert not reply.activity.get("attachments")
    assert structure(db_path) == before
    help_text = json.dumps(card(await say(world, connector, HR, text="hjælp")), ensure_ascii=False)
    assert "**enhed**" in help_text
    help_text = json.dumps(card(await say(world, connector, 3, text="hjælp")), ensure_ascii=False)
    assert "**enhed**" not in help_text
