"""HR's results as files: Danish Excel's CSV (the default), an .xlsx workbook, or RFC 4180 for scripts.

Unit names come from Teams, where any team owner can rename a team: a name such as
`=HYPERLINK("http://x","y")` or `+cmd|' /C calc'!A0` would be a live formula in HR's spreadsheet.
Every text cell that begins with one of FORMULA_STARTS is therefore neutralised in every format:
in CSV with a leading apostrophe (Excel shows it and evaluates nothing); in .xlsx the cell is
written as a string with Excel's quote-prefix flag, so it stays text even when edited. Numbers are
numbers (a negative score is not a formula) and are never touched.

Danish Excel reads `;`-separated UTF-8 only with a byte-order mark and wants decimal commas; the
importers of this project (storage/files/tabular.py) read the same form back.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

from dialogs.i18n import Language, t
from storage.question_bank import QuestionBank

Row = Mapping[str, object]
Dialect = Literal["excel-da", "rfc4180"]
Format = Literal["csv", "xlsx"]

# The columns of the scripts' form, as they have always been (tests/test_summaries.py reads them).
COLUMNS = ["period", "unit", "figure", "responses", "eligible", "dimension", "answers", "score"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SCORE_DECIMALS = 1  # what the cards round to is 0; one more keeps a trend of half a point visible
_ROUND_LABEL = re.compile(r"round (\d+)")


def neutralise(value: str) -> str:
    """Text a spreadsheet would take for a formula, made plain text (OWASP's CSV injection fix)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def is_formula_like(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def _figure_label(label: str, language: Language) -> str:
    """storage's figure label ('round 3', 'month') in the reader's language."""
    match = _ROUND_LABEL.fullmatch(label)
    if match:
        return t(language, "export.figure.round", sequence=int(match.group(1)))
    if label == "month":
        return t(language, "export.figure.month")
    return label


def _readable(row: Row, bank: QuestionBank, language: Language) -> list[object]:
    """One row for people: labels and dimension names in their language, the score rounded."""
    dimension = str(row["dimension"])
    names = bank.dimensions.get(dimension)
    score = row["score"]
    return [
        row["period"],
        row["unit"],
        _figure_label(str(row["figure"]), language),
        row["responses"],
        row["eligible"],
        names.get(language) if names else dimension,
        row["answers"],
        round(float(score), SCORE_DECIMALS) if isinstance(score, int | float) else score,
    ]


def header(language: Language) -> list[str]:
    return [t(language, f"export.column.{column}") for column in COLUMNS]


def _csv_text(
    rows: Iterable[Sequence[object]], delimiter: str, number: Callable[[object], str]
) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(
            [neutralise(cell) if isinstance(cell, str) else number(cell) for cell in row]
        )
    return buffer.getvalue()


def _plain_number(value: object) -> str:
    return "" if value is None else str(value)


def _danish_number(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.{SCORE_DECIMALS}f}".replace(".", ",")
    return str(value)


def rfc4180(rows: Iterable[Row]) -> str:
    """For scripts: comma-separated, CRLF, no BOM, English column names and the values unrounded
    (ids rather than names), as the export has always been; text cells neutralised all the same."""
    body = [[row[column] for column in COLUMNS] for row in rows]
    return _csv_text([COLUMNS, *body], ",", _plain_number)


def danish_csv(rows: Iterable[Row], bank: QuestionBank, language: Language = "da") -> bytes:
    """For Danish Excel (a double click opens it in columns): `;`, decimal commas, UTF-8 with BOM."""
    body = [_readable(row, bank, language) for row in rows]
    return ("\ufeff" + _csv_text([header(language), *body], ";", _danish_number)).encode("utf-8")


def xlsx(rows: Iterable[Row], bank: QuestionBank, language: Language = "da") -> bytes:
    """A workbook with one sheet: numbers as numbers, every text as a string cell, never a formula."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = t(language, "export.sheet")
    titles = header(language)
    table: list[Sequence[object]] = [titles, *(_readable(row, bank, language) for row in rows)]
    for row_number, values in enumerate(table, start=1):
        for column_number, value in enumerate(values, start=1):
            cell: Any = sheet.cell(row=row_number, column=column_number)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # openpyxl makes any text starting with "=" a formula
                cell.quotePrefix = is_formula_like(value)
            elif isinstance(value, float):
                cell.number_format = "0." + "0" * SCORE_DECIMALS
    sheet.freeze_panes = "A2"
    for column_number, title in enumerate(titles, start=1):
        sheet.column_dimensions[get_column_letter(column_number)].width = max(12, len(title) + 2)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def render(rows: Sequence[Row], bank: QuestionBank, file_format: Format, dialect: Dialect) -> bytes:
    """The bytes of one export; RFC 4180 is a CSV dialect only."""
    if file_format == "xlsx":
        return xlsx(rows, bank)
    if dialect == "rfc4180":
        return rfc4180(rows).encode("utf-8")
    return danish_csv(rows, bank)
