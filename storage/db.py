"""Engine and session factory: one place that knows how SQLite and PostgreSQL differ."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
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
    # 32 MiB of page cache per connection instead of 2: a summary reads a month of rounds from
    # an index range and their counters by key; with years of history those pages are hot.
    cursor.execute("PRAGMA cache_size=-32768")
    cursor.close()


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Create the async engine for either backend, with the settings each one needs."""
    if is_sqlite(url):
        _ensure_sqlite_folder(url)
        engine = create_async_engine(url, echo=echo)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)


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
