"""The MED document opened as its readers open it: the DOCX with python-docx, the PDF with
pdftotext and pdftoppm (poppler-utils), on a real database with shown and hidden figures.

What k = 3 would show but k = 5 hides (Sygeplejen Øst's round, Område Syd's wellbeing and
workload) is the list of numbers that must be in no document made with k = 5.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import docx
import pytest

from bot.documents.export import DocumentExporter
from dialogs.cards.summary import dimension_name
from dialogs.documents.med_meeting import med_meeting_layout
from storage.db.engine import SessionFactory
from storage.directory.hierarchy import Hierarchy
from storage.privacy.audit import AuditLog
from storage.results.med_document import med_document
from storage.results.summaries import Summaries
from tests.support.med_world import (
    AFTER,
    BANK,
    COMMENTS,
    PERIOD,
    MedWorld,
    build_med_world,
    plan_two_actions,
)

pytestmark = pytest.mark.sqlite_only  # read-only over Summaries, which both backends test


@pytest.fixture
async def world(session_factory: SessionFactory) -> AsyncIterator[dict[str, Any]]:
    built = await build_med_world(session_factory)
    summaries = Summaries(session_factory, BANK, 5, lambda: AFTER)
    await plan_two_actions(summaries, built)
    exporter = DocumentExporter(
        summaries,
        Hierarchy(session_factory),
        None,
        BANK,
        lambda: AFTER,
        audit=AuditLog(session_factory, lambda: AFTER),
    )
    yield {"world": built, "summaries": summaries, "exporter": exporter, "factory": session_factory}


def docx_text(data: bytes) -> tuple[str, list[tuple[str, ...]], Any]:
    """The paragraphs (and footer) as text, every table row, and the document itself."""
    document = docx.Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    lines += [p.text for p in document.sections[0].footer.paragraphs]
    rows = [
        tuple(cell.text for cell in row.cells) for table in document.tables for row in table.rows
    ]
    return "\n".join(lines + [" ".join(row) for row in rows]), rows, document


def pdf_text(data: bytes, tmp_path: Path) -> str:
    """What pdftotext reads from the PDF, twice: with the layout kept (a table row is one line)
    and in reading order (a cell that wraps is one run of words)."""
    path = tmp_path / "document.pdf"
    path.write_bytes(data)
    texts = []
    for mode in (["-layout"], []):
        done = subprocess.run(
            ["pdftotext", *mode, "-enc", "UTF-8", str(path), "-"],
            capture_output=True,
            check=True,
            timeout=60,
        )
        texts.append(squeezed(done.stdout.decode("utf-8")))
    return "\n".join(texts)


def first_page_png(data: bytes, tmp_path: Path, resolution: int = 50) -> bytes:
    """The PDF's first page rendered by pdftoppm."""
    pdf = tmp_path / "page.pdf"
    pdf.write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(resolution), "-f", "1", "-l", "1", "-singlefile"]
        + [str(pdf), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    return (tmp_path / "page.png").read_bytes()


def squeezed(text: str) -> str:
    return " ".join(text.split())


def numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+", text))


@pytest.fixture(autouse=True)
def _poppler() -> None:
    if shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None:
        pytest.fail("pdftotext/pdftoppm missing: run `make deps-system` (poppler-utils)")


async def test_the_docx_and_the_pdf_hold_the_released_figures_with_danish_letters(
    world: dict[str, Any], tmp_path: Path
) -> None:
    built: MedWorld = world["world"]
    exporter: DocumentExporter = world["exporter"]
    summary = await world["summaries"].round_summary(built.north_november, built.units)
    assert summary.figures is not None and len(summary.comments) == len(COMMENTS)
    made = {
        fmt: await exporter.for_hr(built.north, PERIOD, fmt, "da", "cli") for fmt in ("docx", "pdf")
    }
    assert made["pdf"].name == "MED-dokument Hjemmeplejen Nord 2026-11.pdf"
    assert made["pdf"].data.startswith(b"%PDF") and zipfile.is_zipfile(
        io.BytesIO(made["docx"].data)
    )

    word, rows, document = docx_text(made["docx"].data)
    printed = pdf_text(made["pdf"].data, tmp_path)
    for text in (word, printed):
        assert "Til MED-mødet: Hjemmeplejen Nord" in text
        assert "Mini-trivsel · november 2026 · lavet 2. december 2026" in text
        assert "10 af 10 svarede (100 %)." in text
        assert "Anonyme kommentarer (i tilfældig rækkefølge)" in text
        for comment in COMMENTS:  # æ, ø, å and the markup-like one, all as written
            assert comment in text, comment
        assert "Forslag til dialog på næste team- eller MED-møde: Retfærdighed" in text
        assert "Hvordan fordeler vi opgaverne i dag — og hvad ville føles mere retfærdigt?" in text
        assert "Udvikling over de seneste runder" in text and "Runde 1" in text
        assert "APV 2025" in text and "Område Syd (november 2026)" in text
        for planned in ("Fast tavlemøde om fordeling af opgaver", "Søren og Åse", "I gang"):
            assert planned in text
        assert "Trivselsbot · Hjemmeplejen Nord · november 2026 · kun frigivne resultater" in text
    # Every released dimension with its score and answers, in a table row of both files.
    for result in summary.figures.dimensions:
        name = dimension_name(BANK, result.dimension, "da")
        assert any(row[:3] == (name, f"{result.score:.0f}", str(result.answers)) for row in rows), (
            name
        )
        if len(name) < 25:  # longer names wrap inside their cell in the PDF
            line = f"{name} {result.score:.0f} {result.answers}"
            assert line in printed, line
    assert len(document.inline_shapes) == 2  # the scores and the trend, as pictures
    assert document.core_properties.title == "Til MED-mødet: Hjemmeplejen Nord"

    # The first page as a secretary prints it.
    header = first_page_png(made["pdf"].data, tmp_path)[:24]
    assert header.startswith(b"\x89PNG")
    width, height = int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")
    assert abs(height / width - 297 / 210) < 0.01  # A4


async def test_nothing_that_is_hidden_reaches_any_document(
    world: dict[str, Any], tmp_path: Path
) -> None:
    """Sygeplejen Øst's round (three answers) and Område Syd's wellbeing and workload are only
    words; their numbers, which a k of 3 would show, are in no file."""
    built: MedWorld = world["world"]
    exporter: DocumentExporter = world["exporter"]
    lower = Summaries(world["factory"], BANK, 3, lambda: AFTER, min_comment_group_size=3)
    east = await med_document(lower, built.east, PERIOD, built.units)
    department = await med_document(lower, built.department, PERIOD, built.units)
    assert east.rounds[0].figures is not None and department.month is not None
    assert department.month.figures is not None
    hidden = {f"{d.score:.0f}" for d in east.rounds[0].figures.dimensions}
    hidden |= {
        f"{d.score:.0f}"
        for d in department.month.figures.dimensions
        if d.dimension in ("wellbeing", "workload")
    }
    assert hidden == {"33", "69", "17"}  # the world was built so that none of them is shown
    for doc in (east, department):  # the check sees them when they are shown
        assert hidden & numbers(med_meeting_layout(doc, BANK, "da", AFTER).text())

    for unit in (built.east, built.department, built.north):
        for fmt in ("docx", "pdf"):
            made = await exporter.for_hr(unit, PERIOD, fmt, "da", "cli")
            text = docx_text(made.data)[0] if fmt == "docx" else pdf_text(made.data, tmp_path)
            assert not hidden & numbers(text), (unit, fmt, hidden & numbers(text))
            assert "Hemmelig kommentar" not in text
            if unit == built.east:
                assert "Sygeplejen Øst" in text
                assert "For få svar til at vise et resultat: færre end 5 har svaret." in text
                assert "af 6 svarede" not in text
            if unit == built.department:
                assert "16 af 22 svarede (73 %)." in text
                assert "Ikke vist for måneden: Trivsel, Balance mellem opgaver og tid." in text
                assert "Kommentarer vises kun ved et teams egne runder" in text


async def test_in_english_with_the_same_figures(world: dict[str, Any], tmp_path: Path) -> None:
    built: MedWorld = world["world"]
    made = await world["exporter"].for_hr(built.north, PERIOD, "pdf", "en", "admin_api")
    assert made.name == "MED document Hjemmeplejen Nord 2026-11.pdf"
    text = pdf_text(made.data, tmp_path)
    for expected in (
        "For the MED meeting: Hjemmeplejen Nord",
        "Pulse results · November 2026 · made 2 December 2026",
        "10 of 10 answered (100 %).",
        "Trust among colleagues 85 10",
        "Anonymous comments (in random order)",
        "Action plan",
        "Søren og Åse",
        "In progress",
        "Page 1",
    ):
        assert expected in text, expected
