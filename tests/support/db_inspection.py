"""Read the whole database generically: every table, every column, every row (no hand-kept lists)."""

from __future__ import annotations

import sqlite3
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
