"""The WAL's truncation after a close gives up in bounded time while a reader holds an old
snapshot, and succeeds once the reader is gone.

Found in a CI run: each checkpoint try waited through SQLite's busy handler with the usual 10 s
timeout, so one reader that never ended held the scheduler's pass (and a test's teardown) for
100 tries × 10 s. The bound is checked as work, not time: the number of tries, and the busy
timeout each try's connection was opened with.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from storage.db import file_rewrite
from storage.db.file_rewrite import CHECKPOINT_BUSY_SECONDS, CHECKPOINT_TRIES, truncate_wal


def wal_file(tmp_path: Path) -> tuple[Path, sqlite3.Connection, sqlite3.Connection]:
    """A WAL file with two commits in it, a reader whose snapshot predates the second, and the
    writer, kept open (the last connection to close would checkpoint and delete the WAL itself)."""
    path = tmp_path / "wal.db"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("CREATE TABLE t (x INTEGER)")
    writer.execute("INSERT INTO t VALUES (1)")
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    assert reader.execute("SELECT count(*) FROM t").fetchone() == (1,)  # the snapshot is taken
    writer.execute("INSERT INTO t VALUES (2)")
    return path, reader, writer


def test_a_reader_that_never_ends_costs_a_bounded_number_of_short_tries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, reader, writer = wal_file(tmp_path)
    opened: list[float] = []
    sleeps: list[float] = []
    connect = sqlite3.connect

    def recorded_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        opened.append(kwargs["timeout"])
        return connect(*args, **kwargs)

    monkeypatch.setattr(file_rewrite.sqlite3, "connect", recorded_connect)
    monkeypatch.setattr(file_rewrite.time, "sleep", sleeps.append)
    try:
        assert truncate_wal(str(path)) is False
    finally:
        reader.close()
        writer.close()
    assert opened == [CHECKPOINT_BUSY_SECONDS] and CHECKPOINT_BUSY_SECONDS <= 0.1
    assert len(sleeps) == CHECKPOINT_TRIES and all(pause <= 0.1 for pause in sleeps)


def test_once_the_reader_is_gone_the_wal_is_cut_to_nothing(tmp_path: Path) -> None:
    path, reader, writer = wal_file(tmp_path)
    wal = path.with_name("wal.db-wal")
    assert wal.stat().st_size > 0
    reader.close()
    try:
        assert truncate_wal(str(path)) is True
        assert wal.stat().st_size == 0
    finally:
        writer.close()
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT count(*) FROM t").fetchone() == (2,)
