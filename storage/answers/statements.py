"""The statements of the answer write path, built once per dialect.

Each table gets one statement per batch, whatever the batch size, and its text does not depend
on the batch size. On PostgreSQL lists travel as arrays (`= ANY(…)`, `INSERT … SELECT unnest(…)`),
so each statement is one round trip. On SQLite (`SQLITE_BATCH`) lists travel as one JSON text
read with `json_each`, and a batch's sealed answers as one blob cut with `substr`: each statement
is one step of SQLite's engine. The sqlite3 module lets go of the GIL around every step (and
every row of an `executemany` or of a RETURNING is one), and while the bot's event loop is busy,
as at a Monday-morning burst, the writer thread then waits to get it back (0.1–0.3 ms a time on
the 2-core test machine): a handful of steps per batch instead of several per answer
(docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    CursorResult,
    Executable,
    Integer,
    LargeBinary,
    String,
    Text,
    and_,
    any_,
    bindparam,
    delete,
    func,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.types import TypeEngine

from storage.anonymity.seal import SEALED_SIZE
from storage.db.engine import dialect_insert
from storage.tables.answers import (
    AnonymousComment,
    AnswerCount,
    Participation,
    RoundKey,
    RoundResponses,
    StagedAnswer,
)
from storage.tables.directory import Base, Membership
from storage.tables.prompts import PromptRound
from storage.tables.pulses import PulseRound


@dataclass(frozen=True)
class AnswerStatements:
    """Building an upsert costs more than running it, so each is built once."""

    facts: Executable  # ids → the rounds' unchanging facts, and their salts
    claim: Executable  # rows → participation hashes inserted (RETURNING)
    current: Executable  # ids, users → state of each round, members among these people
    release: Executable  # rows r, k → participation hashes deleted
    stage: Executable  # rows → staged_answers inserted
    add_salt: Executable  # rows → round_keys inserted unless there
    salts: Executable  # ids → the rounds' salts
    count: Executable  # rows → answer_counts added to (at close)
    respond: Executable  # rows → round_responses added to
    comment: Executable  # rows → anonymous_comments inserted (at close)


def statements(connection: Connection) -> AnswerStatements:
    return statements_for(connection.dialect.name)


def insert_rows(
    connection: Connection, statement: Executable, rows: Sequence[Mapping[str, Any]]
) -> CursorResult[Any]:
    """Run a statement built by `_rows_insert` for these rows (all with the same keys)."""
    if connection.dialect.name == "postgresql":
        return connection.execute(statement, {key: [row[key] for row in rows] for key in rows[0]})
    return connection.execute(statement, list(rows))


def _one_of(
    column: InstrumentedAttribute[str], name: str, dialect_name: str
) -> ColumnElement[bool]:
    """`column IN (…)` for a list bound at execution."""
    if dialect_name == "postgresql":
        return column == any_(bindparam(name, type_=postgresql.ARRAY(String)))
    return column.in_(bindparam(name, expanding=True))


def _rows_insert(
    dialect_name: str, model: type[Base], columns: Mapping[str, TypeEngine[Any]]
) -> Any:
    """INSERT of many rows in one statement: on PostgreSQL from one array per column."""
    insert = dialect_insert(dialect_name)(model)
    if dialect_name != "postgresql":
        return insert
    arrays = [
        func.unnest(bindparam(name, type_=postgresql.ARRAY(type_)))
        for name, type_ in columns.items()
    ]
    return insert.from_select(list(columns), select(*arrays))


@cache
def statements_for(dialect_name: str) -> AnswerStatements:
    claim = _rows_insert(dialect_name, Participation, {"round_id": String(), "key": String()})
    count = _rows_insert(
        dialect_name,
        AnswerCount,
        {"round_id": String(), "item_id": String(), "value": Integer(), "count": Integer()},
    )
    respond = _rows_insert(
        dialect_name, RoundResponses, {"round_id": String(), "responses": Integer()}
    )
    comment = _rows_insert(
        dialect_name, AnonymousComment, {"round_id": String(), "key": String(), "text": Text()}
    )
    stage = _rows_insert(
        dialect_name,
        StagedAnswer,
        {"round_id": String(), "key": String(), "sealed": LargeBinary()},
    )
    add_salt = _rows_insert(dialect_name, RoundKey, {"round_id": String(), "salt": LargeBinary()})
    return AnswerStatements(
        facts=select(
            PulseRound.id,
            PulseRound.unit_id,
            PulseRound.sequence,
            PulseRound.items,
            PulseRound.opens_at,
            PulseRound.closes_at,
            PromptRound.round_id.is_not(None),
            PromptRound.rating_da.is_not(None),
            RoundKey.salt,
        )
        .outerjoin(PromptRound, PromptRound.round_id == PulseRound.id)
        .outerjoin(RoundKey, RoundKey.round_id == PulseRound.id)
        .where(_one_of(PulseRound.id, "ids", dialect_name)),
        claim=claim.on_conflict_do_nothing().returning(Participation.round_id, Participation.key),
        current=select(PulseRound.id, PulseRound.state, PulseRound.unit_id, Membership.user_id)
        .outerjoin(
            Membership,
            and_(
                Membership.unit_id == PulseRound.unit_id,
                _one_of(Membership.user_id, "users", dialect_name),
            ),
        )
        .where(_one_of(PulseRound.id, "ids", dialect_name)),
        release=delete(Participation).where(
            Participation.round_id == bindparam("r"), Participation.key == bindparam("k")
        ),
        count=count.on_conflict_do_update(
            index_elements=["round_id", "item_id", "value"],
            set_={"count": AnswerCount.count + count.excluded.count},
        ),
        respond=respond.on_conflict_do_update(
            index_elements=["round_id"],
            set_={"responses": RoundResponses.responses + respond.excluded.responses},
        ),
        comment=comment,
        stage=stage,
        add_salt=add_salt.on_conflict_do_nothing(),
        salts=select(RoundKey.round_id, RoundKey.salt).where(
            _one_of(RoundKey.round_id, "ids", dialect_name)
        ),
    )


_PARTICIPATION = Participation.__tablename__
_STAGED = StagedAnswer.__tablename__


@dataclass(frozen=True)
class SqliteBatchStatements:
    """SQLite's own texts for the hot statements (driver SQL, qmark parameters). Each reads its
    list from one JSON array parameter, so the prepared statement is the same for every batch."""

    # A write that writes nothing: the transaction takes SQLite's write lock before it reads,
    # so what it reads (claims, states, members) stays current until it commits.
    lock: str = f"DELETE FROM {_PARTICIPATION} WHERE 0"
    # [[round, key], …] → those already claimed (a second answer; usually none)
    claimed: str = (
        f"SELECT p.round_id, p.key FROM json_each(?) AS j JOIN {_PARTICIPATION} AS p"
        " ON p.round_id = json_extract(j.value, '$[0]') AND p.key = json_extract(j.value, '$[1]')"
    )
    # [round, …], [user, …] → per round: state, unit, and which of these users are its members
    current: str = (
        "SELECT r.id, r.state, r.unit_id, (SELECT json_group_array(m.user_id)"
        f" FROM {Membership.__tablename__} AS m WHERE m.unit_id = r.unit_id"
        " AND m.user_id IN (SELECT value FROM json_each(?2)))"
        f" FROM {PulseRound.__tablename__} AS r WHERE r.id IN (SELECT value FROM json_each(?1))"
    )
    # [[round, key], …] → participation rows inserted (none of them is there: `claimed` said so)
    claim: str = (
        f"INSERT INTO {_PARTICIPATION} (round_id, key) SELECT json_extract(value, '$[0]'),"
        " json_extract(value, '$[1]') FROM json_each(?) WHERE true"
    )
    # [[round, key], …] in key order, and the sealed answers (each SEALED_SIZE bytes) concatenated
    # in the same order
    stage: str = (
        f"INSERT INTO {_STAGED} (round_id, key, sealed) SELECT json_extract(j.value, '$[0]'),"
        f" json_extract(j.value, '$[1]'), substr(?2, j.key * {SEALED_SIZE} + 1, {SEALED_SIZE})"
        " FROM json_each(?1) AS j"
    )


SQLITE_BATCH = SqliteBatchStatements()
