"""Trivselsbot itself in the Agents Playground: installation, roster, help, and a pulse round.

The bot runs as a process in dev mode on an SQLite file; the Playground is its Teams client and
connector. What a person sees is checked in headless Chromium; the database is read directly.
The Playground's client sends locale en-US with messages, so the bot answers those in English;
events without a locale get Danish, the default.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import BotSpec, PlaygroundClient
from tests.support.staged import staged_counts_in_file

pytestmark = pytest.mark.e2e

TEAM_ID = "team-id"


SECRET = "e2e-secret-0123456789-0123456789-xyz"


@pytest.fixture(scope="module")
def db_file(e2e_dir: Path) -> Path:
    return e2e_dir / "trivselsbot.db"


@pytest.fixture(scope="module")
def bot_spec(db_file: Path) -> BotSpec:
    return BotSpec.trivselsbot(
        db_file,
        BOT_ANONYMITY_SECRET=SECRET,
        BOT_DEMO_ALL_ROLES="true",
        BOT_OUTBOX_POLL_SECONDS="0.2",
        BOT_SCHEDULER_INTERVAL_SECONDS="0.5",
    )


def query(db_file: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db_file) as connection:
        return connection.execute(sql, args).fetchall()


async def ensure_team_installed(pg: PlaygroundClient) -> None:
    await pg.add_bot_to_team()


async def test_installing_in_personal_chat_and_team_welcomes_and_reads_the_roster(
    browser, db_file: Path
) -> None:
    """What a person sees: the UI installs the app where it is first opened, and the bot greets."""
    result = await browser(
        [
            {"action": "open"},  # installs in the personal chat
            # The UI sends two events for it, one without a locale (Danish, the default): the
            # first to arrive decides the welcome's language.
            {
                "action": "wait_text",
                "text": ["Hi, I'm Trivselsbot", "Hej, jeg er Trivselsbot"],
                "timeout": 15000,
            },
            {"action": "wait_text", "text": ["Your answers are anonymous", "Dine svar er anonyme"]},
            {"action": "screenshot", "path": "welcome-personal.png"},
            {"action": "select", "conversation": "General"},  # installs in the team
            # Teams sends two events for one installation; the first to arrive decides the language.
            {"action": "wait_text", "text": "My Team!", "timeout": 15000},
            {"action": "screenshot", "path": "welcome-team.png"},
        ]
    )
    assert result["ok"]
    (installed,) = query(
        db_file, "SELECT app_installed FROM recipients WHERE user_id = ?", "user-id-0"
    )
    assert installed == (1,)
    roster = query(
        db_file,
        "SELECT r.user_id, r.name FROM unit_members m JOIN units u ON u.id = m.unit_id "
        "JOIN recipients r ON r.user_id = m.user_id WHERE u.teams_team_id = ?",
        TEAM_ID,
    )
    assert len(roster) == 6


async def test_the_six_mock_users_are_in_the_roster_and_no_second_welcome(
    pg: PlaygroundClient, db_file: Path
) -> None:
    pg.mark()
    await ensure_team_installed(pg)  # Teams sends several events for one installation
    await pg.install_in_team()
    await pg.install_personal()
    await pg.expect_silence(lambda e: e.action == "createMessage", seconds=1.5)
    roster = query(
        db_file,
        "SELECT r.user_id, r.name, r.aad_object_id FROM unit_members m "
        "JOIN units u ON u.id = m.unit_id JOIN recipients r ON r.user_id = m.user_id "
        "WHERE u.teams_team_id = ?",
        TEAM_ID,
    )
    assert {(user_id, name) for user_id, name, _ in roster} == {
        (p.id, p.name) for p in pg.config.people
    }
    assert all(aad for _, _, aad in roster)


async def wait_until_removed_from_team(db_file: Path) -> None:
    """The Playground forwards mock activities without waiting for the bot's answer, so a removal
    sent just before an add can still be running when the add arrives (seen in CI under load):
    the add then finds the team installed and rightly stays quiet. Wait for the removal to land."""
    for _ in range(200):
        rows = query(
            db_file,
            "SELECT c.installed FROM conversations c WHERE c.id = ?",
            TEAM_ID,
        )
        if rows in ([], [(0,)]):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the bot did not record its removal from {TEAM_ID} within 10 s")


async def test_a_team_without_locale_is_welcomed_in_danish(
    pg: PlaygroundClient, db_file: Path
) -> None:
    """The event Teams sends when a bot is added carries no locale: Danish, the default."""
    pg.mark()
    await pg.remove_bot_from_team()
    await wait_until_removed_from_team(db_file)
    await pg.add_bot_to_team()
    welcome = await pg.wait_for_text("My Team", conversation=TEAM_ID)
    assert "Hej My Team!" in welcome.all_text and "Dine svar er anonyme" in welcome.all_text


async def test_help_in_personal_chat_shows_the_help_card(browser) -> None:
    result = await browser(
        [
            {"action": "open"},
            {"action": "send", "text": "help"},
            {"action": "wait_text", "text": "Here's what I can help with", "timeout": 15000},
            {"action": "wait_text", "text": "my data"},
            {"action": "screenshot", "path": "help-card.png"},
            {"action": "cards", "name": "cards"},
        ]
    )
    help_card = next(c for c in result["results"]["cards"] if "help with" in json.dumps(c))
    shown = json.dumps(help_card)
    assert "Nobody can see what you in particular answered" in shown
    assert "comments once at least 7 have" in shown


async def test_a_pulse_arrives_is_answered_once_and_leaves_one_count(
    pg: PlaygroundClient, browser, db_file: Path
) -> None:
    await ensure_team_installed(pg)
    pg.mark()
    steps: list[dict[str, Any]] = [
        {"action": "open"},
        {"action": "send", "text": "start pulse"},
        {"action": "wait_text", "text": "Start a pulse check now", "timeout": 15000},
        {"action": "click", "text": "My Team", "card": "Start a pulse check now"},
        {
            "action": "wait_text",
            "text": "The pulse check is on its way to 6 people",
            "timeout": 15000,
        },
        {"action": "wait_text", "text": "Pulse check · My Team", "timeout": 20000},
        # HR's delivery status card is updated in place while the push runs; the Playground
        # re-renders the chat on each update, which clears half-filled cards: answer after it.
        {"action": "wait_text", "text": "Sending to My Team is done", "timeout": 30000},
    ]
    choices = [{"group": n, "choice": "Somewhat agree"} for n in range(4)]
    choices.append({"group": 4, "choice": "Strongly agree"})
    steps += [
        {"action": "answer_all", "choices": choices, "card": "Pulse check"},
        {"action": "screenshot", "path": "pulse-card.png", "fullPage": True},
        {"action": "click", "text": "Send anonymously", "card": "Pulse check"},
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
    chat = result["results"]["chat"]
    assert "Somewhat agree" not in chat and "Strongly agree" not in chat  # nothing chosen shows

    # The card as it arrived, and its replacement, as the Playground's WebSocket saw them.
    card = await pg.wait_for_text("Pulse check · My Team", conversation=pg.config.personal_chat_id)
    update = await pg.wait_for(
        lambda e: e.action == "updateMessage" and e.message_id == card.message_id
    )
    assert "Thank you — your answer was recorded anonymously" in update.all_text

    (round_id,) = query(db_file, "SELECT id FROM pulse_rounds WHERE state = 'open'")[0]
    items = json.loads(
        query(db_file, "SELECT items FROM pulse_rounds WHERE id = ?", round_id)[0][0]
    )
    # Open: nothing counted yet (rule 10); the one answer is staged, sealed.
    assert query(db_file, "SELECT count(*) FROM answer_counts WHERE round_id = ?", round_id) == [
        (0,)
    ]
    counts = staged_counts_in_file(db_file, round_id, SECRET)
    assert sorted(counts) == sorted([(i, 4, 1) for i in items[:4]] + [(items[4], 5, 1)])
    assert query(db_file, "SELECT responses FROM round_responses WHERE round_id = ?", round_id) == [
        (1,)
    ]

    # Pressing again (the same card, the same answers) is refused politely and changes nothing.
    pg.mark()
    value = {"action": "pulse.answer", "round": round_id, **{f"q_{i}": "4" for i in items}}
    await pg.submit(pg.config.personal_chat_id, card.message_id, value)
    refusal = await pg.wait_for_text("already answered", conversation=pg.config.personal_chat_id)
    assert "can't be changed" in refusal.all_text
    assert staged_counts_in_file(db_file, round_id, SECRET) == sorted(counts)
    assert query(db_file, "SELECT count(*) FROM participation WHERE round_id = ?", round_id) == [
        (1,)
    ]
    # Nothing in the anonymous tables names the person who answered.
    for table in ("answer_counts", "round_responses", "anonymous_comments", "participation"):
        for row in query(db_file, f"SELECT * FROM {table}"):  # staged_answers: sealed bytes
            assert "user-id-0" not in json.dumps(row) and "Alex" not in json.dumps(row)


def scripted_answer(
    e2e_bot, playground, round_id: str, items: list[str], person: int, value: int
) -> dict[str, Any]:
    """A colleague's answer, posted to the bot as Teams posts it (the Playground has one user)."""
    user = f"user-id-{person}"
    return {
        "type": "message",
        "id": f"scripted-{round_id}-{person}",
        "channelId": "msteams",
        "serviceUrl": playground.service_url,
        "from": {"id": user, "aadObjectId": f"00000000-0000-0000-0000-00000000002{person}"},
        "recipient": {"id": playground.config.bot_id, "name": "Test Bot"},
        "conversation": {"id": f"personal-chat-{user}", "conversationType": "personal"},
        "channelData": {"tenant": {"id": playground.config.tenant_id}},
        "locale": "en-US",
        "value": {
            "action": "pulse.answer",
            "round": round_id,
            **{f"q_{i}": str(value) for i in items},
        },
    }


async def post_scripted(e2e_bot, activity: dict[str, Any]) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as session:
        async with session.post(e2e_bot.endpoint, json=activity) as response:
            assert response.status == 201, await response.text()


def close_round(db_file: Path, round_id: str) -> None:
    import subprocess
    import sys

    env = {
        "PATH": "/usr/bin:/bin",
        "BOT_DEV_MODE": "true",
        "BOT_DATABASE_URL": f"sqlite+aiosqlite:///{db_file}",
        "BOT_ANONYMITY_SECRET": "e2e-secret-0123456789-0123456789-xyz",
        "BOT_WORKING_HOURS": "always",  # the closing note goes out now, whatever the hour
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "pulse", "close", round_id],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).parents[2],
    )
    assert result.returncode == 0, result.stderr
    wait_until_delivered(db_file)


def wait_until_delivered(db_file: Path, timeout: float = 60.0) -> None:
    """Every message the bot has queued is out and every status card finished: the Playground
    re-renders the chat at each new message or card update, which closes a card a browser step
    has opened (an action form half filled in), so browser steps start once the chat is still."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = query(
            db_file, "SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')"
        )
        watched = query(db_file, "SELECT count(*) FROM delivery_watches")
        if waiting == [(0,)] and watched == [(0,)]:
            return
        time.sleep(0.2)
    raise AssertionError(f"still sending after {timeout} s: {waiting} queued, {watched} watched")


async def test_the_leader_summary_below_k_then_with_scores_and_an_action(
    pg: PlaygroundClient, browser, db_file: Path, e2e_bot, playground
) -> None:
    await ensure_team_installed(pg)
    # Round 1 (from the pulse test, or a new one): Alex and one colleague answer — below k.
    open_rounds = query(db_file, "SELECT id, items FROM pulse_rounds WHERE state = 'open'")
    if not open_rounds:
        await pg.send_personal("start pulse")
        menu = await pg.wait_for_text("Start a pulse check now")
        unit_id = query(db_file, "SELECT id FROM units WHERE teams_team_id = ?", TEAM_ID)[0][0]
        await pg.submit(
            pg.config.personal_chat_id, menu.message_id, {"action": "pulse.start", "unit": unit_id}
        )
        await pg.wait_for_text("is on its way")
        open_rounds = query(db_file, "SELECT id, items FROM pulse_rounds WHERE state = 'open'")
    ((first_id, first_items),) = open_rounds
    await post_scripted(
        e2e_bot, scripted_answer(e2e_bot, playground, first_id, json.loads(first_items), 1, 3)
    )
    close_round(db_file, first_id)
    result = await browser(
        [
            {"action": "open"},
            {"action": "send", "text": "summary"},
            {"action": "wait_text", "text": "Too few answers to show a result", "timeout": 15000},
            {"action": "screenshot", "path": "summary-too-few.png"},
        ]
    )
    assert result["ok"]

    # Round 2: Alex answers in the browser, five colleagues are scripted; then it closes.
    steps: list[dict[str, Any]] = [
        {"action": "open"},
        {"action": "send", "text": "start pulse"},
        {"action": "wait_text", "text": "Start a pulse check now", "timeout": 15000},
        {"action": "click", "text": "My Team", "card": "Start a pulse check now"},
        {"action": "wait_text", "text": "Pulse check · My Team", "timeout": 20000},
        # HR's delivery status card is updated in place while the push runs; the Playground
        # re-renders the chat on each update, which clears half-filled cards: answer after it.
        {"action": "wait_text", "text": "Sending to My Team is done", "timeout": 30000},
    ]
    steps.append({"action": "answer_all", "position": 1, "groups": 5, "card": "Pulse check"})
    steps += [
        {"action": "click", "text": "Send anonymously", "card": "Pulse check"},
        {
            "action": "wait_text",
            "text": "Thank you — your answer was recorded anonymously",
            "timeout": 20000,
        },
    ]
    await browser(steps)
    ((second_id, second_items),) = query(
        db_file, "SELECT id, items FROM pulse_rounds WHERE state = 'open'"
    )
    for person in range(1, 6):
        activity = scripted_answer(
            e2e_bot, playground, second_id, json.loads(second_items), person, 4
        )
        await post_scripted(e2e_bot, activity)
    assert query(
        db_file, "SELECT responses FROM round_responses WHERE round_id = ?", second_id
    ) == [(6,)]
    close_round(db_file, second_id)

    result = await browser(
        [
            {"action": "open"},
            {"action": "send", "text": "summary"},
            {"action": "wait_text", "text": "6 of 6 answered (100 %)", "timeout": 15000},
            # Six answers: the figures are shown, the comments wait for seven and the card says so.
            {
                "action": "wait_text",
                "text": "Comments are shown only once at least 7 have answered",
            },
            {
                "action": "wait_text",
                "text": "Suggested questions for your next team or MED meeting",
            },
            {"action": "screenshot", "path": "summary-card.png", "fullPage": True},
            {"action": "click", "text": "Record an agreed action"},
            {
                "action": "fill",
                "field": "E.g.: We hold a short stand-up every Monday at 9",
                "value": "Kort tavlemøde hver mandag",
            },
            {
                "action": "fill",
                "field": "E.g.: Team leader and safety rep",
                "value": "Teamleder og AMR",
            },
            {"action": "screenshot", "path": "action-form.png", "fullPage": True},
            {"action": "click", "text": "Save action"},
            {"action": "wait_text", "text": "is saved for My Team"},
            {"action": "send", "text": "summary"},
            {"action": "wait_text", "text": "Action plan", "timeout": 15000},
            {"action": "wait_text", "text": "Teamleder og AMR"},
            {"action": "wait_text", "text": "The next pulse asks the team about it."},
            {"action": "screenshot", "path": "action-plan.png", "fullPage": True},
        ]
    )
    assert result["ok"]
    assert query(
        db_file, "SELECT text, follow_up_pending, responsible, status FROM agreed_actions"
    ) == [("Kort tavlemøde hver mandag", 1, "Teamleder og AMR", "planned")]
