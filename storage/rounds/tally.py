"""Closing a round's answers: the staged answers opened, counted and forgotten in one transaction.

Called inside the transaction that marks the round closed (storage/rounds/lifecycle.py). It writes every
counter and comment of the round at once, in key order, so nothing in the tables or the files
says which values or which comment arrived together or first: the counters are sums, the comments
get fresh random keys (drawn in the order of their texts, so arrival order cannot reach them even
through the key source) and are written sorted by those. In the same transaction the staged rows
and the round's salt are deleted and the files' rewrite is marked due (storage/db/file_rewrite.py).

A crash before the commit leaves the round open with its staged answers, to be closed again; a
crash after leaves it closed and counted: no answer is lost or counted twice.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Connection, delete, select

from storage.anonymity.random_keys import KeySource, random_key
from storage.anonymity.seal import UnreadableAnswer, round_key, unseal
from storage.anonymity.secrets import AnonymitySecrets
from storage.answers.statements import insert_rows, statements
from storage.db.engine import dialect_insert
from storage.tables.answers import FileRewrite, RoundKey, StagedAnswer


def tally_round(
    connection: Connection, secret: str | AnonymitySecrets, round_id: str, keys: KeySource
) -> int:
    """Count the round's staged answers into the counters and comments; returns how many.

    The sealing key is derived from the secret the round's salt names (the previous one for a
    round started before a rotation: storage/anonymity/secrets.py)."""
    salt = connection.execute(select(RoundKey.salt).where(RoundKey.round_id == round_id)).scalar()
    staged = connection.execute(
        select(StagedAnswer.key, StagedAnswer.sealed)
        .where(StagedAnswer.round_id == round_id)
        .order_by(StagedAnswer.key)
    ).all()
    if staged and salt is None:
        raise UnreadableAnswer(round_id)
    counts: Counter[tuple[str, int]] = Counter()
    comments: list[str] = []
    if staged:
        assert salt is not None
        secret_of_round = AnonymitySecrets.of(secret).for_salt(bytes(salt))
        key = round_key(secret_of_round, round_id, bytes(salt))
        for row_key, sealed in staged:
            answer = unseal(key, round_id, row_key, bytes(sealed))
            counts.update(answer.values.items())
            if answer.comment:
                comments.append(answer.comment)
    _write(connection, round_id, counts, comments, keys)
    connection.execute(delete(StagedAnswer).where(StagedAnswer.round_id == round_id))
    connection.execute(delete(RoundKey).where(RoundKey.round_id == round_id))
    connection.execute(
        dialect_insert(connection.dialect.name)(FileRewrite)
        .values(round_id=round_id)
        .on_conflict_do_nothing()
    )
    return len(staged)


def _write(
    connection: Connection,
    round_id: str,
    counts: Counter[tuple[str, int]],
    comments: list[str],
    keys: KeySource,
) -> None:
    """Counters added to (a round open across the upgrade to staging has some already) and
    comments inserted, each table in one statement, in key order."""
    sql = statements(connection)
    if counts:
        insert_rows(
            connection,
            sql.count,
            [
                {"round_id": round_id, "item_id": item, "value": value, "count": n}
                for (item, value), n in sorted(counts.items())
            ],
        )
    keyed = sorted((random_key(keys), text) for text in sorted(comments))
    if keyed:
        insert_rows(
            connection,
            sql.comment,
            [{"round_id": round_id, "key": key, "text": text} for key, text in keyed],
        )
