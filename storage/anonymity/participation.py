"""Rule 2: participation is a keyed hash of round and person, never the person.

The secret lives in configuration, so the database alone cannot tell who took part; the rows
are deleted when the round closes.

On PostgreSQL a table cannot be `WITHOUT ROWID`: a heap keeps rows in arrival order (`ctid`),
and each row shows the transaction that wrote it (`xmin`), both readable by anyone who may SELECT.
The hash and the sealed answer of one person (storage/anonymity/seal.py) are written in one
transaction, so without care `xmin` would pair each sealed answer with one hash: for whoever holds
the secret, who answered what. `rewrite_in_key_order` takes that away for everyone who reads with
SELECT; the old row versions, the WAL and its archives keep it (docs/privacy.md, "What each kind of access
can learn"). The counters and comments are written only by the closing transaction, all at once.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from sqlalchemy import Connection, TextClause, delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.anonymity.secrets import AnonymitySecrets
from storage.tables.answers import AnonymousComment, AnswerCount, Participation, RoundKey


def participation_key(secret: str, round_id: str, user_id: str) -> str:
    """HMAC-SHA256(secret, round ∥ user); the separator keeps ('ab','c') and ('a','bc') apart."""
    message = f"{round_id}\x1f{user_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


async def round_secret(
    session: AsyncSession, secrets: str | AnonymitySecrets, round_id: str
) -> str:
    """The secret this round's participation is keyed by: the one its salt names."""
    salt = await session.scalar(select(RoundKey.salt).where(RoundKey.round_id == round_id))
    return AnonymitySecrets.of(secrets).for_salt(None if salt is None else bytes(salt))


async def has_participated(
    session: AsyncSession, secrets: str | AnonymitySecrets, round_id: str, user_id: str
) -> bool:
    key = participation_key(await round_secret(session, secrets, round_id), round_id, user_id)
    found = await session.get(Participation, (round_id, key))
    return found is not None


async def not_participated(
    session: AsyncSession, secrets: str | AnonymitySecrets, round_id: str, user_ids: Iterable[str]
) -> list[str]:
    """Who of these has not answered yet: the only use of participation besides refusing twice."""
    secret = await round_secret(session, secrets, round_id)
    keyed = {participation_key(secret, round_id, user_id): user_id for user_id in user_ids}
    if not keyed:
        return []
    result = await session.execute(
        select(Participation.key).where(
            Participation.round_id == round_id, Participation.key.in_(list(keyed))
        )
    )
    answered = set(result.scalars())
    return [user_id for key, user_id in keyed.items() if key not in answered]


async def forget_participation(session: AsyncSession, round_id: str) -> None:
    """At close: nobody, not even the bot, can tell afterwards who took part."""
    await session.execute(delete(Participation).where(Participation.round_id == round_id))


async def rewrite_in_key_order(
    session: AsyncSession, round_id: str, at_close: bool = False
) -> None:
    """PostgreSQL: write every participation row of the round again, in key order, in this
    transaction (at close: every comment and counter), so that neither `xmin` nor `ctid` tells
    which answer came when. SQLite's `WITHOUT ROWID` tables have neither: nothing to do there.

    Called once the answer holds the lock on its round's responses row, which queues the answers
    to one round: each rewrite sees every hash committed before it, and the last answer leaves
    all of them with its own `xmin`, in the random order of their keys. Delete-and-insert rather
    than UPDATE, because an UPDATE writes the new versions in the order it scans the old ones,
    which is arrival order. The old versions stay on disk until vacuum, out of reach of SELECT.
    O(rows of one round) per answer, while the round's answers queue: measured on the loaded
    2-core test machine, about 6 ms at 100 hashes, 40 ms at 2,000 and 120 ms at 5,000.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    await session.flush()  # rows added through the session, before the raw statement reads them
    for statement in _rewrites(at_close):
        await session.execute(statement, {"round_id": round_id})


def rewrite_in_key_order_sync(connection: Connection, round_ids: Iterable[str]) -> None:
    """`rewrite_in_key_order` for the batched answer write (storage/answers/batch.py), which runs
    on a plain connection: called after the batch's counters and responses rows are written, so
    it holds the same per-round lock the single-answer path relies on."""
    if connection.dialect.name != "postgresql":
        return
    for round_id in sorted(set(round_ids)):
        for statement in _rewrites(at_close=False):
            connection.execute(statement, {"round_id": round_id})


def _rewrites(at_close: bool) -> list[TextClause]:
    """Delete a round's rows and insert them again in key order, one statement per table."""
    statements = []
    for model in (AnonymousComment, AnswerCount) if at_close else (Participation,):
        table = model.__table__
        name = model.__tablename__
        columns = ", ".join(f'"{column.name}"' for column in table.columns)
        keys = ", ".join(f'"{column.name}"' for column in table.primary_key)
        statements.append(
            text(
                f'WITH gone AS (DELETE FROM "{name}" WHERE round_id = :round_id '  # noqa: S608 - names from our own models
                f"RETURNING {columns}) "
                f'INSERT INTO "{name}" ({columns}) SELECT {columns} FROM gone ORDER BY {keys}'
            )
        )
    return statements
