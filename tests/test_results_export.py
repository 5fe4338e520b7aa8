"""HR's results export: formulas planted in unit names come out as text in every format, the
default opens in Danish Excel (`;`, decimal commas, BOM, Danish column names), and the scripts'
form keeps its columns.

A team owner can rename a team to anything, and the name is what the export writes; these tests
plant formulas there and read the files back the way a spreadsheet would see them."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest

from bot.documents.results_export import COLUMNS, danish_csv, neutralise, rfc4180, xlsx
from storage.db.engine import SessionFactory
from storage.files.tabular import read_csv
from storage.question_bank import default_bank
from tests.conftest import make_settings
from tests.support.pulse_fixtures import team_with_members
from tests.test_summaries import CLOSES, Clock, run_round

BANK = default_bank()
HYPERLINK = '=HYPERLINK("http://x","y")'
PLANTED = [HYPERLINK, "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\tx", "\rx"]
DANISH_HEADER = [
    "Periode",
    "Enhed",
    "Opgørelse",
    "Besvarelser",
    "Inviterede",
    "Dimension",
    "Svar",
    "Score (0–100)",
]


def row(unit: str, score: float = 72.456, figure: str = "round 1") -> dict[str, object]:
    return {
        "period": "2026-11",
        "unit": unit,
        "figure": figure,
        "responses": 5,
        "eligible": 7,
        "dimension": "justice",
        "answers": 15,
        "score": score,
    }


ROWS = [row(name) for name in PLANTED] + [row("Team Ærø", -3.5, "month")]


def test_neutralise_only_text_that_a_spreadsheet_would_evaluate() -> None:
    for planted in PLANTED:
        assert neutralise(planted) == "'" + planted
    for harmless in ("Team A", "Hjemmeplejen Nord", "a=b", " =x", "", "'quoted"):
        assert neutralise(harmless) == harmless


def test_the_scripts_form_keeps_its_columns_and_neutralises_text() -> None:
    text = rfc4180(ROWS)
    assert text.startswith("period,unit,figure,responses,eligible,dimension,answers,score\r\n")
    table = list(csv.reader(io.StringIO(text, newline="")))
    assert table[0] == COLUMNS
    assert [line[1] for line in table[1:]] == ["'" + p for p in PLANTED] + ["Team Ærø"]
    assert table[-1][7] == "-3.5"  # a negative number is a number: not touched
    assert table[1][7] == "72.456" and table[1][2] == "round 1" and table[1][5] == "justice"


def test_the_default_opens_in_danish_excel() -> None:
    data = danish_csv(ROWS, BANK)
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark: Excel reads it as UTF-8
    text = data.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert table[0] == DANISH_HEADER
    first, last = table[1], table[-1]
    assert first == ["2026-11", "'" + HYPERLINK, "Runde 1", "5", "7", "Retfærdighed", "15", "72,5"]
    assert last[1:3] == ["Team Ærø", "Hele måneden"] and last[7] == "-3,5"
    assert [line[1] for line in table[1:-1]] == ["'" + p for p in PLANTED]
    # Our own importers read the same form back (the semicolon and the BOM are theirs too).
    rows, header, problems = read_csv(
        text, required=[h.casefold() for h in DANISH_HEADER], optional=[]
    )
    assert problems == [] and len(rows) == len(ROWS)


def test_the_workbook_holds_text_cells_and_numbers_never_formulas() -> None:
    book = openpyxl.load_workbook(io.BytesIO(xlsx(ROWS, BANK)))
    sheet = book["Resultater"]
    cells = list(sheet.iter_rows())
    assert [c.value for c in cells[0]] == DANISH_HEADER
    assert all(cell.data_type != "f" for line in cells for cell in line)
    for planted, line in zip(PLANTED, cells[1:], strict=False):
        unit = line[1]
        # openpyxl writes through lxml (python-docx needs it), which keeps a lone CR as &#13;;
        # without lxml, XML reads it back as a line feed. Either way it is text, never a formula.
        assert unit.value in (planted, planted.replace("\r", "\n"))
        assert unit.data_type == "s" and unit.quotePrefix
    assert cells[1][7].value == 72.5 and cells[1][3].value == 5
    assert cells[-1][7].value == -3.5 and cells[-1][1].quotePrefix is False


@pytest.mark.parametrize("extra", [[], ["--dialect", "rfc4180"], ["--format", "xlsx"]])
async def test_a_unit_renamed_to_a_formula_is_text_in_every_exported_format(
    session_factory: SessionFactory,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    extra: list[str],
) -> None:
    """Through `trivselsbot results export FILE` on a real database, as HR runs it."""
    from bot.cli import main as cli
    from tests.conftest import TEST_SECRET

    unit = await team_with_members(session_factory, "19:evil", range(1, 8), name=HYPERLINK)
    await run_round(session_factory, unit, [4] * 5)
    for key, value in {
        "BOT_DEV_MODE": "true",
        "BOT_DATABASE_URL": database_url,
        "BOT_ANONYMITY_SECRET": TEST_SECRET,
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    target = tmp_path / ("results.xlsx" if "xlsx" in extra else "results.csv")
    with pytest.raises(SystemExit) as exited:
        # The command runs its own event loop (asyncio.run), so not on this test's.
        await asyncio.to_thread(cli.main, ["results", "export", str(target), *extra])
    assert exited.value.code == 0
    if "xlsx" in extra:
        sheet = openpyxl.load_workbook(target).active
        units = [line[1] for line in sheet.iter_rows(min_row=2)]
        assert units and all(c.value == HYPERLINK and c.data_type == "s" for c in units)
        assert all(cell.data_type != "f" for line in sheet.iter_rows() for cell in line)
        return
    raw = target.read_bytes()
    delimiter = "," if extra else ";"
    assert raw.startswith(b"\xef\xbb\xbf") is (not extra)
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=delimiter))
    assert len(table) >= 1 + 5  # five dimensions of the released round (and its month, once over)
    assert {line[1] for line in table[1:]} == {"'" + HYPERLINK}


async def test_export_keeps_the_scripts_form_for_callers_of_export_csv(
    session_factory: SessionFactory, database_url: str, tmp_path: Path
) -> None:
    from bot.cli.results import export, export_csv

    unit = await team_with_members(session_factory, "19:plain", range(1, 8), name="Team A")
    await run_round(session_factory, unit, [4] * 5)
    settings = make_settings(tmp_path / "unused.db", BOT_DATABASE_URL=database_url)
    clock = Clock(CLOSES + timedelta(days=1))
    text = await export_csv(settings, clock)
    assert text.splitlines()[0] == ",".join(COLUMNS)
    data, count = await export(settings, "csv", "excel-da", clock)
    assert count == 5 and data.decode("utf-8-sig").splitlines()[0] == ";".join(DANISH_HEADER)
