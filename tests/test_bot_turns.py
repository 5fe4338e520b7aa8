"""The real pipeline over HTTP: installation, rosters, help and error handling.

Activities are posted to /api/messages exactly as Teams posts them; the bot's replies and roster
reads go to a local mock of the Bot Connector API, where the test reads them.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from storage.db.engine import create_engine, create_session_factory
from storage.tables.directory import Conversation, Membership, Recipient, Unit
from tests.support import activities as A
from tests.support.mock_connector import MockConnector, Sent, teams_member

TEAM = "19:team-1@thread.tacv2"


async def post(client: TestClient, activity: dict[str, Any]) -> int:
    response = await client.post("/api/messages", json=activity)
    return response.status


def card_texts(sent: Sent) -> str:
    """All text a person would read in a sent activity: plain text and card text blocks."""
    parts = [sent.activity.get("text") or ""]
    for attachment in sent.activity.get("attachments") or []:
        parts.append(json.dumps(attachment.get("content"), ensure_ascii=False))
    return "\n".join(parts)


async def rows(db_path, model):
    engine = create_engine(f"sqlite+aiosqlite:///{db_path}")
    try:
        async with create_session_factory(engine)() as session:
            return list((await session.execute(select(model))).scalars())
    finally:
        await engine.dispose()


async def test_personal_install_welcomes_once_in_danish(
    client, connector: MockConnector, db_path
) -> None:
    assert await post(client, A.personal_install(connector.url, 1)) == 201
    welcome = await connector.wait_for(lambda s: s.conversation_id == "a:personal-1")
    text = card_texts(welcome)
    assert "Trivselsbot" in text and "anonyme" in text and "mindst 5" in text
    # Teams also sends installationUpdate for the same installation: no second welcome.
    again = A.personal_install(connector.url, 1)
    again.update(type="installationUpdate", action="add")
    again.pop("membersAdded")
    assert await post(client, again) == 201
    assert len(connector.activities(lambda s: s.conversation_id == "a:personal-1")) == 1
    (recipient,) = await rows(db_path, Recipient)
    assert recipient.app_installed and recipient.personal_conversation_id == "a:personal-1"
    assert json.loads(recipient.personal_reference)["conversation"]["id"] == "a:personal-1"


async def test_personal_install_in_english(client, connector: MockConnector) -> None:
    await post(client, A.personal_install(connector.url, 2, locale="en-US"))
    welcome = await connector.wait_for(lambda s: s.conversation_id == "a:personal-2")
    assert "Your answers are anonymous" in card_texts(welcome)


async def test_personal_uninstall_forgets_the_chat(
    client, connector: MockConnector, db_path
) -> None:
    await post(client, A.personal_install(connector.url, 1))
    await connector.wait_for(lambda s: True)
    assert await post(client, A.personal_uninstall(connector.url, 1)) == 201
    (recipient,) = await rows(db_path, Recipient)
    assert not recipient.app_installed and recipient.personal_reference is None
    assert [c for c in await rows(db_path, Conversation) if c.kind == "personal"] == []


async def test_team_install_reads_the_whole_roster_page_by_page(
    client, connector: MockConnector, db_path
) -> None:
    connector.members[TEAM] = [teams_member(n) for n in range(1, 1203)]
    assert await post(client, A.team_install(connector.url)) == 201
    welcome = await connector.wait_for(lambda s: s.conversation_id == TEAM)
    assert "Hej Hjemmeplejen Nord!" in card_texts(welcome)
    assert len(connector.page_size_seen) == 3  # 1202 members in pages of 500
    (unit,) = await rows(db_path, Unit)
    assert unit.teams_team_id == TEAM and unit.name == "Hjemmeplejen Nord" and unit.bot_installed
    assert len(await rows(db_path, Membership)) == 1202
    recipients = {r.user_id: r for r in await rows(db_path, Recipient)}
    assert recipients["29:user-7"].aad_object_id == "aad-0007"


async def test_roster_follows_members_added_and_removed(
    client, connector: MockConnector, db_path
) -> None:
    connector.members[TEAM] = [teams_member(n) for n in range(1, 7)]
    await post(client, A.team_install(connector.url))
    await connector.wait_for(lambda s: s.conversation_id == TEAM)
    assert await post(client, A.team_members_changed(connector.url, added=[7, 8])) == 201
    assert await post(client, A.team_members_changed(connector.url, removed=[1])) == 201
    members = {m.user_id for m in await rows(db_path, Membership)}
    assert members == {f"29:user-{n}" for n in range(2, 9)}
    # The bot itself is never a member of the roster, and nothing was posted for these events.
    assert len(connector.activities()) == 1
    assert await post(client, A.team_uninstall(connector.url)) == 201
    assert await rows(db_path, Membership) == []
    (unit,) = await rows(db_path, Unit)
    assert not unit.bot_installed


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("hjælp", "da-DK", "Det kan jeg hjælpe med"),
        ("Hjælp!", "da-DK", "mine data"),
        ("help", "en-US", "Here's what I can help with"),
        ("<at>Trivselsbot</at> help", "en-GB", "my data"),
        ("hvad er klokken?", "da-DK", "Det forstod jeg desværre ikke"),
        ("what time is it", "en-US", "Sorry, I didn't understand that"),
    ],
)
async def test_help_and_not_understood(
    client, connector: MockConnector, text: str, locale: str, expected: str
) -> None:
    assert await post(client, A.message(connector.url, 3, text, locale=locale)) == 201
    reply = await connector.wait_for(lambda s: s.conversation_id == "a:personal-3")
    assert expected in card_texts(reply)


async def test_help_button_and_unknown_action(client, connector: MockConnector) -> None:
    await post(client, A.message(connector.url, 4, value={"action": "help"}))
    first = await connector.wait_for(lambda s: s.conversation_id == "a:personal-4")
    assert "Det kan jeg hjælpe med" in card_texts(first)
    await post(client, A.message(connector.url, 4, value={"action": "drop table"}))
    second = await connector.wait_for(lambda s: "knap" in card_texts(s))
    assert "Den knap kender jeg ikke længere" in card_texts(second)


async def test_help_shows_only_the_persons_roles(client, connector: MockConnector) -> None:
    await post(client, A.message(connector.url, 5, "hjælp"))
    reply = card_texts(await connector.wait_for(lambda s: s.conversation_id == "a:personal-5"))
    assert "Som medarbejder" in reply
    assert "Som HR" not in reply


async def test_crash_in_bot_code_is_a_polite_reply(
    client, connector: MockConnector, monkeypatch, caplog
) -> None:
    from bot.teams.router import Router

    async def boom(self, turn):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(Router, "dispatch", boom)
    with caplog.at_level(logging.ERROR):
        status = await post(client, A.message(connector.url, 6, "hjælp"))
    assert status == 201
    reply = await connector.wait_for(lambda s: s.conversation_id == "a:personal-6")
    assert reply.activity["text"].startswith("Beklager, noget gik galt")
    assert "Traceback" not in reply.activity["text"] and "kaboom" not in reply.activity["text"]
    assert any(r.getMessage() == "turn.failed" for r in caplog.records)


async def test_logs_never_contain_message_text(client, connector: MockConnector, caplog) -> None:
    secret_text = "min leder er urimelig QZX-hemmelig"
    with caplog.at_level(logging.DEBUG):
        await post(client, A.message(connector.url, 7, secret_text))
        await post(client, A.message(connector.url, 7, value={"action": "help", "x": secret_text}))
        await connector.wait_for(lambda s: len(connector.sent) >= 2)
    assert caplog.records
    for record in caplog.records:
        assert "QZX-hemmelig" not in record.getMessage()
        assert "QZX-hemmelig" not in json.dumps(record.__dict__, default=str)


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({}, b'{"type": "message"}', 415),
        ({"Content-Type": "application/json"}, b"{not json", 400),
        ({"Content-Type": "application/json"}, b"[1, 2]", 400),
        ({"Content-Type": "application/json"}, b'{"text": "no type"}', 400),
    ],
)
async def test_malformed_requests_get_4xx(client, headers, body, status) -> None:
    response = await client.post("/api/messages", data=body, headers=headers)
    assert response.status == status


async def test_body_size_limit(client) -> None:
    huge = json.dumps({"type": "message", "text": "x" * 400_000})
    response = await client.post(
        "/api/messages", data=huge, headers={"Content-Type": "application/json"}
    )
    assert response.status == 413


async def test_healthz(client) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok", "database": "up"}
