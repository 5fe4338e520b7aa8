"""Reading HR's CSV files: comma or semicolon (Danish Excel), a BOM, and a line number per row."""

from __future__ import annotations

import csv
import io
from collections.abc import Collection

from pydantic import ValidationError

Row = tuple[int, dict[str, str]]  # (line number in the file, column → non-empty cell)


def read_csv(
    text: str, *, required: Collection[str], optional: Collection[str]
) -> tuple[list[Row], list[str], list[str]]:
    """Rows, the header's column names, and problems (each names its line)."""
    text = text.removeprefix("\ufeff")
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [cell.strip().casefold() for cell in next(reader)]
    except StopIteration:
        return [], [], ["line 1: the file is empty (expected a header line)"]
    problems = []
    known = [*required, *optional]
    for column in header:
        if column not in known:
            problems.append(
                f"line 1: unknown column {column!r} (expected {', '.join(known)})"
                if column
                else "line 1: a column has no name"
            )
    for column in required:
        if column not in header:
            problems.append(f"line 1: column {column!r} is missing")
    if len(set(header)) != len(header):
        problems.append("line 1: a column appears twice")
    if problems:
        return [], header, problems
    rows: list[Row] = []
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(header):
                problems.append(f"line {line}: more cells than columns ({len(header)})")
                continue
            rows.append(
                (line, {c: v.strip() for c, v in zip(header, cells, strict=False) if v.strip()})
            )
    except csv.Error as error:
        problems.append(f"line {reader.line_num}: {error}")
    return rows, header, problems


def describe(where: str, error: ValidationError) -> list[str]:
    """Pydantic's complaints as one plain line per field, each starting with where it happened."""
    lines = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "entry"
        if item["type"] == "missing":
            lines.append(f"{where}: field {field!r} is missing")
        elif item["type"] == "extra_forbidden":
            lines.append(f"{where}: unknown field {field!r}")
        else:
            message = str(item["msg"]).removeprefix("Value error, ")
            lines.append(f"{where}: field {field!r}: {message}")
    return lines
