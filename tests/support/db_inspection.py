"""Read the whole database generically: every table, every column, every row (no hand-kept lists).

`tables(db_path)` reads an SQLite file; `read_tables(database_url)` reads either backend and gives
the same shape, so the anonymity scan runs unchanged on PostgreSQL. What differs is how a table
could betray arrival order: SQLite has a rowid unless the table is `WITHOUT ROWID`; a PostgreSQL
heap has no such option but shows, to anyone who can SELECT, the transaction that wrote each row
(`xmin`). The scan checks the rule that means something on each backend.
"""

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


def _sqlite_path(database_url: str) -> Path | None:
    prefix = "sqlite+aiosqlite:///"
    return Path(database_url.removeprefix(prefix)) if database_url.startswith(prefix) else None


async def public_tables(connection: Any) -> list[str]:
    """Every table of a PostgreSQL database's public schema (an asyncpg connection)."""
    rows = await connection.fetch(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
    )
    return [row[0] for row in rows]


async def read_tables(database_url: str) -> dict[str, dict[str, Any]]:
    """`tables` for either backend. PostgreSQL entries have "sql": None, "defaults" (columns that
    fill themselves: sequences, identities, now()), "xmin" (the writing transaction per row, in
    the order of "rows") and "physical_order" (the rows as they lie in the heap, by `ctid`)."""
    path = _sqlite_path(database_url)
    if path is not None:
        return tables(path)
    import asyncpg

    connection = await asyncpg.connect(
        database_url.replace("postgresql+asyncpg://", "postgresql://")
    )
    try:
        names = await public_tables(connection)
        result = {}
        for name in names:
            described = await connection.fetch(
                "SELECT column_name, data_type, column_default, is_identity, is_generated "
                "FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 "
                "ORDER BY ordinal_position",
                name,
            )
            columns = {row["column_name"]: row["data_type"] for row in described}
            defaults = [
                row["column_name"]
                for row in described
                if row["column_default"] is not None
                or row["is_identity"] == "YES"
                or row["is_generated"] == "ALWAYS"
            ]
            fetched = await connection.fetch(
                f'SELECT xmin::text AS "xmin (system)", * FROM "{name}" ORDER BY ctid'
            )
            pairs = sorted(
                ((tuple(row.values())[1:], row["xmin (system)"]) for row in fetched), key=repr
            )
            result[name] = {
                "sql": None,
                "columns": columns,
                "rows": [row for row, _ in pairs],
                "defaults": defaults,
                "xmin": [xmin for _, xmin in pairs],
                "physical_order": [tuple(row.values())[1:] for row in fetched],
            }
        return result
    finally:
        await connection.close()


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


# Every table that holds something of an answer, or of who answered.
ANSWER_TABLES = {
    "answer_counts",
    "round_responses",
    "anonymous_comments",
    "participation",
    "staged_answers",
    "round_keys",
}
# What answering an open round may change (rule 10): sealed answers, the round's salt (made by
# its first answer), participation hashes and the response count; never a counter or a comment.
OPEN_ROUND_TABLES = {"staged_answers", "round_keys", "participation", "round_responses"}


def assert_answers_left_no_trace(
    before: dict[str, dict[str, Any]],
    after: dict[str, dict[str, Any]],
    identifiers: set[str],
    texts: Iterable[str],
    *,
    salt_made: bool = True,
) -> None:
    """Rules 1 and 10 on the real schema while a round is open: answering changed only the tables
    an open round may change, which are key-ordered, have no date or time column and hold no
    identifier; the sealed answers are all of one length; no free text is readable anywhere."""
    import json

    expected = OPEN_ROUND_TABLES if salt_made else OPEN_ROUND_TABLES - {"round_keys"}
    assert changed_tables(before, after) == expected
    for name in ANSWER_TABLES:
        table = after[name]
        if table["sql"] is not None:  # SQLite
            assert "WITHOUT ROWID" in table["sql"].upper(), f"{name} would keep arrival order"
        else:  # PostgreSQL: no serial or identity column, no default that stamps the row
            assert table["defaults"] == [], (name, table["defaults"])
        for column, declared in table["columns"].items():
            assert "DATE" not in declared.upper() and "TIME" not in declared.upper(), (name, column)
        for row in table["rows"]:
            dump = json.dumps(row, ensure_ascii=False, default=str)
            assert not any(identifier in dump for identifier in identifiers), (name, row)
    sealed = [row[2] for row in after["staged_answers"]["rows"]]
    assert len({len(blob) for blob in sealed}) <= 1, "a sealed answer's length tells it apart"
    if after["participation"]["sql"] is None:
        assert_no_transaction_ties_a_participant(after)
        assert_in_key_order(after, "participation")
    texts = list(texts)
    for name, table in after.items():
        dump = json.dumps(table["rows"], ensure_ascii=False, default=str)
        assert not any(text in dump for text in texts), name
        for row in table["rows"]:
            for value in row:
                if isinstance(value, bytes | memoryview):
                    raw = bytes(value)
                    assert not any(text.encode() in raw for text in texts), name


def assert_no_transaction_ties_a_participant(after: dict[str, dict[str, Any]]) -> None:
    """PostgreSQL's stand-in for `WITHOUT ROWID`: `xmin` names the transaction that wrote a row, so
    a participation hash written in the same transaction as a comment or a counter would tie that
    comment or value to one hash (and, with the secret, to one person). Every transaction id a
    participation row shows must be shown by all of them, or by none of the other answer rows."""
    participation = after["participation"]["xmin"]
    if len(participation) < 2:
        return
    for name in ("anonymous_comments", "answer_counts", "staged_answers"):
        for xmin in after[name]["xmin"]:
            sharing = participation.count(xmin)
            assert sharing in (0, len(participation)), (
                f"{name} row written with {sharing} of {len(participation)} participation rows",
                participation,
                after[name]["xmin"],
            )


def assert_in_key_order(after: dict[str, dict[str, Any]], name: str) -> None:
    """PostgreSQL: per round, the rows lie in the heap in key order (the first columns), as in a
    `WITHOUT ROWID` table, not in arrival order. Holds exactly while a round fits in one page,
    as in these tests; beyond that PostgreSQL places rows where it finds room, still not by arrival."""
    lying = after[name]["physical_order"]
    for round_id in {row[0] for row in lying}:
        in_round = [row for row in lying if row[0] == round_id]
        assert in_round == sorted(in_round), f"{name} lies in arrival order"
