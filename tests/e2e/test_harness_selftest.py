"""Self-test of the e2e harness against tests/e2e/sample_bot.py (API, WebSocket and Chromium)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.e2e.harness import (
    Playground,
    PlaygroundClient,
    PlaygroundPortError,
    RunningBot,
    free_port,
    has_text,
)

pytestmark = pytest.mark.e2e

Activity = dict[str, Any]


async def bot_activities(bot: RunningBot) -> list[Activity]:
    """What the sample bot received (its /_test/activities endpoint)."""
    async with aiohttp.ClientSession() as session:
        async with session.get(bot.base_url + "/_test/activities") as resp:
            return await resp.json()


async def wait_bot_activity(
    bot: RunningBot, predicate: Callable[[Activity], bool], timeout: float = 5.0
) -> Activity:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        seen = await bot_activities(bot)
        for activity in seen:
            if predicate(activity):
                return activity
        if asyncio.get_running_loop().time() > deadline:
            summary = [(a["type"], a.get("action"), a.get("text")) for a in seen[-10:]]
            raise TimeoutError(f"bot did not receive a matching activity; last: {summary}")
        await asyncio.sleep(0.05)


async def test_install_in_personal_chat_sends_welcome(pg: PlaygroundClient, e2e_bot: RunningBot):
    pg.mark()
    sent = await pg.install_personal()
    assert sent["type"] == "installationUpdate" and sent["action"] == "add"

    welcome = await pg.wait_for_text("Welcome to the sample bot (personal)")
    assert welcome.conversation_id == pg.config.personal_chat_id
    assert welcome.from_id == pg.config.bot_id
    got = await wait_bot_activity(e2e_bot, lambda a: a["id"] == sent["id"])
    assert got["conversation"] == {"id": "personal-chat-user-id-0", "conversationType": "personal"}
    assert got["channelData"]["tenant"]["id"] == pg.config.tenant_id


async def test_personal_message_is_echoed(pg: PlaygroundClient):
    pg.mark()
    sent = await pg.send_personal("hello e2e")
    assert sent["messageId"]
    echo = await pg.wait_for_text("Echo: hello e2e", conversation=pg.config.personal_chat_id)
    assert echo.action == "createMessage"


async def test_channel_and_group_messages_need_a_mention(pg: PlaygroundClient, e2e_bot: RunningBot):
    pg.mark()
    post = await pg.send_channel("ping channel")
    echo = await pg.wait_for_text("Echo: ping channel")
    assert echo.conversation_id == post["postConversationId"]  # the reply lands in the thread
    assert echo.root_conversation_id == pg.config.team_id
    await pg.reply_in_thread(post["postConversationId"], "pong thread")
    reply = await pg.wait_for_text("Echo: pong thread")
    assert reply.conversation_id == post["postConversationId"]

    await pg.send_group("ping group")
    await pg.wait_for_text("Echo: ping group", conversation=pg.config.group_chat_id)

    quiet = pg.mark()
    await pg.send_channel("nobody mentioned me", mention_bot=False)
    await pg.expect_silence(has_text("nobody mentioned me"), 0.7, since=quiet)
    assert not [a for a in await bot_activities(e2e_bot) if "nobody mentioned" in (a["text"] or "")]


async def test_card_submit_and_execute_via_api(pg: PlaygroundClient, e2e_bot: RunningBot):
    pg.mark()
    await pg.send_personal("card")
    card = await pg.wait_for(lambda e: e.card is not None and "Sample question" in e.card_texts)

    await pg.submit(
        pg.config.personal_chat_id, card.message_id, {"action": "sample_submit", "score": "5"}
    )
    updated = await pg.wait_for(
        lambda e: e.action == "updateMessage" and e.message_id == card.message_id
    )
    assert any("Thank you, submission" in t for t in updated.card_texts)
    got = await wait_bot_activity(e2e_bot, lambda a: a["replyToId"] == card.message_id)
    assert got["value"] == {"action": "sample_submit", "score": "5"}

    response = await pg.execute(
        pg.config.personal_chat_id, card.message_id, verb="sample_execute", data={"score": "2"}
    )
    assert response["value"]["body"][0]["text"] == "Thank you, execute received"
    invoke = await wait_bot_activity(e2e_bot, lambda a: a["type"] == "invoke")
    assert invoke["name"] == "adaptiveCard/action"
    assert invoke["value"]["action"]["verb"] == "sample_execute"


async def test_card_submit_in_chromium(pg: PlaygroundClient, e2e_bot: RunningBot, browser):
    """A person's view: the card renders, a choice is picked and Send clicked in Chromium; the
    submit reaches the bot with the values, and the bot's update_activity shows in the browser."""
    pg.mark()
    result = await browser(
        [
            {"action": "open"},  # opening a chat makes the UI install the app there
            {"action": "wait_text", "text": "Welcome to the sample bot (personal)"},
            {"action": "send", "text": "card"},
            {"action": "wait_text", "text": "Sample question"},
            {"action": "choose", "choice": "Good"},
            {"action": "choose", "choice": "High"},
            {"action": "fill", "field": "Optional comment", "value": "fine"},
            {"action": "screenshot", "path": "card.png"},
            {"action": "click", "text": "Send answer"},
            {"action": "wait_text", "text": "Thank you, submission"},
            {"action": "wait_gone", "text": "Sample question"},
            {"action": "screenshot", "path": "card-updated.png"},
            {"action": "cards", "name": "cards"},
        ]
    )
    shot = Path(result["steps"][7]["result"]["path"])
    assert await asyncio.to_thread(lambda: shot.stat().st_size) > 10_000
    assert any(c.startswith("Thank you, submission") for c in result["results"]["cards"])

    card = await pg.wait_for(lambda e: e.card is not None and "Sample question" in e.card_texts)
    submitted = await wait_bot_activity(e2e_bot, lambda a: a["replyToId"] == card.message_id)
    assert submitted["value"] == {
        "action": "sample_submit",
        "score": "4",
        "spirit": "high",
        "comment": "fine",
    }
    await pg.wait_for(lambda e: e.action == "updateMessage" and e.message_id == card.message_id)
    submit_posts = [r for r in result["requests"] if r["path"] == "/_conversation/v1/submit"]
    assert submit_posts[0]["body"]["replyToId"] == card.message_id


async def test_channel_mention_in_chromium(pg: PlaygroundClient, browser):
    result = await browser(
        [
            {"action": "open"},
            {"action": "select", "conversation": "General"},
            {"action": "send", "text": "hello from a person"},  # @mentions the bot via typeahead
            {"action": "wait_text", "text": "Echo: hello from a person"},
        ]
    )
    posted = [r for r in result["requests"] if r["path"].endswith("/team-id/messages")]
    assert posted[0]["body"]["mentions"][0]["mentioned"]["id"] == pg.config.bot_id


async def test_team_roster_as_the_bot_sees_it(pg: PlaygroundClient):
    pg.mark()
    await pg.add_bot_to_team()
    roster = await pg.wait_for_text("Roster: 6 members", conversation=pg.config.team_id)
    for person in pg.config.people:
        assert person.name in roster.text
    assert roster.post_conversation_id  # a new post in the General channel


async def test_membership_and_uninstall_events_reach_the_bot(
    pg: PlaygroundClient, e2e_bot: RunningBot
):
    added = await pg.members_added(["Megan Bowen", "user-id-3"])
    removed = await pg.members_removed(["Megan"])
    gone_personal = await pg.uninstall()
    gone_team = await pg.uninstall(pg.config.team_id)

    a = await wait_bot_activity(e2e_bot, lambda x: x["id"] == added["id"])
    assert a["membersAdded"] == ["user-id-1", "user-id-3"]
    assert a["channelData"]["eventType"] == "teamMemberAdded"
    r = await wait_bot_activity(e2e_bot, lambda x: x["id"] == removed["id"])
    assert r["membersRemoved"] == ["user-id-1"]
    u = await wait_bot_activity(e2e_bot, lambda x: x["id"] == gone_personal["id"])
    assert (u["type"], u["action"]) == ("installationUpdate", "remove")
    t = await wait_bot_activity(e2e_bot, lambda x: x["id"] == gone_team["id"])
    assert t["conversation"]["conversationType"] == "channel"
    assert t["action"] == "remove"


async def test_restart_as_another_person_keeps_the_bot(pg: PlaygroundClient, e2e_bot: RunningBot):
    bot_pid = e2e_bot.process.pid
    await pg.restart(as_user="Megan Bowen")
    config = await pg.get_config()
    assert config["config"]["currentUser"]["name"] == "Megan Bowen"
    assert config["config"]["personalChat"]["id"] == "personal-chat-user-id-1"
    assert len(config["config"]["users"]) == 5

    await pg.install_personal()
    await pg.wait_for_text(
        "Welcome to the sample bot (personal)", conversation="personal-chat-user-id-1"
    )
    await pg.send_personal("hi, Megan here")
    await pg.wait_for_text("Echo: hi, Megan here")
    got = await wait_bot_activity(e2e_bot, lambda a: a["text"] == "hi, Megan here")
    assert got["from"] == {"id": "user-id-1", "name": "Megan Bowen"}
    assert e2e_bot.process.pid == bot_pid and e2e_bot.process.running()


def test_playground_refuses_a_taken_port(e2e_bot: RunningBot, tmp_path: Path):
    port = free_port()
    with socket.create_server(("0.0.0.0", port)):
        with pytest.raises(PlaygroundPortError, match=f"asked for port {port}"):
            Playground(e2e_bot.endpoint, tmp_path, port=port).start()
