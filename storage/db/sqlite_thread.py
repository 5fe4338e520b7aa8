"""Short write transactions on an SQLite file, each run whole in one thread of its own.

aiosqlite hops from the event loop to its thread and back several times per statement (begin,
execute, fetch, commit). For the hot write paths, where one transaction is a handful of short
statements, those hops cost more than SQLite itself (storage/answers/writer.py, storage/delivery/outbox.py).
Here the whole transaction is one hop, on a plain synchronous connection to the same file with the
same pragmas. There is one such thread per engine, shared by every service that uses it: SQLite has
one writer at a time, and a second writer connection in the same process would only wait for the
lock (in the outbox worker, a transaction held open across event-loop hops stalled every send slot
behind it for up to 140 ms). Other databases (PostgreSQL, in-memory SQLite) have no such thread: callers ask
`available` and use the async engine instead.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, event
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db.engine import is_sqlite_file, sqlite_file_engine

T = TypeVar("T")


_SHARED: weakref.WeakKeyDictionary[AsyncEngine, SqliteFileThread] = weakref.WeakKeyDictionary()


def writer_thread(engine: AsyncEngine) -> SqliteFileThread:
    """The engine's writer thread, shared by everyone who writes through it."""
    thread = _SHARED.get(engine)
    if thread is None:
        thread = _SHARED[engine] = SqliteFileThread(engine)
    return thread


def writer_thread_of(factory: Any) -> SqliteFileThread:
    """The writer thread for a session factory's engine (services are given the factory)."""
    bind = factory.kw.get("bind")
    if not isinstance(bind, AsyncEngine):
        raise TypeError("the session factory must be bound to an AsyncEngine")
    return writer_thread(bind)


class SqliteFileThread:
    """One writer thread and its connection, opened on first use and closed with the app's engine."""

    def __init__(self, engine: AsyncEngine, name: str = "sqlite-writer") -> None:
        self._url = engine.url
        self._name = name
        self.available = is_sqlite_file(engine.url)
        self._thread: ThreadPoolExecutor | None = None
        self._sync_engine: Engine | None = None
        event.listen(engine.sync_engine, "engine_disposed", self._on_dispose)

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        """`work(connection, *args)` in one transaction: committed when this returns, rolled
        back if it raises."""
        if self._sync_engine is None:
            self._sync_engine = sqlite_file_engine(self._url)
            self._thread = ThreadPoolExecutor(1, thread_name_prefix=self._name)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._thread, _in_transaction, self._sync_engine, work, args
        )

    def _on_dispose(self, _engine: Engine) -> None:
        """The app disposes its engine at shutdown: this connection and thread go with it."""
        if self._sync_engine is not None:
            self._sync_engine.dispose()
            self._sync_engine = None
        if self._thread is not None:
            self._thread.shutdown(wait=False)
            self._thread = None


def _in_transaction(engine: Engine, work: Callable[..., T], args: tuple[Any, ...]) -> T:
    connection: Connection
    with engine.begin() as connection:
        return work(connection, *args)
