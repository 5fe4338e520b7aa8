"""The Resultater tab in headless Chromium, signed in as Teams signs people in.

The real app serves the tab (on its own thread, with the world's clock); a local Entra ID
publishes the keys the test's tokens are signed with; tests/e2e/tab_browser.mjs plays Teams' part
(the host frame answering TeamsJS). HR and a leader each load the tab; screenshots of the heatmap
and of a unit page are written (to $TAB_SCREENSHOTS_DIR when set); a DOM scan finds no number in
any suppressed cell, its attributes or the data behind it; axe-core finds no serious or critical
violation in the light or dark theme; the keyboard alone reaches the controls and drills in.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import create_app
from storage.db.engine import create_engine, create_session_factory
from storage.db.migrate import upgrade
from tests.conftest import make_settings
from tests.support.mock_entra import OTHER_TENANT_ID, PUBLIC_HOST, MockEntra, tab_settings_values
from tests.support.served_app import ServedApp
from tests.support.tab_world import HR_OID, LEADER_OID, NOW, TabWorld, build_tab_world

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DRIVER = ROOT / "tests" / "e2e" / "tab_browser.mjs"


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ServedApp, MockEntra, TabWorld]]:
    db_path = tmp_path_factory.mktemp("tab") / "tab.db"

    async def build() -> TabWorld:
        engine = create_engine(f"sqlite+aiosqlite:///{db_path}")
        await upgrade(engine)
        try:
            return await build_tab_world(create_session_factory(engine))
        finally:
            await engine.dispose()

    world = asyncio.run(build())
    entra = MockEntra().start()
    settings = make_settings(db_path, **tab_settings_values(entra), BOT_HR_ADMINS=HR_OID)
    app = ServedApp(create_app(settings, now=lambda: NOW)).start()
    try:
        yield app, entra, world
    finally:
        app.stop()
        entra.stop()


def drive(app: ServedApp, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if shutil.which("node") is None:
        pytest.fail("node is not installed")
    payload = {"botUrl": app.url, "publicHost": PUBLIC_HOST, "steps": steps}
    done = subprocess.run(
        ["node", str(DRIVER)],
        input=json.dumps(payload).encode(),
        capture_output=True,
        cwd=ROOT,
        timeout=180,
    )
    output = done.stdout.decode().strip().splitlines()
    assert output, done.stderr.decode()[-3000:]
    result = json.loads(output[-1])
    assert result["ok"], json.dumps(result, ensure_ascii=False, indent=1)[-6000:]
    return [step.get("result") or {} for step in result["steps"]]


def screenshots(tmp_path: Path) -> Path:
    return Path(os.environ.get("TAB_SCREENSHOTS_DIR") or tmp_path)


def assert_nothing_hidden_carries_a_number(scan: dict[str, Any]) -> None:
    assert scan["dom"]["cells"] > 0, (
        "the page must have hidden figures for the scan to mean anything"
    )
    assert scan["dom"]["bad"] == []
    assert scan["data"]["hidden"] > 0
    assert scan["data"]["bad"] == []


def assert_accessible(report: dict[str, Any]) -> None:
    serious = [v for v in report["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], serious


def test_hr_sees_the_heatmap_and_drills_in_by_keyboard(
    served: tuple[ServedApp, MockEntra, TabWorld], tmp_path: Path
) -> None:
    app, entra, world = served
    care = world.units["Ældre og Sundhed"]
    out = screenshots(tmp_path)
    hr = entra.token(HR_OID)
    results = drive(
        app,
        [
            {"action": "open", "token": hr},
            {"action": "wait", "selector": "table.heatmap", "text": "Kommunen"},
            {"action": "tabTo", "selector": "select#period"},
            {"action": "tabTo", "selector": f'a[href*="unit={care}"]'},
            {"action": "enter"},
            {"action": "wait", "selector": "h1", "text": "Overblik: Ældre og Sundhed"},
            {"action": "screenshot", "path": str(out / "tab-heatmap.png")},
            {"action": "scan"},
            {"action": "axe"},
            {"action": "select", "selector": "select#period", "value": "2026-07"},
            {"action": "text"},
            {"action": "scan"},
            {"action": "open", "token": hr, "theme": "dark", "hash": f"#/heatmap?unit={care}"},
            {"action": "wait", "selector": "table.heatmap"},
            {"action": "axe"},
            {"action": "screenshot", "path": str(out / "tab-heatmap-dark.png")},
        ],
    )
    assert results[4]["hash"] == f"#/heatmap?unit={care}&period=2026-10"
    assert (out / "tab-heatmap.png").stat().st_size > 20_000
    october, july = results[7], results[11]
    assert_nothing_hidden_carries_a_number(october)
    assert_nothing_hidden_carries_a_number(july)
    assert october["dom"]["heatmapHidden"] >= 12  # two small teams, every dimension of each
    assert "For få svar" in results[10]["text"]
    assert_accessible(results[8])
    assert_accessible(results[14])


def test_a_leader_opens_a_team_page_with_rounds_trends_comments_and_plan(
    served: tuple[ServedApp, MockEntra, TabWorld], tmp_path: Path
) -> None:
    app, entra, world = served
    nord = world.units["Hjemmeplejen Nord"]
    out = screenshots(tmp_path)
    leader = entra.token(LEADER_OID, version="2.0")
    results = drive(
        app,
        [
            {"action": "open", "token": leader, "locale": "da-dk"},
            {"action": "wait", "selector": "h1", "text": "Overblik: Ældre og Sundhed"},
            {"action": "tabTo", "selector": f'a[href="#/unit/{nord}"]'},
            {"action": "enter"},
            {"action": "wait", "selector": "h1", "text": "Hjemmeplejen Nord"},
            {"action": "wait", "selector": "#plan-title"},
            {"action": "text"},
            {"action": "screenshot", "path": str(out / "tab-unit.png"), "fullPage": True},
            {"action": "axe"},
            {"action": "open", "token": leader, "theme": "dark", "hash": f"#/unit/{nord}"},
            {"action": "wait", "selector": "h1", "text": "Hjemmeplejen Nord"},
            {"action": "axe"},
            {"action": "open", "token": leader, "locale": "en-us", "hash": f"#/unit/{nord}"},
            {"action": "wait", "selector": "h2", "text": "Action plan"},
            {
                "action": "open",
                "token": leader,
                "hash": f"#/heatmap?unit={care_of(world)}&period=2026-07",
            },
            {"action": "wait", "selector": "table.heatmap"},
            {"action": "scan"},
        ],
    )
    text = results[6]["text"]
    for expected in (
        "Runder",
        "Udvikling pr. spørgsmål",
        "Seneste store måling",
        "Kommentarer",
        "Handlingsplan",
        "Fast tavlemøde hver mandag",
        "I gang",
        "Hent tallene (CSV til Excel)",
        "Dokument til MED-udvalget",
        "Hent som Word (DOCX)",
    ):
        assert expected in text, expected
    assert (out / "tab-unit.png").stat().st_size > 40_000
    assert_accessible(results[8])
    assert_accessible(results[11])
    assert_nothing_hidden_carries_a_number(results[16])


def care_of(world: TabWorld) -> str:
    return world.units["Ældre og Sundhed"]


def test_without_a_good_token_the_page_says_what_to_do(
    served: tuple[ServedApp, MockEntra, TabWorld],
) -> None:
    app, entra, _ = served
    results = drive(
        app,
        [
            {"action": "open", "token": None},
            {"action": "wait", "selector": "[role=alert] h1", "text": "Åbn fanen i Teams"},
            {"action": "open", "token": entra.token(HR_OID, tid=OTHER_TENANT_ID)},
            {"action": "wait", "selector": "[role=alert] h1", "text": "anden organisation"},
            {"action": "axe"},
        ],
    )
    assert_accessible(results[4])
