"""`trivselsbot prompts …` as HR runs it: a real process, a real file, a real database."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.support.cli_process import run_cli

REPO = Path(__file__).resolve().parents[1]
GOOD = """\
prompts:
  - id: cli-one
    theme: blik_for_borgeren
    text:
      da: "Hvad gjorde en forskel for en borger i dag?"
      en: "What made a difference for a citizen today?"
"""


def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(db, "prompts", *args)


def prompt_rows(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute("SELECT * FROM prompts ORDER BY id").fetchall()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "cli.db"
    assert run(path, "list").returncode == 0  # creates the schema and seeds the starter library
    return path


def test_list_shows_the_starter_library(db: Path) -> None:
    result = run(db, "list", "--theme", "staerk_fortaelling")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 6 and all("staerk_fortaelling" in line for line in lines)
    assert "6 prompt(s)" in result.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            GOOD.replace('      da: "Hvad gjorde en forskel for en borger i dag?"\n', ""),
            ":4: entry 1: text.da",
        ),
        (GOOD.replace("theme: blik_for_borgeren", "theme: kaffe"), ":3: entry 1: theme"),
        (GOOD + GOOD.replace("prompts:\n", ""), ":7: entry 2: id: duplicate id 'cli-one'"),
        ("prompts:\n  - id: x1\n    theme: [unclosed\n", ":4: (document): not valid YAML"),
        ("", ":1: prompts: expected a non-empty list"),
    ],
)
def test_a_bad_file_is_refused_naming_line_entry_and_field(
    db: Path, tmp_path: Path, content: str, expected: str
) -> None:
    before = prompt_rows(db)
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    result = run(db, "import", str(path))
    assert result.returncode == 1
    assert "refused, nothing was imported" in result.stderr
    assert f"{path}{expected}" in result.stderr, result.stderr
    assert prompt_rows(db) == before


def test_a_half_good_file_imports_nothing(db: Path, tmp_path: Path) -> None:
    before = prompt_rows(db)
    path = tmp_path / "half.yaml"
    second = (
        GOOD.replace("prompts:\n", "")
        .replace("cli-one", "cli-two")
        .replace('en: "What made a difference for a citizen today?"', 'en: ""')
    )
    path.write_text(GOOD + second, encoding="utf-8")
    result = run(db, "import", str(path))
    assert result.returncode == 1 and ":11: entry 2: text.en" in result.stderr
    assert prompt_rows(db) == before


def test_import_export_round_trip(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "good.yaml"
    path.write_text(GOOD, encoding="utf-8")
    result = run(db, "import", str(path))
    assert result.returncode == 0, result.stderr
    assert "1 created, 0 updated" in result.stdout
    exported = tmp_path / "export.yaml"
    assert run(db, "export", str(exported)).returncode == 0
    text = exported.read_text(encoding="utf-8")
    assert "id: cli-one" in text and "En stærk fortælling" not in text  # ids, not display names
    assert "Hvornår har du sidst oplevet" in text  # Danish letters kept as they are
    before = prompt_rows(db)
    result = run(db, "import", str(exported))
    assert result.returncode == 0 and "0 created, 25 updated" in result.stdout
    assert [row[:7] for row in prompt_rows(db)] == [row[:7] for row in before]
    assert run(db, "export").stdout == text


def test_a_missing_file_and_a_bad_publish_are_refused(db: Path, tmp_path: Path) -> None:
    result = run(db, "import", str(tmp_path / "nope.yaml"))
    assert result.returncode == 1 and "cannot read" in result.stderr.lower()
    result = run(db, "publish", "--pulse", "--all", "--every", "3")
    assert result.returncode == 1 and "schedule.every_days" in result.stderr
    result = run(db, "publish", "--prompt", "nope", "--all")
    assert result.returncode == 1 and "prompt not found" in result.stderr
