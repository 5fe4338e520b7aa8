"""From results to dialogue to a handlingsplan, in the Agents Playground, as one run.

A round closes and the team's leader (Alex, also HR here) gets the result card unasked; Alex
shares it with the team's channel, ticking the comments, and what the channel shows is checked in
headless Chromium; Alex records two actions; the next pulse asks about one of them by name; and
when that round closes, the leader's next card shows its result beside the action.

Colleagues' answers are posted to the bot as Teams posts them (the Playground has one user who
can talk); everything Alex does and sees goes through the Playground.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.e2e.harness import BotSpec, Playground, PlaygroundClient, RunningBot

pytestmark = pytest.mark.e2e

TEAM_ID = "team-id"
ALEX_AAD = "00000000-0000-0000-0000-0000000000020"
SECRET = "e2e-secret-0123456789-0123456789-xyz"
ENV = {
    "BOT_ANONYMITY_SECRET": SECRET,
    "BOT_HR_ADMINS": ALEX_AAD,  # HR, to start pulses; the leader role comes from the unit
    "BOT_MIN_COMMENT_GROUP_SIZE": "5",  # six people in the Playground: comments from five
    "BOT_OUTBOX_POLL_SECONDS": "0.2",
    "BOT_SCHEDULER_INTERVAL_SECONDS": "0.5",
}
ACTIONS = ("Fast tavlemøde om fordeling af opgaver", "Makkerordning for nye kolleger")


@pytest.fixture(scope="module")
def db_file(e2e_dir: Path) -> Path:
    return e2e_dir / "results-loop.db"


@pytest.fixture(scope="module")
def bot_spec(db_file: Path) -> BotSpec:
    return BotSpec.trivselsbot(db_file, **ENV)


def query(db_file: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db_file) as connection:
        return connection.execute(sql, args).fetchall()


def cli(db_file: Path, *args: str) -> str:
    """`trivselsbot …` on the bot's database, as HR runs it on the server."""
    env = {
        "PATH": "/usr/bin:/bin",
        "BOT_DEV_MODE": "true",
        "BOT_DATABASE_URL": f"sqlite+aiosqlite:///{db_file}",
        "BOT_WORKING_HOURS": "always",
        **ENV,
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parents[2],
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


async def wait_until(check: Any, what: str, seconds: float = 15.0) -> Any:
    for _ in range(int(seconds * 10)):
        found = check()
        if found:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"{what} within {seconds} s")


async def start_pulse(pg: PlaygroundClient, db_file: Path, unit_id: str) -> tuple[str, list[str]]:
    """HR starts a pulse from the chat; the open round's id and items."""
    await pg.send_personal("start pulse")
    menu = await pg.wait_for_text("Start a pulse check now")
    await pg.submit(
        pg.config.personal_chat_id, menu.message_id, {"action": "pulse.start", "unit": unit_id}
    )
    await pg.wait_for_text("is on its way")
    ((round_id, items),) = query(db_file, "SELECT id, items FROM pulse_rounds WHERE state = 'open'")
    return round_id, json.loads(items)


async def everyone_answers(
    bot: RunningBot, playground: Playground, db_file: Path, round_id: str, items: list[str]
) -> None:
    """All six answer 4 ("agree") to every question, with a comment each, each in the personal
    chat the bot opened for them when it sent the pulse."""
    chats: dict[str, str] = await wait_until(
        lambda: dict(
            rows
            if len(
                rows := query(
                    db_file,
                    "SELECT user_id, personal_conversation_id FROM recipients "
                    "WHERE personal_conversation_id IS NOT NULL",
                )
            )
            == 6
            else []
        ),
        "every member's pulse was delivered",
    )
    async with aiohttp.ClientSession() as session:
        for n in range(6):
            user = f"user-id-{n}"
            activity = {
                "type": "message",
                "id": f"scripted-{round_id}-{n}",
                "channelId": "msteams",
                "serviceUrl": playground.service_url,
                "from": {"id": user, "aadObjectId": f"00000000-0000-0000-0000-00000000002{n}"},
                "recipient": {"id": playground.config.bot_id, "name": "Test Bot"},
                "conversation": {"id": chats[user], "conversationType": "personal"},
                "channelData": {"tenant": {"id": playground.config.tenant_id}},
                "locale": "en-US",
                "value": {
                    "action": "pulse.answer",
                    "round": round_id,
                    "comment": f"Kommentar {n}: vi hjælper hinanden — æøå",
                    **{f"q_{item}": "4" for item in items},
                },
            }
            async with session.post(bot.endpoint, json=activity) as response:
                assert response.status == 201, await response.text()


def canonical(body: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """A post's elements, its comments as a sorted list: they are shuffled at every reading."""
    comments = [e for e in body if e["type"] == "TextBlock" and e.get("separator")]
    rest = [e for e in body if e not in comments]
    return rest, sorted(e["text"] for e in comments)


def action_block(card: dict[str, Any], title: str) -> str:
    """The text of the plan's container for one action on a summary card."""
    for element in card["body"]:
        if element.get("type") == "Container" and json.dumps(title) in json.dumps(element):
            return json.dumps(element, ensure_ascii=False)
    raise AssertionError(f"no action {title!r} on the card")


async def test_a_round_closes_is_shared_with_the_team_and_its_actions_are_followed_up(
    pg: PlaygroundClient,
    browser: Any,
    db_file: Path,
    e2e_bot: RunningBot,
    playground: Playground,
) -> None:
    await pg.add_bot_to_team()
    await wait_until(
        lambda: (
            query(
                db_file,
                "SELECT count(*) FROM unit_members m JOIN units u ON u.id = m.unit_id "
                "WHERE u.teams_team_id = ?",
                TEAM_ID,
            )
            == [(6,)]
        ),
        "the team's roster was read",
    )
    ((unit_id,),) = query(db_file, "SELECT id FROM units WHERE teams_team_id = ?", TEAM_ID)
    cli(db_file, "units", "leader", "--unit", "My Team", "--add", ALEX_AAD)

    # 1. A round closes: the leader's card arrives unasked, and offers to share.
    first_id, first_items = await start_pulse(pg, db_file, unit_id)
    await everyone_answers(e2e_bot, playground, db_file, first_id, first_items)
    pg.mark()
    cli(db_file, "pulse", "close", first_id)
    chat = pg.config.personal_chat_id
    await pg.wait_for_text("The result for My Team is ready", conversation=chat, timeout=20)
    # The Playground shows a message's text and its card as two messages: this is the card.
    unasked = await pg.wait_for_text("Summary · My Team · round 1", conversation=chat)
    assert "6 of 6 answered (100 %)" in unasked.all_text
    assert "Share with the team" in unasked.all_text

    # 2. Alex shares it, with the comments ticked; the channel is looked at in Chromium.
    result = await browser(
        [
            {"action": "open"},
            {"action": "select", "conversation": "General"},  # the UI installs there first
            {"action": "select", "conversation": "personal"},
            {"action": "send", "text": "summary"},
            {"action": "wait_text", "text": "6 of 6 answered (100 %)", "timeout": 15000},
            {"action": "click", "text": "Share with the team"},
            {"action": "choose", "choice": "Include the 6 anonymous comments"},
            {"action": "click", "text": "Preview the post"},
            {"action": "wait_text", "text": "Exactly what is in the frame below", "timeout": 15000},
            {"action": "screenshot", "path": "share-confirm.png", "fullPage": True},
            {"action": "click", "text": "Post in the channel"},
            {"action": "wait_text", "text": "Shared with My Team", "timeout": 15000},
            {"action": "select", "conversation": "General"},
            {
                "action": "wait_text",
                "text": "Pulse check result · My Team · round 1",
                "timeout": 20000,
            },
            {"action": "wait_text", "text": "Kommentar 5: vi hjælper hinanden — æøå"},
            {"action": "screenshot", "path": "share-channel.png", "fullPage": True},
            {"action": "cards", "name": "channel"},
        ],
        height=1600,  # the whole post in one screenshot
    )
    (post,) = [c for c in result["results"]["channel"] if "Pulse check result" in c]
    for expected in (
        "6 of 6 answered (100 %)",
        "Suggested questions for your next team or MED meeting",
        "Anonymous comments (in random order)",
        "nobody — not your leader either — can see what anyone in particular answered",
    ):
        assert expected in post, expected
    assert all(f"Kommentar {n}: vi hjælper hinanden — æøå" in post for n in range(6))
    for absent in ("Record an agreed action", "Comparison", "Share with the team", "Action plan"):
        assert absent not in post, absent
    # What the channel got is what the confirmation framed (the WebSocket's copy of both).
    sent = await pg.wait_for_text("Pulse check result", conversation=TEAM_ID)
    confirmation = await pg.wait_for_text("Exactly what is in the frame below")
    framed = next(e for e in confirmation.card["body"] if e["type"] == "Container")["items"]
    assert canonical(sent.card["body"]) == canonical(framed)
    assert query(db_file, "SELECT kind, state, with_comments FROM channel_posts") == [
        ("summary", "sent", 1)
    ]

    # 3. Two agreed actions, recorded on the card that arrived unasked.
    for title in ACTIONS:
        pg.mark()
        form = {
            "action": "plan.add",
            "unit": unit_id,
            "round": first_id,
            "plan_title": title,
            "plan_addresses": "dimension:justice",
            "plan_responsible": "Teamleder og AMR",
        }
        await pg.submit(pg.config.personal_chat_id, unasked.message_id, form)
        await pg.wait_for_text("is saved for My Team")

    # 4. The next pulse asks about one of them by name.
    pg.mark()
    second_id, second_items = await start_pulse(pg, db_file, unit_id)
    card = await pg.wait_for_text("We agreed:", conversation=pg.config.personal_chat_id, timeout=20)
    (named,) = re.findall(r"We agreed: “(.+?)”\. Have we followed up on it\?", card.all_text)
    assert named in ACTIONS
    other = next(title for title in ACTIONS if title != named)

    # 5. That round closes: the next card shows the follow-up's result beside the action.
    await everyone_answers(e2e_bot, playground, db_file, second_id, second_items)
    pg.mark()
    cli(db_file, "pulse", "close", second_id)
    followed = await pg.wait_for_text(
        "Summary · My Team · round 2", conversation=pg.config.personal_chat_id, timeout=20
    )
    assert "Follow-up" in action_block(followed.card, named)
    assert "75 of 100 in round 2" in action_block(followed.card, named)  # 4 of 1–5 agreed
    assert "The next pulse asks the team about it." in action_block(followed.card, other)
