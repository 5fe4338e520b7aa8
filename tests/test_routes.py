"""The routing table checks who and where before any step runs, over the real pipeline.

Every route declares the roles it needs and the kinds of chat it is for (dialogs/access.py); the
router refuses everyone else with the route's own text, and a refused turn writes nothing. The
table is read, not the steps' source: a new route is checked here the day it is added, and a card
action without a forged payload below fails the first test.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.teams.router import Router
from dialogs.access import ANY_KIND, Route
from dialogs.commands import SYNONYMS, Command
from dialogs.i18n import LANGUAGES, t
from dialogs.turn import RolesNotLookedUp, Turn
from storage.db.engine import SessionFactory
from storage.directory.roles import Roles
from storage.values import ConversationKind, Person, Role
from tests.conftest import make_settings
from tests.support import activities as A
from tests.support.db_inspection import tables
from tests.support.mock_connector import MockConnector, Sent, teams_member

TEAM = "19:team-1@thread.tacv2"
GROUP = "19:group-1@thread.v2"
EMPLOYEE, HR_LEADER, LEADER, HR = 1, 97, 98, 99
ROLES_OF = {
    EMPLOYEE: frozenset({Role.EMPLOYEE}),
    HR_LEADER: frozenset(Role),
    LEADER: frozenset({Role.EMPLOYEE, Role.LEADER}),
    HR: frozenset({Role.EMPLOYEE, Role.HR}),
}
UNIT = "{unit}"  # replaced by the installed team's unit id
ROUND = "0" * 32
FORM = "ab" * 16

# For every card action: data as its card would send it, aimed at the real unit, so a step that
# ran would write (a round, a prompt, a publication, a leader, a plan line, a share).
FORGED: dict[str, dict[str, Any]] = {
    "help": {},
    "pulse.answer": {"round": ROUND, "q_trivsel": "5", "comment": "hej"},
    "pulse.start": {"unit": UNIT},
    "hr.menu": {},
    "prompt.form": {},
    "prompt.create": {
        "form": FORM,
        "theme": "digitale_muligheder",
        "state": "active",
        "text_da": "Hvad hjælper dig?",
        "text_en": "What helps you?",
    },
    "prompt.library": {},
    "publish.form": {},
    "template.set": {"unit": UNIT, "kind": "short_form"},
    "publish.submit": {"form": FORM, "content": "pulse", "units": UNIT, "when": "now"},
    "reflection.answer": {"round": ROUND, "rating": "4", "reflection": "godt"},
    "reflection.private": {"round": ROUND},
    "unit.pick": {"unit": UNIT},
    "unit.save": {"unit": UNIT, "parent": "top", "leader_aad": "aad-0001"},
    "summary.show": {"choice": f"round:{ROUND}"},
    "summary.action": {"unit": UNIT, "round": None, "action_text": "Kaffe om fredagen"},
    "plan.add": {"unit": UNIT, "plan_title": "Kaffe om fredagen"},
    "plan.update": {"id": ROUND, "plan_status": "done"},
    "summary.document": {"unit": UNIT, "period": "2026-10"},
    "share.preview": {"round": ROUND, "share_comments": "false"},
    "share.confirm": {"round": ROUND, "comments": False, "fingerprint": "f" * 64},
    "share.cancel": {},
    "summary": {},
}


def routes() -> list[tuple[str, Route, str | None]]:
    """Every route once per way in: (a name for the report, the route, the command word)."""
    router = Router()
    words = {command: word for word, command in reversed(list(SYNONYMS.items()))}
    words[Command.UNKNOWN] = "noget helt andet"
    found = [(f"command {c.value}", r, words.get(c)) for c, r in router.commands.items()]
    return found + [(f"action {a}", r, None) for a, r in router.actions.items()]


def test_every_route_declares_who_may_use_it_where_and_what_the_others_are_told() -> None:
    router = Router()
    assert set(router.actions) == set(FORGED), "a new card action needs a forged payload here"
    assert set(router.commands) == set(Command)
    for name, route, _word in routes():
        assert isinstance(route, Route), name
        for refusal in (route.who.refusal, route.where.refusal):
            if refusal is not None:
                for language in LANGUAGES:
                    assert t(language, refusal.text), name  # the text exists in both languages
        assert route.who.any_of <= frozenset(Role), name
        assert route.where.kinds and route.where.kinds <= ANY_KIND, name
        if route.who.any_of:
            assert Role.EMPLOYEE not in route.who.any_of, f"{name}: everyone is an employee"
    # Only a person's own answers skip the roles lookup, and only in their own chat.
    unseen = sorted(name for name, route, _ in routes() if not route.who.looked_up)
    assert unseen == ["action pulse.answer", "action reflection.answer"]
    for name, route, _ in routes():
        assert route.quiet == (not route.who.looked_up), name
        if not route.who.looked_up:
            assert route.where.kinds == {ConversationKind.PERSONAL}, name


def test_a_step_that_reads_roles_its_route_did_not_look_up_fails_loudly() -> None:
    """The replacement for grepping the steps' source: such a step cannot quietly see every
    person as a plain employee, it fails in the tests of its flow (test_pulse_flow and others)."""
    person = Person(user_id="29:user-1", aad_object_id="aad-0001")
    kwargs: dict[str, Any] = {
        "context": None,
        "person": person,
        "language": "da",
        "conversation_kind": ConversationKind.PERSONAL,
        "services": None,
    }
    with pytest.raises(RolesNotLookedUp):
        _ = Turn(looked_up_roles=None, **kwargs).roles
    assert Turn(looked_up_roles=frozenset({Role.HR}), **kwargs).roles == {Role.HR}


@pytest.fixture
async def world(
    db_path: Path, connector: MockConnector, session_factory: SessionFactory
) -> AsyncIterator[dict[str, Any]]:
    """A team installed over HTTP; 97 is HR and leads it, 98 leads it, 99 is HR, 1 is neither."""
    connector.members[TEAM] = [teams_member(n) for n in (EMPLOYEE, 2, 3, HR_LEADER, LEADER)]
    settings = make_settings(db_path, BOT_HR_ADMINS=f"aad-{HR_LEADER:04d},aad-{HR:04d}")
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
        await post(client, A.team_install(connector.url))
        await connector.wait_for(lambda s: s.conversation_id == TEAM)
        (unit_id,) = [row[0] for row in tables(db_path)["units"]["rows"]]
        roles = Roles(session_factory, [f"aad-{HR_LEADER:04d}", f"aad-{HR:04d}"])
        for leader in (HR_LEADER, LEADER):
            await roles.assign_leader(unit_id, f"aad-{leader:04d}")
        for n, expected in ROLES_OF.items():
            assert await roles.roles_of(f"aad-{n:04d}") == expected
            # Each has written to the bot once, so a typed command refreshes nothing new.
            await post(client, A.message(connector.url, n, text="mine data"))
        yield {"client": client, "unit": unit_id, "db": db_path, "connector": connector}


async def post(client: TestClient, activity: dict[str, Any]) -> None:
    response = await client.post("/api/messages", json=activity)
    assert response.status == 201, await response.text()


def forged(
    world: dict[str, Any], n: int, chat: ConversationKind, name: str, word: str | None
) -> dict[str, Any]:
    """The route's command word or card data, sent by person n from a chat of the given kind."""
    value = None
    if word is None:
        action = name.removeprefix("action ")
        data = {k: world["unit"] if v == UNIT else v for k, v in FORGED[action].items()}
        value = {"action": action, **data}
    activity = A.message(world["connector"].url, n, text=word, value=value)
    if chat is ConversationKind.GROUP_CHAT:
        activity["conversation"] = {"id": GROUP, "conversationType": "groupChat", "isGroup": True}
    elif chat is ConversationKind.CHANNEL:
        activity["conversation"] = A.team_channel(TEAM)
        activity["channelData"].update(A.team_data(TEAM))
    return activity


def conversation_of(activity: dict[str, Any]) -> str:
    return str(activity["conversation"]["id"])


def written(db_path: Path, typed: bool) -> dict[str, list[Any]]:
    """Every row of every table, but the outbox worker's lease (renewed on its own time) and, for
    a typed message, the conversation reference every typed message refreshes (bot/teams/handler.py:
    a card press refreshes nothing, so a forged card is checked against every table)."""
    refreshed = {"outbox_control"}
    if typed:
        refreshed |= {"conversations", "recipients", "units"}
    return {name: t["rows"] for name, t in tables(db_path).items() if name not in refreshed}


async def next_reply(connector: MockConnector, since: int, conversation: str) -> Sent:
    """The first activity sent to that conversation after the first `since` sends."""

    async def wait() -> Sent:
        while True:
            for sent in connector.sent[since:]:
                if sent.conversation_id == conversation:
                    return sent
            await asyncio.sleep(0.01)

    return await asyncio.wait_for(wait(), 5)


async def refused(world: dict[str, Any], activity: dict[str, Any]) -> Sent:
    """Post, wait for the one reply in that chat, and check the database did not change."""
    connector: MockConnector = world["connector"]
    typed = "value" not in activity
    before, sent_before = written(world["db"], typed), len(connector.sent)
    await post(world["client"], activity)
    reply = await next_reply(connector, sent_before, conversation_of(activity))
    await asyncio.sleep(0.05)  # anything else the turn would have sent or written
    assert [s for s in connector.sent[sent_before:] if s is not reply] == []
    assert written(world["db"], typed) == before
    return reply


async def test_a_route_that_needs_a_role_refuses_everyone_without_it(world) -> None:
    """Typed or forged as a card, in their own chat: the route's refusal, and nothing else."""
    checked = 0
    for name, route, word in routes():
        if not route.who.any_of:
            continue
        assert route.who.refusal is not None
        for n, roles in ROLES_OF.items():
            if route.who.any_of & roles:
                continue
            reply = await refused(world, forged(world, n, ConversationKind.PERSONAL, name, word))
            assert reply.activity.get("text") == t("da", route.who.refusal.text), (name, n)
            assert not reply.activity.get("attachments"), (name, n)
            checked += 1
    assert checked >= 40  # every HR route for 1 and 98, every leader route for 1 (and 99)


@pytest.mark.parametrize("chat", [ConversationKind.GROUP_CHAT, ConversationKind.CHANNEL])
async def test_a_route_for_the_personal_chat_refuses_every_other_chat(world, chat) -> None:
    """Forged from a group chat or the team's channel by someone with every role: refused there
    with the route's text, and nothing written (a form or an answered card is nobody else's)."""
    checked = 0
    for name, route, word in routes():
        if chat in route.where.kinds:
            continue
        assert route.where.refusal is not None
        reply = await refused(world, forged(world, HR_LEADER, chat, name, word))
        assert reply.activity.get("text") == t("da", route.where.refusal.text), name
        checked += 1
    assert checked >= 13  # the HR forms and menus, both answers, the MED document


async def test_a_route_that_needs_a_role_admits_a_person_with_it(world) -> None:
    """The other side: the same checks let the right person through (the step answers)."""
    connector: MockConnector = world["connector"]
    for n, text, expected in (
        (HR, "start puls", "Hjemmeplejen Nord"),
        (LEADER, "resumé", t("da", "summary.none")),
        (HR_LEADER, "hr", "HR-menu"),
    ):
        sent_before = len(connector.sent)
        await post(world["client"], A.message(connector.url, n, text=text))
        reply = await next_reply(connector, sent_before, f"a:personal-{n}")
        assert expected in str(reply.activity), (n, text)
