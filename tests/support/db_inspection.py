"""Read the whole database generically: every table, every column, every row (no hand-kept lists)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def tables(db_path: Path) -> dict[str, dict[str, Any]]:
    """name → {"sql": CREATE statement, "columns": {name: declared type}, "rows": [tuple, …]}."""
    with sqlite3.connect(db_path) as connection:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        result = {}
        for name in names:
            sql = connection.execute(
                "SELECT sql FROM sqlite_master WHERE type='table' AND name=?", (name,)
            ).fetchone()[0]
            columns = {row[1]: row[2] for row in connection.execute(f'PRAGMA table_info("{name}")')}
            rows = sorted(connection.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
            result[name] = {"sql": sql, "columns": columns, "rows": rows}
        return result


def changed_tables(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> set[str]:
    return {name for name in after if after[name]["rows"] != before.get(name, {}).get("rows")}


async def snapshot(session_factory: Any) -> dict[str, list[tuple[Any, ...]]]:
    """name → every row, for any backend: what `tables` gives without SQLite's catalogue."""
    from sqlalchemy import inspect, table, text

    async with session_factory() as session:
        connection = await session.connection()
        names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        result = {}
        for name in sorted(names):
            rows = (await session.execute(text(f'SELECT * FROM "{table(name).name}"'))).all()
            result[name] = sorted((tuple(row) for row in rows), key=repr)
        return result


ANSWER_TABLES = {"answer_counts", "round_responses", "anonymous_comments", "participation"}


def assert_answers_left_no_trace(
    before: dict[str, dict[str, Any]],
    after: dict[str, dict[str, Any]],
    identifiers: set[str],
    texts: Iterable[str],
) -> None:
    """Rule 1 on the real schema: answering changed only the anonymous tables, which are
    key-ordered, have no date or time column and hold no identifier; free texts live nowhere else."""
    import json

    assert changed_tables(before, after) == ANSWER_TABLES
    for name in ANSWER_TABLES:
        table = after[name]
        assert "WITHOUT ROWID" in table["sql"].upper(), f"{name} would keep arrival order"
        for column, declared in table["columns"].items():
            assert "DATE" not in declared.upper() and "TIME" not in declared.upper(), (name, column)
        for row in table["rows"]:
            dump = json.dumps(row, ensure_ascii=False, default=str)
            assert not any(identifier in dump for identifier in identifiers), (name, row)
    texts = list(texts)
    for name, table in after.items():
        if name not in ANSWER_TABLES:
            dump = json.dumps(table["rows"], ensure_ascii=False, default=str)
            assert not any(text in dump for text in texts), name
