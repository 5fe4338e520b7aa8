"""Rule 10: the database files do not order the answers or tell which came together.

Read as someone with a copy of the files (or SELECT on every table and system column) would:

- SQLite, after close: the same round answered in two orders, with the same random keys, leaves
  byte-identical pages in every answer table; the WAL is empty, no page is free, and no byte of
  the file still holds a participation hash, a sealed answer or the round's salt.
- SQLite, while open: the WAL replayed commit by commit shows, per answer, one sealed row and one
  participation hash (and the response count), never a counter or a comment.
- PostgreSQL, while open and after close: `xmin`, `ctid` and the commit timestamp of every row of
  every table order or pair nothing but sealed answers and participation; after close the counters
  and comments share one transaction and lie in key order.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from storage.anonymity.participation import participation_key
from storage.anonymity.random_keys import SeededKeys
from storage.answers.pulse import Answers
from storage.answers.writer import AnswerWriter
from storage.db.engine import SessionFactory, create_engine, create_session_factory
from storage.db.file_rewrite import truncate_wal
from storage.db.migrate import upgrade
from storage.question_bank import default_bank
from storage.rounds.lifecycle import RoundInfo, Rounds
from tests.conftest import TEMPLATE_DATABASE, TEST_SECRET
from tests.support.db_inspection import ANSWER_TABLES, OPEN_ROUND_TABLES, public_tables
from tests.support.postgres import PostgresServer, random_database_name
from tests.support.pulse_fixtures import NOW, open_round, team_with_members
from tests.support.sqlite_files import all_rows, freelist_count, replay, table_pages, wal_commits

pytestmark = pytest.mark.sqlite_only  # the PostgreSQL tests below make their own database

BANK = default_bank()
PEOPLE = range(1, 9)
CLOSE_AT = NOW + timedelta(days=5, minutes=1)


def comment_of(n: int) -> str | None:
    return f"Kommentar nummer {n} om tilliden" if n % 3 else None


def values_of(info: RoundInfo, n: int) -> dict[str, object]:
    return {item: (n * 7 + j) % 5 + 1 for j, item in enumerate(info.items)}


async def new_round(db_file: Path) -> RoundInfo:
    """A migrated file with an open round for eight people; its WAL checkpointed away."""
    engine = create_engine(f"sqlite+aiosqlite:///{db_file}")
    try:
        await upgrade(engine)
        factory = create_session_factory(engine)
        info = await open_round(factory, await team_with_members(factory, "19:files", PEOPLE))
    finally:
        await engine.dispose()
    return info


async def answer_all(factory: SessionFactory, info: RoundInfo, order: list[int]) -> None:
    """One submission after another (each its own commit), staged with a seeded key source."""
    answers = Answers(factory, BANK, TEST_SECRET, AnswerWriter(factory, keys=SeededKeys(7)))
    for n in order:
        await answers.submit(info.id, f"29:user-{n}", values_of(info, n), comment_of(n), NOW)


def staged_rows(db_file: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db_file) as connection:
        return connection.execute("SELECT * FROM staged_answers ORDER BY key").fetchall()


def salt_of(db_file: Path) -> bytes:
    with sqlite3.connect(db_file) as connection:
        return bytes(connection.execute("SELECT salt FROM round_keys").fetchone()[0])


async def answered_and_closed(db_file: Path, info: RoundInfo, order: list[int]) -> dict[str, Any]:
    """Answer in this order and close; what the files hold right after, engine still open."""
    engine = create_engine(f"sqlite+aiosqlite:///{db_file}")
    try:
        factory = create_session_factory(engine)
        await answer_all(factory, info, order)
        staged, salt = staged_rows(db_file), salt_of(db_file)
        await Rounds(factory, BANK, TEST_SECRET, keys=SeededKeys(8)).close(info.id, CLOSE_AT)
        return {"staged": staged, "salt": salt, **files_now(db_file)}
    finally:
        await engine.dispose()


def files_now(db_file: Path) -> dict[str, Any]:
    wal = db_file.with_name(db_file.name + "-wal")
    return {
        "wal_bytes": wal.stat().st_size if wal.exists() else 0,
        "pages": {name: table_pages(db_file, name) for name in ANSWER_TABLES},
        "free_pages": freelist_count(db_file),
        "file": db_file.read_bytes(),
    }


async def test_after_close_the_pages_do_not_depend_on_the_order_of_arrival(tmp_path: Path) -> None:
    base = tmp_path / "base.db"
    info = await new_round(base)
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    first.write_bytes(base.read_bytes())
    second.write_bytes(base.read_bytes())
    order = list(PEOPLE)
    shuffled = order[:]
    random.Random(3).shuffle(shuffled)
    assert shuffled != order

    a = await answered_and_closed(first, info, order)
    b = await answered_and_closed(second, info, shuffled)

    # The same keys went to different answers: what was staged differed between the two runs.
    assert [row[1] for row in a["staged"]] == [row[1] for row in b["staged"]]
    assert a["staged"] != b["staged"]
    # After close every answer table is the same, byte for byte, page for page.
    for name in sorted(ANSWER_TABLES):
        assert a["pages"][name] == b["pages"][name], f"{name}'s pages tell the order apart"
    assert a["pages"]["answer_counts"][0][1].strip(b"\x00"), "the counters were compared"
    for run in (a, b):
        assert run["wal_bytes"] == 0, "the WAL still holds the round's commits"
        assert run["free_pages"] == 0, "free pages may hold old rows"
        data = run["file"]
        for n in PEOPLE:
            old_hash = participation_key(TEST_SECRET, info.id, f"29:user-{n}")
            assert old_hash.encode() not in data, f"person {n}'s participation hash is still there"
        for _round, _key, sealed in run["staged"]:
            assert bytes(sealed)[:16] not in data and bytes(sealed)[-16:] not in data
        assert run["salt"] not in data, "the round's salt outlived the close"
        for n in PEOPLE:
            text = comment_of(n)
            if text:
                assert data.count(text.encode()) == 1, "a comment is kept more than once"


async def test_while_open_each_commit_in_the_wal_holds_only_a_sealed_answer_and_a_hash(
    tmp_path: Path,
) -> None:
    db_file = tmp_path / "open.db"
    info = await new_round(db_file)
    wal = db_file.with_name(db_file.name + "-wal")
    engine = create_engine(f"sqlite+aiosqlite:///{db_file}")
    try:
        factory = create_session_factory(engine)
        assert truncate_wal(str(db_file))
        main_before = db_file.read_bytes()
        await answer_all(factory, info, list(PEOPLE))
        assert db_file.read_bytes() == main_before, "a checkpoint ran: the replay would be wrong"
        commits = wal_commits(wal)
    finally:
        await engine.dispose()
    assert len(commits) == len(PEOPLE), "one commit per answer"
    texts = [comment_of(n).encode() for n in PEOPLE if comment_of(n)]  # type: ignore[union-attr]
    snapshot = tmp_path / "replayed.db"
    base = tmp_path / "base.db"
    base.write_bytes(main_before)
    previous = all_rows_of(base, [], snapshot)
    for number in range(1, len(commits) + 1):
        commit = commits[number - 1]
        for page in commit.pages.values():
            assert not any(text in page for text in texts), f"commit {number} holds a comment"
        rows = all_rows_of(base, commits[:number], snapshot)
        changed = {name for name in rows if rows[name] != previous.get(name)}
        assert changed - {"round_keys"} == OPEN_ROUND_TABLES - {"round_keys"}, (number, changed)
        assert rows["answer_counts"] == [] and rows["anonymous_comments"] == []
        new_staged = set(rows["staged_answers"]) - set(previous["staged_answers"])
        new_hashes = set(rows["participation"]) - set(previous["participation"])
        assert len(new_staged) == 1 and len(new_hashes) == 1, number
        assert {len(row[2]) for row in rows["staged_answers"]} == {len(next(iter(new_staged))[2])}
        previous = rows
    assert len(previous["staged_answers"]) == len(PEOPLE)


def all_rows_of(base: Path, commits: list[Any], into: Path) -> dict[str, list[tuple[Any, ...]]]:
    replay(base, commits, into)
    return all_rows(into)


# --- PostgreSQL ------------------------------------------------------------------------------


@pytest.fixture
async def pg(postgres: PostgresServer) -> AsyncIterator[tuple[SessionFactory, str]]:
    """A fresh copy of the migrated template, and a plain DSN to read system columns with."""
    name = random_database_name()
    await _admin_async(postgres, f"CREATE DATABASE {name} TEMPLATE {TEMPLATE_DATABASE}")
    engine = create_engine(postgres.url(name))
    try:
        yield create_session_factory(engine), postgres.dsn(name)
    finally:
        await engine.dispose()
        await _admin_async(postgres, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def _admin_async(server: PostgresServer, statement: str) -> None:
    connection = await asyncpg.connect(server.dsn())
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def system_columns(dsn: str) -> dict[str, list[dict[str, Any]]]:
    """table → every row with its xmin, ctid and commit time, in heap (ctid) order."""
    connection = await asyncpg.connect(dsn)
    try:
        names = await public_tables(connection)
        result = {}
        for name in names:
            rows = await connection.fetch(
                f'SELECT xmin::text AS "(xmin)", ctid::text AS "(ctid)", '
                f'pg_xact_commit_timestamp(xmin) AS "(committed)", * FROM "{name}" ORDER BY ctid'
            )
            result[name] = [dict(row) for row in rows]
        return result
    finally:
        await connection.close()


def system_of(rows: list[dict[str, Any]], column: str) -> list[Any]:
    return [row[column] for row in rows]


def without_system(row: dict[str, Any]) -> list[Any]:
    return [value for key, value in row.items() if not key.startswith("(")]


async def test_postgres_system_columns_order_and_pair_only_sealed_answers(
    pg: tuple[SessionFactory, str],
) -> None:
    factory, dsn = pg
    info = await open_round(factory, await team_with_members(factory, "19:pg-files", PEOPLE))
    answers = Answers(factory, BANK, TEST_SECRET)
    for n in PEOPLE:  # one transaction each: the worst case for xmin
        await answers.submit(info.id, f"29:user-{n}", values_of(info, n), comment_of(n), NOW)
    texts = [comment_of(n) for n in PEOPLE if comment_of(n)]

    opened = await system_columns(dsn)
    assert all(opened[name] == [] for name in ("answer_counts", "anonymous_comments"))
    for name, rows in opened.items():
        for row in rows:
            for value in without_system(row):
                raw = bytes(value) if isinstance(value, bytes) else str(value).encode()
                assert not any(text.encode() in raw for text in texts), name  # type: ignore[union-attr]
    staged, hashes = opened["staged_answers"], opened["participation"]
    assert len(staged) == len(PEOPLE) == len(hashes)
    assert len({len(row["sealed"]) for row in staged}) == 1
    # The hashes were rewritten together by the last answer: one transaction, one commit time,
    # lying in key order, so none can be paired with the sealed answer written beside it.
    assert len(set(system_of(hashes, "(xmin)"))) == 1
    assert len(set(system_of(hashes, "(committed)"))) == 1
    assert system_of(hashes, "key") == sorted(system_of(hashes, "key"))
    for row in staged:
        assert system_of(hashes, "(xmin)").count(row["(xmin)"]) in (0, len(hashes))
    # What xmin and commit times do order, among the answer side, are the sealed rows alone.
    for name in ANSWER_TABLES - {"staged_answers"}:
        assert len(set(system_of(opened[name], "(xmin)"))) <= 1, name

    await Rounds(factory, BANK, TEST_SECRET).close(info.id, CLOSE_AT)
    closed = await system_columns(dsn)
    for name in ("staged_answers", "participation", "round_keys", "file_rewrites"):
        assert closed[name] == [], name
    written = closed["answer_counts"] + closed["anonymous_comments"]
    assert len(set(system_of(written, "(xmin)"))) == 1, "a transaction id tells answers apart"
    assert len(set(system_of(written, "(committed)"))) == 1
    for name in ("answer_counts", "anonymous_comments"):
        keys = [without_system(row)[:3] for row in closed[name]]
        assert keys == sorted(keys), f"{name} lies in arrival order"
    assert sorted(row["text"] for row in closed["anonymous_comments"]) == sorted(texts)  # type: ignore[type-var]


def database_files(server: PostgresServer, database_oid: int) -> bytes:
    """Every data file of one database (heaps, TOAST, indexes, free space), as one byte string."""
    folder = server.data_dir / "base" / str(database_oid)
    return b"".join(path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file())


async def test_postgres_data_files_keep_no_salt_or_hash_after_close(
    pg: tuple[SessionFactory, str], postgres: PostgresServer
) -> None:
    """After close the round's salt and participation hashes are in no data file of the database
    (VACUUM FULL wrote theirs anew), so no sealed answer a dead row version still holds can be
    opened, even with the secret. (pg_wal is another matter: docs/privacy.md, "What each kind of access
    can learn".)"""
    factory, dsn = pg
    info = await open_round(factory, await team_with_members(factory, "19:pg-dead", PEOPLE))
    answers = Answers(factory, BANK, TEST_SECRET)
    for n in PEOPLE:
        await answers.submit(info.id, f"29:user-{n}", values_of(info, n), comment_of(n), NOW)
    connection = await asyncpg.connect(dsn)
    try:
        salt = bytes(await connection.fetchval("SELECT salt FROM round_keys"))
        oid = await connection.fetchval(
            "SELECT oid FROM pg_database WHERE datname = current_database()"
        )
        await connection.execute("CHECKPOINT")
        hashes = [participation_key(TEST_SECRET, info.id, f"29:user-{n}").encode() for n in PEOPLE]
        before = database_files(postgres, oid)
        assert salt in before and all(h in before for h in hashes), "the scan would see them"
        await Rounds(factory, BANK, TEST_SECRET).close(info.id, CLOSE_AT)
        await connection.execute("CHECKPOINT")
        after = database_files(postgres, oid)
    finally:
        await connection.close()
    assert salt not in after, "the round's salt outlived the close in a data file"
    for old_hash in hashes:
        assert old_hash not in after, "a participation hash outlived the close in a data file"
