"""Engine and session factory: one place that knows how SQLite and PostgreSQL differ."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SessionFactory = async_sessionmaker[AsyncSession]


def is_sqlite(url: str) -> bool:
    """SQLite needs its own pragmas and has no row locks; callers branch on this."""
    return make_url(url).get_backend_name() == "sqlite"


def _ensure_sqlite_folder(url: str) -> None:
    """A fresh clone has no ./data/: create it rather than fail with 'unable to open database'."""
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets the outbox worker read while a turn writes; busy_timeout waits instead of failing."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    # Deleted cells and freed pages are zeroed, not left readable in the file and the WAL: the
    # staged answers and participation hashes deleted at close must not outlive it (rule 10).
    cursor.execute("PRAGMA secure_delete=ON")
    # 32 MiB of page cache per connection instead of 2: a summary reads a month of rounds from
    # an index range and their counters by key; with years of history those pages are hot.
    cursor.execute("PRAGMA cache_size=-32768")
    cursor.close()


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Create the async engine for either backend, with the settings each one needs.

    `hide_parameters`: a database error is logged with its statement, and its bound values would
    be answer values and comment texts (rule 1: never in logs).
    """
    if is_sqlite(url):
        _ensure_sqlite_folder(url)
        engine = create_async_engine(url, echo=echo, hide_parameters=True)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(
        url, echo=echo, hide_parameters=True, pool_pre_ping=True, pool_size=10, max_overflow=10
    )


def is_sqlite_file(url: URL) -> bool:
    """An SQLite database another connection can open too (not in memory)."""
    return url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")


def sqlite_file_engine(url: URL) -> Engine:
    """A plain (synchronous) engine on the same SQLite file, with the same pragmas.

    For work that runs in a thread of its own: aiosqlite hops to its thread several times per
    statement, which dominates short statements (storage/answers/writer.py).
    """
    # One connection may be closed by another thread than the one that used it (dispose).
    engine = create_sync_engine(
        url.set(drivername="sqlite+pysqlite"),
        connect_args={"check_same_thread": False},
        hide_parameters=True,  # as in create_engine
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    """Sessions do not expire on commit so services can return loaded values after committing."""
    return async_sessionmaker(engine, expire_on_commit=False)


def dialect_insert(dialect_name: str) -> Any:
    """The dialect's INSERT that knows ON CONFLICT; both dialects spell the clause the same way."""
    from sqlalchemy.dialects import postgresql, sqlite

    if dialect_name == "sqlite":
        return sqlite.insert
    if dialect_name == "postgresql":
        return postgresql.insert
    raise NotImplementedError(f"unsupported database {dialect_name!r}")


def insert_for(session: AsyncSession) -> Any:
    """dialect_insert for the database this session talks to."""
    return dialect_insert(session.get_bind().dialect.name)


# SQLSTATE classes that mean "the server cannot serve us now": 08 connection exception, 53
# insufficient resources (e.g. too many connections), 57P operator intervention (shutdown,
# crash recovery, "the database system is starting up").
_UNAVAILABLE_SQLSTATES = ("08", "53", "57P")
_DRIVER_PATHS = ("/sqlalchemy/", "/asyncpg/", "/aiosqlite/")


def _raised_by_driver(error: BaseException) -> bool:
    """An OSError from the database driver, not from (say) an HTTP call in the same turn."""
    return any(
        any(part in frame.tb_frame.f_code.co_filename for part in _DRIVER_PATHS)
        for frame in _frames(error)
    )


def _frames(error: BaseException) -> list[Any]:
    frames = []
    tb = error.__traceback__
    while tb is not None:
        frames.append(tb)
        tb = tb.tb_next
    return frames


def is_database_unavailable(error: BaseException) -> bool:
    """True when `error` means the database is away (down, restarting, unreachable, overloaded).

    Such a failure is transient and the transaction it hit was rolled back as a whole, so the
    edge may tell the person "try again in a moment" rather than report a crash. A constraint
    violation or a bug in a query is not this: it would fail the same way again.
    """
    from sqlalchemy import exc

    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, exc.OperationalError | exc.InterfaceError | exc.TimeoutError):
            return True
        sqlstate = getattr(current, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(_UNAVAILABLE_SQLSTATES):
            return True
        if isinstance(current, OSError | TimeoutError) and _raised_by_driver(current):
            return True
        # The driver's own error: SQLAlchemy's `.orig`, and whatever it was raised from.
        linked = (getattr(current, "orig", None), current.__cause__, current.__context__)
        pending.extend(e for e in linked if isinstance(e, BaseException))
    return False


async def write_lock_first(session: AsyncSession) -> None:
    """SQLite: take the database's write lock now, at the start of the transaction.

    `SELECT … FOR UPDATE` is how the claims of schedules and rounds keep two schedulers apart on
    PostgreSQL; SQLite ignores it, and its driver begins a transaction only at the first write,
    so two passes could both read a slot as free and both take it (two rounds from one slot).
    A write that matches no row takes the lock at once: the reads after it see the newest data and
    nobody else writes until this transaction ends (others wait, busy_timeout). PostgreSQL: nothing.
    """
    if session.get_bind().dialect.name == "sqlite":
        from sqlalchemy import text

        await session.execute(text("UPDATE units SET id = id WHERE 0"))
