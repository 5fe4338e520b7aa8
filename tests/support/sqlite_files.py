"""An SQLite database read as bytes: the pages of each table, and the WAL commit by commit.

For the rule-10 tests (tests/test_files_forget.py): what a copy of the files shows someone who
reads them with a hex editor rather than with SQL.
"""

from __future__ import annotations

import sqlite3
import struct
from dataclasses import dataclass
from pathlib import Path

WAL_HEADER = 32
FRAME_HEADER = 24


def page_size(db_file: Path) -> int:
    size = struct.unpack(">H", db_file.read_bytes()[16:18])[0]
    return 65536 if size == 1 else size


def table_pages(db_file: Path, name: str) -> list[tuple[str, bytes]]:
    """Every page of a table's b-tree (and its overflow pages), as (path in the tree, bytes).

    The path (dbstat's "/000/01+…") names a page by where it sits in the tree, not by its
    number, so two files can be compared even if other tables moved."""
    with sqlite3.connect(f"file:{db_file}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "SELECT path, pageno FROM dbstat WHERE name = ? ORDER BY path", (name,)
        ).fetchall()
    size = page_size(db_file)
    data = db_file.read_bytes()
    return [(path, data[(pageno - 1) * size : pageno * size]) for path, pageno in rows]


def freelist_count(db_file: Path) -> int:
    """Pages the file holds but no table uses (header offset 36)."""
    return int(struct.unpack(">I", db_file.read_bytes()[36:40])[0])


@dataclass(frozen=True)
class Commit:
    """One transaction as the WAL keeps it: the pages it wrote, with their contents."""

    pages: dict[int, bytes]
    size_after: int  # database size in pages after the commit


def wal_commits(wal_file: Path) -> list[Commit]:
    """The WAL's committed transactions in order; frames of an older WAL generation (other
    salts) and an unfinished transaction at the end are left out, as SQLite's recovery does."""
    data = wal_file.read_bytes() if wal_file.exists() else b""
    if len(data) < WAL_HEADER:
        return []
    size = struct.unpack(">I", data[8:12])[0]
    salts = data[16:24]
    commits: list[Commit] = []
    pending: dict[int, bytes] = {}
    offset = WAL_HEADER
    while offset + FRAME_HEADER + size <= len(data):
        header = data[offset : offset + FRAME_HEADER]
        if header[8:16] != salts:
            break
        pageno, size_after = struct.unpack(">II", header[:8])
        pending[pageno] = data[offset + FRAME_HEADER : offset + FRAME_HEADER + size]
        offset += FRAME_HEADER + size
        if size_after:
            commits.append(Commit(dict(pending), size_after))
            pending = {}
    return commits


def replay(db_file: Path, commits: list[Commit], into: Path) -> None:
    """The database as it was after these commits, written to `into` as a plain file."""
    data = bytearray(db_file.read_bytes())
    size = page_size(db_file)
    for commit in commits:
        for pageno, page in commit.pages.items():
            end = pageno * size
            if len(data) < end:
                data.extend(bytes(end - len(data)))
            data[end - size : end] = page
        del data[commit.size_after * size :]
    data[18:20] = b"\x01\x01"  # a rollback-journal file: opened without looking for a WAL
    into.write_bytes(bytes(data))


def all_rows(db_file: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(f"file:{db_file}?mode=ro", uri=True) as connection:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            name: sorted(connection.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
            for name in names
        }
