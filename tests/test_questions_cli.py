"""`trivselsbot questions …` as HR runs it: a real process, a real file, a real database."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from storage.db.engine import create_engine, create_session_factory
from tests.support.cli_process import run_cli
from tests.support.pulse_fixtures import team_with_members

DANISH_ONLY = """\
version: 1
items:
  - id: tk9
    dimension: trust_colleagues
    state: draft
    text:
      da: "Vi siger tak til hinanden for hjælpen."
"""
BAD = """\
version: 1
items:
  - id: tk9
    dimension: trust_colleagues
    text:
      da: "Vi siger tak til hinanden for hjælpen."
  - id: kf_x
    use: short_form
    scale: degree
    dimension: wellbeing
    text:
      da: "Hvordan går det?"
"""


run = run_cli


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "cli.db"
    assert run(path, "questions", "list").returncode == 0  # schema, and the shipped bank seeded
    return path


def test_export_import_export_is_byte_identical_and_danish_only_items_are_named(
    db: Path, tmp_path: Path
) -> None:
    (tmp_path / "new.yaml").write_text(DANISH_ONLY, encoding="utf-8")
    added = run(db, "questions", "import", str(tmp_path / "new.yaml"))
    assert added.returncode == 0, added.stderr
    assert "1 created" in added.stdout
    assert "English readers see the Danish: tk9" in added.stderr
    first = tmp_path / "first.yaml"
    exported = run(db, "questions", "export", str(first))
    assert exported.returncode == 0 and "English readers see the Danish: tk9" in exported.stderr
    again = run(db, "questions", "import", str(first))
    assert again.returncode == 0 and "0 created, 0 updated" in again.stdout
    second = tmp_path / "second.yaml"
    assert run(db, "questions", "export", str(second)).returncode == 0
    assert second.read_bytes() == first.read_bytes()


def test_a_bad_file_is_refused_naming_file_line_item_and_field(db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD, encoding="utf-8")
    before = run(db, "questions", "export").stdout
    result = run(db, "questions", "import", str(bad))
    assert result.returncode == 1
    assert result.stderr.splitlines()[:2] == [
        "Refused: nothing was changed.",
        f"  {bad}:10, item kf_x, entry 2: dimension: a short-form item is on one of "
        "trust_colleagues, trust_management, justice, cooperation",
    ]
    assert run(db, "questions", "export").stdout == before  # tk9, which was fine, is not in


def test_hr_sets_a_units_template_and_starts_the_short_form(db: Path) -> None:
    async def install() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{db}")
        try:
            await team_with_members(
                create_session_factory(engine), "19:cli@thread.tacv2", range(1, 6), "Hjemmeplejen"
            )
        finally:
            await engine.dispose()

    asyncio.run(install())
    shown = run(db, "questions", "template", "--team", "Hjemmeplejen")
    assert shown.stdout.strip() == "'Hjemmeplejen': rotation"
    fixed = run(
        db, "questions", "template", "--team", "Hjemmeplejen", "--items", "tk1", "tl1", "zz"
    )
    assert fixed.returncode == 1 and "no item 'zz' in the bank" in fixed.stderr
    chosen = run(db, "questions", "template", "--team", "Hjemmeplejen", "--short-form")
    assert chosen.stdout.strip() == "'Hjemmeplejen': short_form", chosen.stderr
    assert "Hjemmeplejen" in run(db, "questions", "templates").stdout
    started = run(db, "pulse", "start", "--team", "Hjemmeplejen")
    assert started.returncode == 0, started.stderr
    assert "items ['kf_tk', 'kf_tl', 'kf_rf', 'kf_sa']" in started.stdout
