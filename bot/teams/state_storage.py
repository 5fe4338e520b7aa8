"""botbuilder `Storage` on the bot's own database, so any replica can serve any turn.

The table and its optimistic concurrency live in storage.db.state_documents; this adapter only
speaks botbuilder's contract (the one MemoryStorage and the Cosmos/Blob storages follow):
- read: keys that do not exist are left out of the result; every item read carries its `e_tag`;
- write: an item's `e_tag` (dict key or attribute) of None or "*" writes unconditionally, any other
  value must match the stored one (a missing key is simply created, as in MemoryStorage), "" is
  refused; a lost race raises StateConflictError (a KeyError, like MemoryStorage's) and nothing of
  that call is written. After a write the caller's items get their new `e_tag`, so that BotState
  can save twice in one turn without conflicting with itself;
- items are serialised with jsonpickle like the Cosmos and Blob storages, so DialogState and the
  other botbuilder objects inside dialog state round-trip.
Never log a document: dialog state may hold what a person is in the middle of answering.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from botbuilder.core import Storage
from jsonpickle.pickler import Pickler
from jsonpickle.unpickler import Unpickler

from storage.db.engine import SessionFactory
from storage.db.state_documents import (
    DocumentWrite,
    EtagConflict,
    StoredDocument,
    delete_many,
    read_many,
    write_many,
)

E_TAG = "e_tag"


class StateConflictError(EtagConflict, KeyError):
    """Another turn changed the state first; a KeyError, as MemoryStorage raises."""

    def __str__(self) -> str:
        return Exception.__str__(self)  # KeyError would print the message in quotes


def _etag_of(item: object) -> str | None:
    etag = item.get(E_TAG) if isinstance(item, Mapping) else getattr(item, E_TAG, None)
    return None if etag is None else str(etag)


def _set_etag(item: object, etag: str) -> None:
    if isinstance(item, dict):
        item[E_TAG] = etag
        return
    try:
        setattr(item, E_TAG, etag)
    except (AttributeError, TypeError):
        pass  # an object that takes no attributes just does not learn its new e-tag


def _to_json(item: object) -> str:
    """jsonpickle's flattened form, as Cosmos stores it; the e-tag lives in its own column."""
    flat = Pickler().flatten(item)
    if isinstance(flat, dict):
        flat.pop(E_TAG, None)
    return json.dumps(flat, separators=(",", ":"))


def _to_item(stored: StoredDocument) -> Any:
    item = Unpickler(safe=True).restore(json.loads(stored.document))
    _set_etag(item, stored.etag)
    return item


class SqlStorage(Storage):  # type: ignore[misc]  # botbuilder ships no types: its classes are Any
    """Dialog and turn state in the state_documents table, shared by every replica."""

    def __init__(self, session_factory: SessionFactory) -> None:
        super().__init__()
        self._factory = session_factory

    async def read(self, keys: Iterable[str] | None) -> dict[str, Any]:
        if keys is None:
            raise ValueError("Keys are required when reading")
        wanted = _key_list(keys)
        stored = await read_many(self._factory, wanted)
        return {key: _to_item(stored[key]) for key in dict.fromkeys(wanted) if key in stored}

    async def write(self, changes: Mapping[str, object] | None) -> None:
        if changes is None:
            raise ValueError("Changes are required when writing")
        if not changes:
            return
        writes: list[DocumentWrite] = []
        for key, item in changes.items():
            etag = _etag_of(item)
            if etag == "":
                raise ValueError("SqlStorage.write(): etag missing")
            writes.append(DocumentWrite(key, _to_json(item), etag))
        try:
            new_etags = await write_many(self._factory, writes)
        except EtagConflict as conflict:
            raise StateConflictError(conflict.key) from conflict
        for key, item in changes.items():
            _set_etag(item, new_etags[key])

    async def delete(self, keys: Iterable[str] | None) -> None:
        if keys is None:
            raise ValueError("Keys are required when deleting")
        await delete_many(self._factory, _key_list(keys))


def _key_list(keys: Iterable[str]) -> list[str]:
    if isinstance(keys, str):
        raise TypeError("keys must be a collection of keys, not a single string")
    return list(keys)
