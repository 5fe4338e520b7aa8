"""What an open round has staged, opened with the secret: the tests' view of answers not yet counted.

Production never reads staged answers before the round closes (rule 5); tests that check what a
submission recorded while the round is still open read it here, as the closing tally would.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from storage.anonymity.seal import Answer, round_key, unseal
from storage.db.engine import SessionFactory
from storage.tables.answers import RoundKey, StagedAnswer
from tests.conftest import TEST_SECRET


async def staged_answers(
    factory: SessionFactory, round_id: str, secret: str = TEST_SECRET
) -> list[Answer]:
    """Every staged answer of the round, opened (in key order, which is no order at all)."""
    async with factory() as session:
        salt = await session.scalar(select(RoundKey.salt).where(RoundKey.round_id == round_id))
        rows = (
            await session.execute(
                select(StagedAnswer.key, StagedAnswer.sealed)
                .where(StagedAnswer.round_id == round_id)
                .order_by(StagedAnswer.key)
            )
        ).all()
    if not rows:
        return []
    assert salt is not None, "staged answers without their round's salt"
    key = round_key(secret, round_id, bytes(salt))
    return [unseal(key, round_id, row_key, bytes(sealed)) for row_key, sealed in rows]


async def staged_counts(
    factory: SessionFactory, round_id: str, secret: str = TEST_SECRET
) -> dict[tuple[str, int], int]:
    """(item, value) → how many staged answers chose it: the counters the close will write."""
    counted: Counter[tuple[str, int]] = Counter()
    for answer in await staged_answers(factory, round_id, secret):
        counted.update(answer.values.items())
    return dict(counted)


async def staged_comments(
    factory: SessionFactory, round_id: str, secret: str = TEST_SECRET
) -> list[str]:
    """The comments staged for the round, sorted."""
    answers = await staged_answers(factory, round_id, secret)
    return sorted(answer.comment for answer in answers if answer.comment)


def staged_in_file(db_file: Path, round_id: str, secret: str) -> list[Answer]:
    """`staged_answers` read straight from an SQLite file (the end-to-end tests' bot runs apart)."""
    with sqlite3.connect(db_file) as connection:
        salt = connection.execute(
            "SELECT salt FROM round_keys WHERE round_id = ?", (round_id,)
        ).fetchone()
        rows = connection.execute(
            "SELECT key, sealed FROM staged_answers WHERE round_id = ? ORDER BY key", (round_id,)
        ).fetchall()
    if not rows:
        return []
    assert salt is not None, "staged answers without their round's salt"
    key = round_key(secret, round_id, bytes(salt[0]))
    return [unseal(key, round_id, row_key, bytes(sealed)) for row_key, sealed in rows]


def staged_counts_in_file(db_file: Path, round_id: str, secret: str) -> list[tuple[str, int, int]]:
    """(item, value, count) rows, as answer_counts will hold them once the round closes."""
    counted: Counter[tuple[str, int]] = Counter()
    for answer in staged_in_file(db_file, round_id, secret):
        counted.update(answer.values.items())
    return sorted((item, value, n) for (item, value), n in counted.items())
