"""Backups of the SQLite file, taken while the bot runs, and their restore.

SQLite's online backup API copies the database as one read transaction sees it: a consistent
snapshot, whatever the bot commits meanwhile (in WAL mode its writers are not held up). The copy
is then made a file on its own (no WAL) and rewritten by VACUUM, so it keeps the live rows in key
order and no freed page: a backup remembers no more than the database it was taken from shows
(rule 10), and an open round's sealed answers are in it as they were in the database.

PostgreSQL is backed up with its own tools (pg_dump / pg_restore, docs/operations.md).
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from storage.db.migrate import head_revision, known_revision

BUSY_TIMEOUT_SECONDS = 10.0


class BackupError(Exception):
    """A backup or restore refused or failed; the message is one line that says what to do."""


@dataclass(frozen=True)
class DatabaseFacts:
    """What an operator needs to know about a database file before trusting or replacing it."""

    path: Path
    size_bytes: int
    revision: str | None
    rounds: int
    open_rounds: int


def _facts(connection: sqlite3.Connection, path: Path) -> DatabaseFacts:
    def count(sql: str) -> int:
        try:
            row = connection.execute(sql).fetchone()
        except sqlite3.DatabaseError:
            return 0
        return int(row[0]) if row else 0

    revisions = [
        str(row[0]) for row in connection.execute("SELECT version_num FROM alembic_version")
    ]
    return DatabaseFacts(
        path=path,
        size_bytes=path.stat().st_size,
        revision=",".join(sorted(revisions)) or None,
        rounds=count("SELECT count(*) FROM pulse_rounds"),
        open_rounds=count("SELECT count(*) FROM pulse_rounds WHERE state = 'open'"),
    )


def _check_integrity(connection: sqlite3.Connection, what: str) -> None:
    result = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    if result != ["ok"]:
        raise BackupError(f"{what} fails SQLite's integrity check: {'; '.join(result[:3])}")


def in_use(database: Path) -> bool:
    """True while another connection (a running bot, a worker) has the file open.

    An exclusive lock is refused while any other connection holds the WAL index; the probe takes
    it for an instant and gives it back, changing nothing."""
    with closing(sqlite3.connect(database, timeout=0)) as probe:
        try:
            probe.execute("PRAGMA locking_mode=EXCLUSIVE")
            probe.execute("BEGIN EXCLUSIVE")
            probe.execute("ROLLBACK")
        except sqlite3.OperationalError:
            return True
    return False


def backup_sqlite(database: Path, target: Path) -> DatabaseFacts:
    """Copy `database` to `target` (which must not exist), consistent and checked."""
    if not database.is_file():
        raise BackupError(f"{database} does not exist: check BOT_DATABASE_URL")
    if target.exists():
        raise BackupError(f"{target} exists already: choose a new file name")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with (
            closing(sqlite3.connect(database, timeout=BUSY_TIMEOUT_SECONDS)) as source,
            closing(sqlite3.connect(partial)) as copy,
        ):
            source.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
            # All pages in one step: one read transaction, so one moment's database.
            source.backup(copy, pages=-1)
            copy.execute("PRAGMA journal_mode=DELETE")
            copy.execute("VACUUM")
            _check_integrity(copy, "the backup")
            facts = _facts(copy, partial)
        with partial.open("rb") as written:
            os.fsync(written.fileno())
        partial.replace(target)
    except sqlite3.Error as error:
        partial.unlink(missing_ok=True)
        raise BackupError(f"the backup failed: {error}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return DatabaseFacts(target, facts.size_bytes, facts.revision, facts.rounds, facts.open_rounds)


def inspect_backup(backup: Path) -> DatabaseFacts:
    """A backup's facts after checking it is whole and from a release this one can upgrade."""
    if not backup.is_file():
        raise BackupError(f"{backup} does not exist")
    try:
        with closing(sqlite3.connect(f"file:{backup}?mode=ro", uri=True)) as connection:
            _check_integrity(connection, str(backup))
            facts = _facts(connection, backup)
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{backup} is not a Trivselsbot SQLite backup ({error})") from None
    if facts.revision is None:
        raise BackupError(f"{backup} has no schema revision: not a Trivselsbot backup")
    if not all(known_revision(part) for part in facts.revision.split(",")):
        raise BackupError(
            f"{backup} is at revision {facts.revision}, newer than this release "
            f"({head_revision()}): restore it with the release that made it"
        )
    return facts


def restore_sqlite(backup: Path, database: Path, force: bool = False) -> DatabaseFacts:
    """Put a backup in place of `database`. An existing database is replaced only with `force`,
    and never while it is open elsewhere unless forced: a running bot would go on from rows that
    are no longer there."""
    facts = inspect_backup(backup)
    if database.exists() and not force:
        live = " and a running process has it open" if in_use(database) else ""
        raise BackupError(
            f"{database} exists{live}: stop the bot and every worker, then restore with --force "
            "(it replaces everything the database holds now; take a backup of it first)"
        )
    database.parent.mkdir(parents=True, exist_ok=True)
    try:
        # The backup API writes the pages into the database as one transaction, through its WAL
        # if it has one, so no stale WAL or index is left to be replayed over the restored file.
        with (
            closing(sqlite3.connect(f"file:{backup}?mode=ro", uri=True)) as source,
            closing(sqlite3.connect(database, timeout=BUSY_TIMEOUT_SECONDS)) as target,
        ):
            source.backup(target, pages=-1)
            target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            _check_integrity(target, "the restored database")
            restored = _facts(target, database)
    except sqlite3.Error as error:
        raise BackupError(f"the restore failed: {error}") from None
    return DatabaseFacts(
        database, restored.size_bytes, facts.revision, facts.rounds, facts.open_rounds
    )
