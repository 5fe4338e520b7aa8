"""Baselines in any scale: 0–100, 1–5 and 0–16 converted to the card's 0–100 on import.

The table below is worked out by hand from the formula in the README, (x − min) / (max − min)
× 100: it is not computed by the code under test. Every door takes the scale: the service (per
file and per line), the CLI (`--scale`) and the admin API (`?scale=`), and each refuses a score
outside its scale with the line, changing nothing.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from storage.db.engine import SessionFactory, create_engine, create_session_factory
from storage.directory.baseline_scales import SurveyScale, parse_scale, to_card_scale
from storage.directory.baselines import Baselines, BaselineScore, InvalidBaselines
from storage.question_bank import default_bank
from tests.conftest import make_settings
from tests.support.cli_process import run_cli
from tests.support.clock import Clock
from tests.support.db_inspection import snapshot, tables
from tests.support.pulse_fixtures import NOW, team_with_members

TEAM = "19:scales@thread.tacv2"
# scale, the survey's score, the card's 0–100 (by hand)
BY_HAND = [
    (SurveyScale.HUNDRED, 0, 0.0),
    (SurveyScale.HUNDRED, 72.5, 72.5),
    (SurveyScale.HUNDRED, 100, 100.0),
    (SurveyScale.FIVE, 1, 0.0),  # (1 − 1) / 4 × 100
    (SurveyScale.FIVE, 2, 25.0),  # (2 − 1) / 4 × 100
    (SurveyScale.FIVE, 3, 50.0),
    (SurveyScale.FIVE, 3.9, 72.5),  # 2.9 / 4 = 0.725
    (SurveyScale.FIVE, 4.2, 80.0),  # 3.2 / 4 = 0.8
    (SurveyScale.FIVE, 5, 100.0),
    (SurveyScale.SIXTEEN, 0, 0.0),  # 0 / 16 × 100
    (SurveyScale.SIXTEEN, 8, 50.0),
    (SurveyScale.SIXTEEN, 10.2, 63.75),  # the Danish average of the short form
    (SurveyScale.SIXTEEN, 12.4, 77.5),  # 12.4 / 16 = 0.775
    (SurveyScale.SIXTEEN, 13, 81.25),
    (SurveyScale.SIXTEEN, 16, 100.0),
]


@pytest.mark.parametrize(("scale", "score", "card"), BY_HAND)
def test_conversion_table_by_hand(scale: SurveyScale, score: float, card: float) -> None:
    assert to_card_scale(score, scale) == card


def test_scales_are_read_as_people_write_them() -> None:
    assert parse_scale("1-5") is SurveyScale.FIVE
    assert parse_scale(" 1 – 5 ") is SurveyScale.FIVE
    assert parse_scale("0–16") is SurveyScale.SIXTEEN
    assert parse_scale("0-100") is SurveyScale.HUNDRED
    with pytest.raises(ValueError, match="one of 0–100, 1–5, 0–16"):
        parse_scale("1-7")


@pytest.fixture
async def unit(session_factory: SessionFactory) -> str:
    return await team_with_members(session_factory, TEAM, range(1, 4), "Hjemmeplejen Vest")


async def test_each_scale_is_kept_on_the_cards_scale(
    session_factory: SessionFactory, unit: str
) -> None:
    baselines = Baselines(session_factory, default_bank())
    # The file's scale is 1–5; the last line says its own (a 0–16 short-form score).
    csv = (
        "unit;dimension;score;scale\n"
        "Hjemmeplejen Vest;justice;3,9;\n"
        "Hjemmeplejen Vest;trust_colleagues;4.2;\n"
        "Hjemmeplejen Vest;cooperation;12,4;0–16\n"
    )
    report = await baselines.import_csv(csv, "APV 2025", SurveyScale.FIVE)
    assert (report.rows, report.converted, report.scale) == (3, 3, SurveyScale.FIVE)
    assert await baselines.baselines_for(unit) == {
        "cooperation": BaselineScore(77.5, "APV 2025"),
        "justice": BaselineScore(72.5, "APV 2025"),
        "trust_colleagues": BaselineScore(80.0, "APV 2025"),
    }
    # Without a stated scale a file is 0–100, as before, and nothing is converted.
    report = await baselines.import_csv("unit,dimension,score\nHjemmeplejen Vest,justice,64\n", "x")
    assert report.converted == 0 and report.scale is SurveyScale.HUNDRED
    assert await baselines.baselines_for(unit) == {"justice": BaselineScore(64.0, "x")}


OUT_OF_SCALE = [
    (SurveyScale.FIVE, "0", "0 is outside the scale 1–5 (from 1 to 5)"),
    (SurveyScale.FIVE, "5,1", "5.1 is outside the scale 1–5 (from 1 to 5)"),
    # A 0–100 file said to be 1–5 is refused, not squeezed.
    (SurveyScale.FIVE, "72", "72 is outside the scale 1–5 (from 1 to 5)"),
    (SurveyScale.SIXTEEN, "16.5", "16.5 is outside the scale 0–16 (from 0 to 16)"),
    (SurveyScale.HUNDRED, "101", "101 is outside the scale 0–100 (from 0 to 100)"),
]


@pytest.mark.parametrize(("scale", "score", "message"), OUT_OF_SCALE)
async def test_a_score_outside_its_scale_is_refused_with_its_line(
    session_factory: SessionFactory, unit: str, scale: SurveyScale, score: str, message: str
) -> None:
    baselines = Baselines(session_factory, default_bank())
    before = await snapshot(session_factory)
    with pytest.raises(InvalidBaselines) as raised:
        await baselines.import_csv(
            f"unit;dimension;score\nHjemmeplejen Vest;justice;{score}\n", "x", scale
        )
    assert raised.value.problems == [f"line 2: field 'score': {message}"]
    assert await snapshot(session_factory) == before


async def test_an_unknown_scale_column_is_named(session_factory: SessionFactory, unit: str) -> None:
    baselines = Baselines(session_factory, default_bank())
    with pytest.raises(InvalidBaselines) as raised:
        await baselines.import_csv(
            "unit,dimension,score,scale\nHjemmeplejen Vest,justice,4,1-7\n", "x"
        )
    (problem,) = raised.value.problems
    assert problem.startswith("line 2: field 'scale'") and "one of 0–100, 1–5, 0–16" in problem


def trivselsbot(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(tmp_path / "cli.db", *args)


async def _unit_in(db_file: Path) -> None:
    from storage.db.migrate import upgrade

    engine = create_engine(f"sqlite+aiosqlite:///{db_file}")
    try:
        await upgrade(engine)
        await team_with_members(create_session_factory(engine), TEAM, range(1, 4), "Vest")
    finally:
        await engine.dispose()


def test_the_cli_states_the_scale_and_says_what_it_converted(tmp_path: Path) -> None:
    import asyncio

    asyncio.run(_unit_in(tmp_path / "cli.db"))
    (tmp_path / "apv.csv").write_text("unit,dimension,score\nVest,justice,3.9\n", encoding="utf-8")
    done = trivselsbot(tmp_path, "baseline", "import", "apv.csv", "--scale", "1-5")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "Imported 1 baselines for 1 units from apv.csv (scale 1–5; 1 converted to the card's 0–100)."
    )
    done = trivselsbot(tmp_path, "baseline", "show", "--unit", "Vest")
    assert done.stdout.split() == ["justice", "72.5", "apv"]
    before = tables(tmp_path / "cli.db")
    done = trivselsbot(tmp_path, "baseline", "import", "apv.csv", "--scale", "0-16")
    assert done.returncode == 0  # 3.9 is on 0–16 too: 24.38
    done = trivselsbot(tmp_path, "baseline", "import", "apv.csv", "--scale", "1-7")
    assert done.returncode == 2 and "unknown scale '1-7' (one of 0–100, 1–5, 0–16)" in done.stderr
    (tmp_path / "big.csv").write_text("unit,dimension,score\nVest,justice,17\n", encoding="utf-8")
    done = trivselsbot(tmp_path, "baseline", "import", "big.csv", "--scale", "0-16")
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "Nothing was imported from big.csv: line 2: field 'score': 17 is outside the scale 0–16 "
        "(from 0 to 16)"
    )
    assert tables(tmp_path / "cli.db") != before  # the 0–16 import above did change it


TOKEN = "admin-token-0123456789-0123456789-abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
async def api(db_path: Path) -> AsyncIterator[TestClient]:
    settings = make_settings(db_path, BOT_ADMIN_TOKEN=TOKEN, BOT_BACKGROUND_WORKERS=False)
    app = create_app(settings, now=Clock(NOW))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


async def test_the_admin_api_imports_in_any_scale_and_reads_back(
    api: TestClient, db_path: Path
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{db_path}")
    await team_with_members(create_session_factory(engine), TEAM, range(1, 4), "Vest")
    await engine.dispose()
    body = b"unit;dimension;score\nVest;justice;12,4\nVest;Samarbejde;8\n"
    response = await api.post(
        "/admin/baselines/import?scale=0-16&source=Trivselsm%C3%A5ling%202025",
        data=body,
        headers={**AUTH, "Content-Type": "text/csv"},
    )
    assert response.status == 200, await response.text()
    assert await response.json() == {"units": 1, "rows": 2, "scale": "0-16", "converted": 2}
    response = await api.get("/admin/baselines?unit=Vest", headers=AUTH)
    listed = await response.json()
    assert listed["unit"]["name"] == "Vest"
    assert listed["baselines"] == [
        {"dimension": "cooperation", "score": 50.0, "source": "Trivselsmåling 2025"},
        {"dimension": "justice", "score": 77.5, "source": "Trivselsmåling 2025"},
    ]
    # Out of its scale: 400, the line and field named, nothing changed.
    response = await api.post(
        "/admin/baselines/import?scale=1-5",
        data=b"unit,dimension,score\nVest,justice,7\n",
        headers={**AUTH, "Content-Type": "text/csv"},
    )
    assert response.status == 400
    (issue,) = (await response.json())["issues"]
    assert (issue["line"], issue["field"], issue["code"]) == (2, "score", "invalid_baseline")
    assert "7 is outside the scale 1–5" in issue["message"]
    response = await api.get("/admin/baselines?unit=Vest", headers=AUTH)
    assert [b["score"] for b in (await response.json())["baselines"]] == [50.0, 77.5]
    response = await api.post(
        "/admin/baselines/import?scale=1-7", data=b"x", headers={**AUTH, "Content-Type": "text/csv"}
    )
    assert response.status == 400
    assert json.loads(await response.text())["issues"][0]["field"] == "scale"
    response = await api.get("/admin/baselines?unit=Nowhere", headers=AUTH)
    assert response.status == 400
