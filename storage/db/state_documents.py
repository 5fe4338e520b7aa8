"""Key-value documents with e-tags (the bot's dialog state), safe for several writers at once.

Framework-free: documents are opaque JSON strings; the botbuilder adapter in bot/ serialises them.
Optimistic concurrency is enforced by the database, not by a read-then-write in Python: a
conditional write is one `UPDATE ... WHERE key = :k AND etag = :e` whose row count says whether it
won, and inserts use `ON CONFLICT` so a racing insert is seen as a conflict, never as an error that
aborts the transaction. The same statements run on SQLite (3.24+) and PostgreSQL.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

from sqlalchemy import String, Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db.engine import SessionFactory, dialect_insert
from storage.tables.directory import StateDocument

_TABLE = cast(Table, StateDocument.__table__)


def _key_column_length() -> int:
    """Read from the model so the check cannot drift from the schema."""
    key_type = _TABLE.c.key.type
    if not isinstance(key_type, String) or key_type.length is None:
        raise RuntimeError("state_documents.key must be a String with a length")
    return key_type.length


MAX_KEY_LENGTH = _key_column_length()  # PostgreSQL enforces the length, SQLite would not
_READ_CHUNK = 500  # stays far below any backend's bound-parameter limit

WILDCARD = "*"


class EtagConflict(Exception):
    """A conditional write lost: the stored document is not the version the writer had read.

    The key is kept as an attribute, not put in the message, so that logging the error does not
    write a conversation or user id into the logs.
    """

    def __init__(self, key: str) -> None:
        super().__init__("etag conflict: the state document was changed by another writer")
        self.key = key


class StoredDocument(NamedTuple):
    """A document as read: its current e-tag and its JSON text."""

    etag: str
    document: str


@dataclass(frozen=True, slots=True)
class DocumentWrite:
    """One document to write; expected_etag None or "*" writes unconditionally."""

    key: str
    document: str
    expected_etag: str | None = None

    @property
    def is_conditional(self) -> bool:
        return self.expected_etag is not None and self.expected_etag != WILDCARD


def new_etag() -> str:
    """Random, so an e-tag says nothing about when or in which order documents were written."""
    return secrets.token_hex(16)


def _insert_for(connection: AsyncConnection) -> Any:
    return dialect_insert(connection.dialect.name)


def _validate(item: DocumentWrite) -> None:
    if not item.key:
        raise ValueError("a state document needs a non-empty key")
    if len(item.key) > MAX_KEY_LENGTH:
        raise ValueError(f"state document keys are limited to {MAX_KEY_LENGTH} characters")
    if item.expected_etag == "":
        raise ValueError("an empty etag is neither a version nor the '*' wildcard")


async def read_many(factory: SessionFactory, keys: Iterable[str]) -> dict[str, StoredDocument]:
    """The stored documents for the keys that exist; missing keys are simply absent."""
    wanted = list(dict.fromkeys(keys))
    found: dict[str, StoredDocument] = {}
    if not wanted:
        return found
    async with factory() as session:
        for start in range(0, len(wanted), _READ_CHUNK):
            chunk = wanted[start : start + _READ_CHUNK]
            rows = await session.execute(
                select(_TABLE.c.key, _TABLE.c.etag, _TABLE.c.document).where(
                    _TABLE.c.key.in_(chunk)
                )
            )
            for key, etag, document in rows:
                found[key] = StoredDocument(etag, document)
    return found


async def _write_one(connection: AsyncConnection, insert: Any, item: DocumentWrite) -> str:
    etag = new_etag()
    values = {"key": item.key, "etag": etag, "document": item.document}
    if not item.is_conditional:
        upsert = insert(_TABLE).values(values)
        upsert = upsert.on_conflict_do_update(
            index_elements=[_TABLE.c.key],
            set_={"etag": upsert.excluded.etag, "document": upsert.excluded.document},
        )
        await connection.execute(upsert)
        return etag
    updated = await connection.execute(
        update(_TABLE)
        .where(_TABLE.c.key == item.key, _TABLE.c.etag == item.expected_etag)
        .values(etag=etag, document=item.document)
    )
    if updated.rowcount == 1:
        return etag
    # Either the row is gone (botbuilder's storages then simply create it) or it holds another
    # version. DO NOTHING tells the two apart without an IntegrityError, also when another
    # writer inserts the same key at the same moment.
    inserted = await connection.execute(
        insert(_TABLE).values(values).on_conflict_do_nothing(index_elements=[_TABLE.c.key])
    )
    if inserted.rowcount == 1:
        return etag
    raise EtagConflict(item.key)


async def write_many(factory: SessionFactory, items: Sequence[DocumentWrite]) -> dict[str, str]:
    """Write all items in one transaction, all or nothing; returns the new e-tag per key.

    Raises EtagConflict (and writes nothing) if any conditional item lost to another writer.
    Rows are written in key order so two writers of overlapping batches cannot deadlock.
    """
    for item in items:
        _validate(item)
    etags: dict[str, str] = {}
    if not items:
        return etags
    async with factory() as session, session.begin():
        connection = await session.connection()
        insert = _insert_for(connection)
        for item in sorted(items, key=lambda i: i.key):
            etags[item.key] = await _write_one(connection, insert, item)
    return etags


async def delete_many(factory: SessionFactory, keys: Iterable[str]) -> None:
    """Delete the documents in one transaction; unknown keys are ignored."""
    doomed = sorted(set(keys))
    if not doomed:
        return
    async with factory() as session, session.begin():
        connection = await session.connection()
        for start in range(0, len(doomed), _READ_CHUNK):
            await connection.execute(
                delete(_TABLE).where(_TABLE.c.key.in_(doomed[start : start + _READ_CHUNK]))
            )
