"""After a round closes: the database files rewritten, so that they no longer remember its answers.

Deleting rows is not forgetting them (rule 10). SQLite keeps the order in which cells arrived
inside each page, frees pages with their old contents, and its WAL holds every commit since the
last checkpoint; PostgreSQL keeps dead row versions in its heap pages until vacuum. So once the
closing transaction has committed (storage/rounds/tally.py marks the rewrite due in
`file_rewrites`), this runs:

- SQLite: `VACUUM` copies every table afresh in key order (nothing in a page then depends on
  arrival, and no free page is left: `secure_delete` zeroes what deletes free, storage/db/engine.py),
  then `wal_checkpoint(TRUNCATE)` empties the WAL. Only then is the mark deleted, so a crash at
  any point means the rewrite runs again at the next scheduler pass.
  Just before the `VACUUM`, `ANALYZE` (before, so that the statistics' own pages are compacted
  with the rest and leave no free page). SQLite gathers no statistics by itself, and without them
  it takes any index for selective: a card's statement over closed rounds went through the index
  on `state`, that is every closed round of every unit (100–200 ms a card at ten years of
  history, against about 15 ms with statistics; bench.summaries). A close is when the history
  grows, so the statistics follow it. The anonymity tables are left out: statistics hold counts
  only, but a build with `STAT4` would also keep sample keys (participation hashes) in
  `sqlite_stat4`.
- PostgreSQL: `VACUUM` of the staged answers (their sealing salt is gone already, so whatever
  dead versions still hold can never be opened), and `VACUUM FULL` of the small tables whose
  dead versions would be readable: the salts and the participation hashes.

Cost: an SQLite VACUUM reads and writes the whole file once, and holds the write lock meanwhile
(answers wait, busy_timeout); see docs/performance.md for figures.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db.crash_points import crash_armed, crash_point
from storage.db.engine import SessionFactory, is_sqlite_file
from storage.tables.answers import FileRewrite

logger = logging.getLogger(__name__)

CHECKPOINT_TRIES = 100  # × 50 ms: long enough for a reader to finish, short enough for a tick
# Each try's own wait for readers and writers (SQLite's busy handler), in seconds. The checkpoint
# waits through the busy handler while a reader holds an old snapshot: with the usual 10 s there,
# one stuck reader held a scheduler pass for 100 × 10 s (seen in a test run, 2026-12-04).
CHECKPOINT_BUSY_SECONDS = 0.05
# Never analysed (see the module's docstring): an open round's sealed answers, hashes and keys.
NOT_ANALYSED = frozenset({"staged_answers", "participation", "round_keys"})


async def rewrite_due(factory: SessionFactory) -> int:
    """Rewrite the files if a closed round asks for it; returns how many rounds it covered."""
    async with factory() as session:
        due = list((await session.execute(select(FileRewrite.round_id))).scalars())
    if not due:
        return 0
    engine = factory.kw["bind"]
    assert isinstance(engine, AsyncEngine)
    if is_sqlite_file(engine.url):
        path = str(engine.url.database)
        await asyncio.to_thread(_vacuum, path)
        crash_point("rewrite.vacuumed")
        if not await asyncio.to_thread(truncate_wal, path):
            logger.warning("WAL still in use after the rewrite; trying again at the next pass")
            return 0
    elif engine.dialect.name == "postgresql":
        await _vacuum_postgres(engine)
        crash_point("rewrite.vacuumed")
    async with factory.begin() as session:
        await session.execute(delete(FileRewrite).where(FileRewrite.round_id.in_(due)))
    if is_sqlite_file(engine.url):
        await asyncio.to_thread(truncate_wal, str(engine.url.database))  # the mark's delete
    return len(due)


def _vacuum(path: str) -> None:
    connection = sqlite3.connect(path, timeout=10, isolation_level=None)
    try:
        connection.execute("PRAGMA secure_delete=ON")
        analyse(connection)
        if crash_armed("rewrite.vacuuming"):  # the crash tests' "inside the VACUUM"
            connection.set_progress_handler(_inside_vacuum(), 1)
        connection.execute("VACUUM")
    finally:
        connection.close()


def analyse(connection: sqlite3.Connection) -> None:
    """Full statistics for the query planner on every table but the anonymity ones: about a
    second at ten years of a large municipality (10 million answer counts), once per close.
    Sampled statistics (`analysis_limit`) are not enough: the first thousand entries of the index
    on `state` are all closed rounds, which made `state = ?` look selective again."""
    tables = [
        str(name)
        for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    connection.execute("PRAGMA analysis_limit=0")
    for table in sorted(set(tables) - NOT_ANALYSED):
        connection.execute(f'ANALYZE "{table}"')


def _inside_vacuum() -> Callable[[], int]:
    """A progress handler that dies half-way through the VACUUM's own statements (a small file's
    VACUUM runs some thousands of SQLite instructions)."""
    steps = 0

    def step() -> int:
        nonlocal steps
        steps += 1
        if steps == 2000:
            crash_point("rewrite.vacuuming")
        return 0  # go on

    return step


def truncate_wal(path: str) -> bool:
    """Checkpoint the WAL into the main file and cut it to zero bytes; False if readers kept it
    (after at most CHECKPOINT_TRIES × (CHECKPOINT_BUSY_SECONDS + 50 ms): about ten seconds)."""
    connection = sqlite3.connect(path, timeout=CHECKPOINT_BUSY_SECONDS, isolation_level=None)
    try:
        for _ in range(CHECKPOINT_TRIES):
            busy, _log, _done = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if busy == 0:
                return True
            time.sleep(0.05)
        return False
    finally:
        connection.close()


async def _vacuum_postgres(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.exec_driver_sql("VACUUM staged_answers")
        await autocommit.exec_driver_sql("VACUUM (FULL) round_keys, participation")
