"""The summary card's charts as a leader sees them in the Agents Playground (headless Chromium).

The Playground's team ("My Team") has five closed rounds on an SQLite file before the bot
starts, written through the real services on the real clock (the bot runs on it too): the items
rotate, one round is below k. The leader asks for the summary in the Playground's chat; the card
is read back from the page as drawn: a line chart whose lines are the questions asked before
(and only their shown askings), stacked bars of the answers, the sentences beside them (no
earlier answer; the last asking hidden), and no number of the hidden round anywhere. A
screenshot of the card is written (to docs/screenshots/summary-charts.png with
SUMMARY_CHARTS_SCREENSHOT=1).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage.answers.pulse import submit_answer
from storage.calendar.quiet_hours import ALWAYS
from storage.calendar.zone import COPENHAGEN
from storage.db.engine import create_engine, create_session_factory
from storage.db.migrate import upgrade
from storage.directory.recipients import Directory
from storage.question_bank import default_bank
from storage.rounds.lifecycle import Rounds
from storage.values import Person
from tests.e2e.harness import BotSpec, PlaygroundClient, PlaygroundConfig

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "screenshots" / "summary-charts.png"
SECRET = "e2e-secret-charts-0123456789-0123456789"
A = ["tk1", "tl1", "rf1", "sa1", "tr1"]
B = ["tk2", "tl2", "rf2", "sa2", "ba1"]
C = ["tk1", "tl2", "rf3", "sa1", "tr1"]  # tk1, sa1, tr1 as A; tl2 as B; rf3 never asked before
# Each question its own level (a colleague's answer plus this), so the lines lie apart.
LEVEL = {"tk1": -1, "sa1": 1, "tr1": 0, "tl1": 0, "rf1": 0, "tl2": 0, "rf3": 1}
# weeks before now, items, each colleague's answer (1–5); the round of 3 is below k = 5.
ROUNDS = [
    (10, A, [3, 3, 4, 2, 3, 4]),
    (8, A, [3, 4, 4, 3, 4, 4, 2]),
    (6, B, [4, 4, 5, 3, 4, 4]),
    (4, A, [5, 5, 5]),
    (2, C, [4, 5, 4, 4, 5, 3, 4]),
]


async def seed(db_file: Path, now: datetime) -> None:
    """The Playground's team and its history, as the bot itself would have written it."""
    engine = create_engine(f"sqlite+aiosqlite:///{db_file}")
    try:
        await upgrade(engine)
        factory = create_session_factory(engine)
        config = PlaygroundConfig()
        directory = Directory(factory)
        unit = await directory.install_team(
            config.team_id, config.team_name, config.tenant_id, "http://127.0.0.1:9/"
        )
        colleagues = [
            Person(user_id=f"29:colleague-{n}", aad_object_id=f"aad-colleague-{n}", name=f"C {n}")
            for n in range(8)
        ]
        await directory.sync_roster(config.team_id, colleagues)
        bank = default_bank()
        rounds = Rounds(factory, bank, SECRET, ALWAYS)
        for weeks, items, values in ROUNDS:
            opens = now - timedelta(weeks=weeks)
            info = await rounds.create(
                unit.id, opens, opens + timedelta(days=3), None, "hr", list(items)
            )
            await rounds.open_due(opens)
            for person, value in zip(colleagues, values, strict=False):
                answer = {item: max(1, min(5, value + LEVEL.get(item, 0))) for item in info.items}
                await submit_answer(
                    factory, bank, SECRET, info.id, person.user_id, answer, None, opens
                )
            await rounds.close(info.id, opens + timedelta(days=3))
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def seeded(e2e_dir: Path) -> tuple[Path, datetime]:
    """The database file and the moment its history was written up to (the real clock, which
    the bot runs on as well)."""
    path = e2e_dir / "charts.db"
    now = datetime.now(UTC)
    asyncio.run(seed(path, now))
    return path, now


@pytest.fixture(scope="module")
def bot_spec(seeded: tuple[Path, datetime]) -> BotSpec:
    return BotSpec.trivselsbot(
        seeded[0],
        BOT_ANONYMITY_SECRET=SECRET,
        BOT_DEMO_ALL_ROLES="true",
        BOT_OUTBOX_POLL_SECONDS="0.2",
    )


def hidden_round_day(now: datetime) -> str:
    """The day (Copenhagen) the round below k closed, as the card's chart data writes days."""
    (weeks,) = [weeks for weeks, _, values in ROUNDS if len(values) < 5]
    closes = now - timedelta(weeks=weeks) + timedelta(days=3)
    return closes.astimezone(COPENHAGEN).date().isoformat()


async def test_the_summary_card_draws_the_question_lines_and_stacked_answers(
    pg: PlaygroundClient, browser, seeded: tuple[Path, datetime]
) -> None:
    pg.mark()
    result = await browser(
        [
            {"action": "open"},
            {"action": "send", "text": "summary"},
            {"action": "wait_text", "text": "Trend per question", "timeout": 20000},
            {"action": "wait_text", "text": "7 of 8 answered (88 %)"},
            {
                "action": "card_charts",
                "card": "Trend per question",
                "name": "card",
                "path": "summary-charts.png",
            },
        ],
        height=2600,  # the whole card in one screenshot
    )
    assert result["ok"], result
    shown = result["results"]["card"]
    charts = {chart["label"].split(",")[0]: chart for chart in shown["charts"]}
    # The Playground draws Teams' chart elements (it does not fall back to the text): the line
    # chart has a line per question asked before, the stacked bars a bar per dimension.
    line = charts["Score per question over time (0–100)"]
    assert "Line chart with 4 series" in line["label"]
    assert line["svgs"] >= 1 and line["paths"] >= 4
    stacked = [c for c in shown["charts"] if c["label"].startswith("Answers per dimension")]
    assert len(stacked) == 2 and all("Stacked horizontal bar chart" in c["label"] for c in stacked)
    assert sum(c["bars"] for c in stacked) == 5 * 5  # five dimensions, five scale points each
    text = shown["text"]
    assert "Answers per dimension, from low to high (number of answers)" in text
    # Beside the lines, in words: the question never asked before, and the hidden last asking.
    assert "not asked in the team in the past year, so there is no earlier answer" in text
    assert "but fewer than 5 answered then, so that figure is not shown. The time before" in text
    assert text.count("last asked") == 4  # tk1, tl2, sa1, tr1; rf3 was never asked
    # The card as the bot sent it: no point of the hidden round in any line.
    sent = await pg.wait_for(lambda e: e.card is not None and "Trend per question" in e.all_text)
    (chart,) = [b for b in sent.card["body"] if b.get("type") == "Chart.Line"]
    days = {point["x"] for series in chart["data"] for point in series["values"]}
    assert len(days) == 4 and hidden_round_day(seeded[1]) not in days
    # The fallback (the same points as text) is not what the Playground shows: it draws.
    fallback_line = chart["fallback"]["items"][0]["text"]
    assert fallback_line not in text
    if os.environ.get("SUMMARY_CHARTS_SCREENSHOT"):
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shown["path"], SCREENSHOT)
