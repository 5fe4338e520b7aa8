"""Prompts in the Agents Playground: HR writes one with the card, publishes it, and it is answered.

The Playground's user (Alex Wilber) is HR through BOT_HR_ADMINS = their AAD object id, not the
demo switch, so the same configuration path as production is used. What a person sees is driven
in headless Chromium; the database is read directly to check that one anonymous reflection, and
nothing else, was stored.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from dialogs.texts import en
from storage.anonymity.seal import Answer
from tests.e2e.harness import BotSpec, PlaygroundClient
from tests.support.staged import staged_in_file

pytestmark = pytest.mark.e2e

TEAM_ID = "team-id"
ALEX_AAD = "00000000-0000-0000-0000-0000000000020"
# Inputs are found by placeholder: a required input's label ends in " *" in the renderer.
PLACEHOLDER = {
    name: en.TEXTS[f"prompt_form.placeholder_{name}"]
    for name in ("text_da", "text_en", "rating_da", "rating_en")
}
REFLECTION = "Vi mødes ved kaffemaskinen og løser det sammen — æøå"
ANONYMOUS = (
    "answer_counts",
    "round_responses",
    "anonymous_comments",
    "participation",
    "staged_answers",
)


SECRET = "e2e-secret-0123456789-0123456789-xyz"


@pytest.fixture(scope="module")
def db_file(e2e_dir: Path) -> Path:
    return e2e_dir / "prompts.db"


@pytest.fixture(scope="module")
def bot_spec(db_file: Path) -> BotSpec:
    return BotSpec.trivselsbot(
        db_file,
        BOT_ANONYMITY_SECRET=SECRET,
        BOT_HR_ADMINS=ALEX_AAD,
        BOT_OUTBOX_POLL_SECONDS="0.2",
        BOT_SCHEDULER_INTERVAL_SECONDS="0.5",
    )


def query(db_file: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db_file) as connection:
        return connection.execute(sql, args).fetchall()


async def wait_for_roster(db_file: Path, size: int = 6) -> None:
    for _ in range(100):
        members = query(
            db_file,
            "SELECT count(*) FROM unit_members m JOIN units u ON u.id = m.unit_id "
            "WHERE u.teams_team_id = ?",
            TEAM_ID,
        )
        if members == [(size,)]:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the team's roster was not read")


def assert_nobody_in_the_anonymous_tables(db_file: Path) -> None:
    for table in ANONYMOUS:
        for row in query(db_file, f"SELECT * FROM {table}"):
            dump = json.dumps(row, ensure_ascii=False, default=lambda b: bytes(b).hex())
            assert "user-id-0" not in dump and "Alex" not in dump and ALEX_AAD not in dump


async def test_hr_creates_a_prompt_with_the_card_publishes_it_and_a_reflection_is_stored(
    pg: PlaygroundClient, browser, db_file: Path
) -> None:
    await pg.add_bot_to_team()  # the team and its six members are known to the bot
    await wait_for_roster(db_file)
    steps: list[dict[str, Any]] = [
        {"action": "open"},
        {"action": "send", "text": "new prompt"},
        {"action": "wait_text", "text": "The question in Danish", "timeout": 15000},
        {"action": "choose", "choice": "Digital opportunities", "card": "New prompt"},
        {
            "action": "fill",
            "field": PLACEHOLDER["text_da"],
            "card": "New prompt",
            "value": "Hvilket digitalt værktøj ville du savne mest, hvis det forsvandt i morgen?",
        },
        {
            "action": "fill",
            "field": PLACEHOLDER["text_en"],
            "card": "New prompt",
            "value": "Which digital tool would you miss most if it disappeared tomorrow?",
        },
        {
            "action": "fill",
            "field": PLACEHOLDER["rating_da"],
            "card": "New prompt",
            "value": "Hvor godt understøtter værktøjerne dit arbejde?",
        },
        {
            "action": "fill",
            "field": PLACEHOLDER["rating_en"],
            "card": "New prompt",
            "value": "How well do the tools support your work?",
        },
        {"action": "screenshot", "path": "prompt-form.png", "fullPage": True},
        {"action": "click", "text": "Save prompt", "card": "New prompt"},
        {"action": "wait_text", "text": "The prompt is saved", "timeout": 15000},
        {"action": "click", "text": "Publish now", "card": "The prompt is saved"},
        {"action": "wait_text", "text": "Publish a prompt or a pulse check", "timeout": 15000},
        # A multi-select checkbox is named after its group label too (aria-labelledby).
        {
            "action": "choose",
            "choice": "To whom? My Team",
            "card": "Publish a prompt or a pulse check",
        },
        {"action": "screenshot", "path": "publish-form.png", "fullPage": True},
        {"action": "click", "text": "Publish", "card": "Publish a prompt or a pulse check"},
        {"action": "wait_text", "text": "is on its way to 6 people in My Team", "timeout": 15000},
        {"action": "wait_text", "text": "For reflection · Digital opportunities", "timeout": 20000},
        # HR's delivery status card is updated in place while the push runs; the Playground
        # re-renders the chat on each update, which clears half-filled cards: answer after it.
        {"action": "wait_text", "text": "Sending to My Team is done", "timeout": 30000},
        {"action": "choose", "choice": "4", "card": "For reflection"},
        {
            "action": "fill",
            "field": "Your reflection (optional, anonymous)",
            "value": REFLECTION,
            "card": "For reflection",
        },
        {"action": "screenshot", "path": "reflection-card.png", "fullPage": True},
        {"action": "click", "text": "Send anonymously", "card": "For reflection"},
        {
            "action": "wait_text",
            "text": "Thank you — your answer was recorded anonymously",
            "timeout": 20000,
        },
        {"action": "wait_gone", "text": "Send anonymously"},
        {"action": "screenshot", "path": "thanks-card.png", "fullPage": True},
        {"action": "dump_text", "name": "chat"},
    ]
    result = await browser(steps)
    assert REFLECTION not in result["results"]["chat"]  # nothing written is shown back

    ((prompt_id, origin, text_da),) = query(
        db_file, "SELECT id, origin, text_da FROM prompts WHERE origin = 'hr'"
    )
    assert prompt_id.startswith("digital-") and "savne mest" in text_da
    ((round_id, eligible, state),) = query(
        db_file,
        "SELECT r.id, r.eligible_count, r.state FROM pulse_rounds r "
        "JOIN prompt_rounds p ON p.round_id = r.id WHERE p.prompt_id = ?",
        prompt_id,
    )
    assert (eligible, state) == (6, "open")
    # Open: nothing counted or written as a comment yet (rule 10); the reflection is staged.
    assert query(db_file, "SELECT count(*) FROM anonymous_comments WHERE round_id = ?", round_id)[
        0
    ] == (0,)
    assert staged_in_file(db_file, round_id, SECRET) == [Answer({"rating": 4}, REFLECTION)]
    assert query(db_file, "SELECT responses FROM round_responses WHERE round_id = ?", round_id) == [
        (1,)
    ]
    assert query(db_file, "SELECT count(*) FROM participation WHERE round_id = ?", round_id) == [
        (1,)
    ]
    assert_nobody_in_the_anonymous_tables(db_file)

    # The same card pressed again is refused politely and stores nothing more.
    card = await pg.wait_for_text("For reflection", conversation=pg.config.personal_chat_id)
    pg.mark()
    value = {"action": "reflection.answer", "round": round_id, "rating": "1", "reflection": "igen"}
    await pg.submit(pg.config.personal_chat_id, card.message_id, value)
    await pg.wait_for_text("already answered", conversation=pg.config.personal_chat_id)
    assert query(db_file, "SELECT count(*) FROM staged_answers") == [(1,)]


async def test_a_prompt_for_the_team_channel_arrives_there_and_is_answered_privately(
    pg: PlaygroundClient, db_file: Path
) -> None:
    await pg.add_bot_to_team()
    # The install is a turn of its own: the Playground answers before the bot has stored the team.
    for _ in range(100):
        units = query(db_file, "SELECT id FROM units WHERE teams_team_id = ?", TEAM_ID)
        if units:
            break
        await asyncio.sleep(0.1)
    (unit_id,) = units[0]
    pg.mark()
    await pg.send_personal("publish")
    form = await pg.wait_for_text("Publish a prompt or a pulse check")
    form_id = form.card["actions"][0]["data"]["form"]
    order = {
        "action": "publish.submit",
        "form": form_id,
        "content": "prompt:fortaelling-middagsbord",
        "units": unit_id,
        "delivery": "channel",
        "when": "now",
        "open_days": "7",
    }
    await pg.submit(pg.config.personal_chat_id, form.message_id, order)
    await pg.wait_for(
        lambda e: e.action == "updateMessage" and "is posted in the channel" in e.all_text
    )
    post = await pg.wait_for_text("Til fælles dialog", conversation=TEAM_ID, timeout=20)
    assert "middagsbord" in post.all_text

    pg.mark()
    # A channel post is its own thread: the card lives in "team-id;messageid=<post>".
    thread = post.post_conversation_id or TEAM_ID
    await pg.submit(thread, post.message_id, post.card["actions"][0]["data"])
    card = await pg.wait_for_text(
        "For reflection · A strong story", conversation=pg.config.personal_chat_id, timeout=20
    )
    round_id = card.card["actions"][0]["data"]["round"]
    await pg.submit(
        pg.config.personal_chat_id,
        card.message_id,
        {
            "action": "reflection.answer",
            "round": round_id,
            "reflection": "Om borgeren, der smilede",
        },
    )
    thanks = await pg.wait_for(
        lambda e: e.action == "updateMessage" and e.message_id == card.message_id
    )
    assert "Thank you" in thanks.all_text and "smilede" not in thanks.all_text
    assert staged_in_file(db_file, round_id, SECRET) == [Answer({}, "Om borgeren, der smilede")]
    # Nothing was said in the channel about who pressed or answered.
    await pg.expect_silence(
        lambda e: e.root_conversation_id == TEAM_ID and e.action == "createMessage", seconds=1.0
    )
    assert_nobody_in_the_anonymous_tables(db_file)
