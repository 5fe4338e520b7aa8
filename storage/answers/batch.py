"""The one write path for answers: many submissions checked and staged in one transaction.

Every pulse answer and every reflection goes through `record_batch`, alone (a batch of one) or
grouped with others (storage/answers/writer.py). Per submission it keeps what the sequential write
kept: nothing is read before the transaction holds what keeps it current (on PostgreSQL the
participation hash, claimed first; on SQLite the database's write lock, taken first, after which
the hashes of the accepted answers alone are written), then the round and the person are checked,
then the values (rule 2); a refused submission leaves every table as it was, and of several
submissions of one person only the first valid one counts. Per batch it needs a fixed number of
statements, one per table, whatever the batch size: that is what makes a Monday-morning burst
cheap (storage/answers/statements.py says why SQLite's are one step each).

An accepted answer is not counted here: it is sealed whole (values and comment, storage/
answer_seal.py) and staged under a random key, and the round's response count goes up. The
counters and comments are written when the round closes (storage/rounds/tally.py), so no commit
while a round is open shows a value or a comment, and none pairs them (rule 10).

Nothing that identifies the person is written: the user id is read only to check membership.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Connection, delete

from storage.anonymity.participation import participation_key, rewrite_in_key_order_sync
from storage.anonymity.random_keys import ROW_KEY_BYTES, SYSTEM_KEYS, KeySource
from storage.anonymity.seal import (
    NONCE_SIZE,
    SEALED_SIZE,
    Answer,
    round_key,
    seal_with_nonce,
)
from storage.anonymity.secrets import AnonymitySecrets
from storage.answers.statements import SQLITE_BATCH, insert_rows, statements
from storage.db.crash_points import crash_point
from storage.errors import (
    AlreadyAnswered,
    DomainError,
    NotAMember,
    RoundClosed,
    RoundNotFound,
    RoundNotOpen,
)
from storage.tables.answers import RoundKey
from storage.tables.pulses import RoundState


@dataclass(frozen=True)
class RoundFacts:
    """What a round's answers are checked against and never changes once the round exists.

    The state is deliberately not here: it changes at opening and closing, so it is read in the
    writing transaction every time.
    """

    id: str
    unit_id: str
    sequence: int
    items: tuple[str, ...]
    opens_at: datetime
    closes_at: datetime
    prompt: bool  # a prompt (reflection) round rather than a pulse
    rating_asked: bool  # the prompt asks for a 1–5 rating
    salt: bytes | None  # of the round's sealing key; made by the round's first answer


@dataclass(frozen=True)
class Submission:
    """One person's answer to one round, as far as it could be checked without the database."""

    round_id: str
    user_id: str  # read to check membership and to key participation, never written
    now: datetime
    comment: str | None  # already cleaned and bounded
    # The kind's own rules (pulse items and scales, or a prompt's rating): counter values by item,
    # or a DomainError raised. Called only once round, person and participation have passed.
    values: Callable[[RoundFacts], Mapping[str, int]]
    # The anonymity secrets; the round's salt says which one is the round's (it keys the
    # participation hash and, with the salt, the sealing key: storage/anonymity/secrets.py).
    secrets: AnonymitySecrets
    # participation_key(the round's secret, round, user): the only trace of the person that is
    # kept. Filled in by record_batch once the round's salt is known.
    key: str = ""
    secret: str = ""


Outcome = DomainError | None  # None: staged and committed with the batch

_DRAW = ROW_KEY_BYTES + NONCE_SIZE  # random bytes per staged answer: its row key, its nonce


class RoundFactsCache:
    """Facts of rounds already seen, so a batch need not read them again. Rounds are never
    deleted and these columns never change, so nothing needs invalidating; the size is bounded."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._facts: dict[str, RoundFacts] = {}

    def get(self, round_id: str) -> RoundFacts | None:
        return self._facts.get(round_id)

    def add(self, facts: RoundFacts) -> None:
        if facts.salt is None:  # made later in this transaction: read again next time
            return
        if len(self._facts) >= self._size:
            self._facts.pop(next(iter(self._facts)))
        self._facts[facts.id] = facts


def record_batch(
    connection: Connection,
    batch: Sequence[Submission],
    cache: RoundFactsCache | None = None,
    keys: KeySource = SYSTEM_KEYS,
) -> list[Outcome]:
    """Check and stage every submission of the batch inside the caller's transaction.

    Returns one outcome per submission, in order; the caller commits (then every None is
    durably staged, to be counted at close) or rolls back (then nothing is). Refusals are returned, not raised, so one
    refusal does not undo the others; they have left no row behind.
    """
    facts = _facts(connection, {s.round_id for s in batch}, cache)
    sqlite = connection.dialect.name == "sqlite"
    if sqlite and facts:
        # The write lock first (a write that writes nothing): every read after it is current
        # until the commit, so the claims can be written for the accepted answers only.
        connection.exec_driver_sql(SQLITE_BATCH.lock)
    # A round's first answers make its salt before anything else: the salt says which secret the
    # round is keyed by, so the participation hashes need it. On PostgreSQL inserting it takes
    # the same locks as the claim below (it refers to the round too).
    made = _salt_first(connection, facts, batch, keys)
    batch = [_keyed(submission, facts) for submission in batch]
    claims = sorted({(s.round_id, s.key) for s in batch if s.round_id in facts})
    users = {s.user_id for s in batch if s.round_id in facts}
    if sqlite and facts:
        free = set(claims) - _claimed_sqlite(connection, claims)
        states, members = _current_sqlite(connection, list(facts), users)
    else:
        # The claim comes first, as in a sequential write: on PostgreSQL inserting the
        # participation row takes a key-share lock on its round (the foreign key), which a
        # closing round's FOR UPDATE waits for, so the state read after the claim is the state
        # at commit.
        free = _claim(connection, claims)
        states, members = _current(connection, list(facts), users)
    outcomes: list[Outcome] = []
    accepted: list[tuple[Submission, Mapping[str, int]]] = []
    taken: set[tuple[str, str]] = set()
    for submission in batch:
        try:
            values = _check(submission, facts, states, members, free, taken)
        except DomainError as refusal:
            outcomes.append(refusal)
            continue
        taken.add((submission.round_id, submission.key))
        accepted.append((submission, values))
        outcomes.append(None)
    if sqlite:
        _claim_sqlite(connection, sorted(taken))
    else:
        _release(connection, free - taken)
    _unmake_salts(connection, made - {submission.round_id for submission, _ in accepted})
    salts = {round_id: found.salt for round_id, found in facts.items() if found.salt is not None}
    _stage(connection, accepted, salts, keys)
    # PostgreSQL only: no xmin or heap order may pair a sealed answer with a hash (participation).
    rewrite_in_key_order_sync(connection, (submission.round_id for submission, _ in accepted))
    crash_point("stage.inside")  # written, not committed
    return outcomes


def _check(
    submission: Submission,
    facts: Mapping[str, RoundFacts],
    states: Mapping[str, str],
    members: Collection[tuple[str, str]],
    free: Collection[tuple[str, str]],
    taken: Collection[tuple[str, str]],
) -> Mapping[str, int]:
    """The refusals in the order a person is told about them; the values of an accepted answer.

    `free`: the claims this transaction may take (on PostgreSQL, those it has just inserted; on
    SQLite, those not in the table)."""
    round_id = submission.round_id
    found, state = facts.get(round_id), states.get(round_id)
    if found is None or state is None:
        raise RoundNotFound(round_id)
    if state == RoundState.SCHEDULED.value or submission.now < found.opens_at:
        raise RoundNotOpen(round_id)
    if state == RoundState.CLOSED.value or submission.now >= found.closes_at:
        raise RoundClosed(round_id)
    if (found.unit_id, submission.user_id) not in members:
        raise NotAMember(round_id)
    claim = (round_id, submission.key)
    if claim not in free or claim in taken:  # answered before, or earlier in this batch
        raise AlreadyAnswered(round_id)
    return submission.values(found)


def _facts(
    connection: Connection, round_ids: Iterable[str], cache: RoundFactsCache | None
) -> dict[str, RoundFacts]:
    """The facts of the rounds that exist (a forged id is simply absent)."""
    found: dict[str, RoundFacts] = {}
    missing = []
    for round_id in round_ids:
        known = cache.get(round_id) if cache else None
        if known is None:
            missing.append(round_id)
        else:
            found[round_id] = known
    if not missing:
        return found
    rows = connection.execute(statements(connection).facts, {"ids": missing})
    for round_id, unit_id, sequence, items, opens_at, closes_at, prompt, rating, salt in rows:
        facts = RoundFacts(
            id=round_id,
            unit_id=unit_id,
            sequence=sequence,
            items=tuple(str(item) for item in json.loads(items)),
            opens_at=opens_at,
            closes_at=closes_at,
            prompt=bool(prompt),
            rating_asked=bool(rating),
            salt=salt,
        )
        found[round_id] = facts
        if cache:
            cache.add(facts)
    return found


def _claim(connection: Connection, claims: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Insert the participation hashes not yet there; returns those this transaction inserted.

    Sorted, so two transactions claiming overlapping hashes on PostgreSQL lock them in one order.
    """
    if not claims:
        return set()
    rows = insert_rows(
        connection, statements(connection).claim, [{"round_id": r, "key": k} for r, k in claims]
    )
    return {(row.round_id, row.key) for row in rows}


def _current(
    connection: Connection, round_ids: list[str], user_ids: set[str]
) -> tuple[dict[str, str], set[tuple[str, str]]]:
    """The rounds' states, and which of these people belong to the rounds' units: one statement."""
    if not round_ids:
        return {}, set()
    rows = connection.execute(
        statements(connection).current, {"ids": round_ids, "users": sorted(user_ids)}
    )
    states: dict[str, str] = {}
    members: set[tuple[str, str]] = set()
    for round_id, state, unit_id, user_id in rows:
        states[round_id] = state
        if user_id is not None:
            members.add((unit_id, user_id))
    return states, members


def _claimed_sqlite(connection: Connection, claims: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """SQLite, under the write lock: which of these claims are in the table already."""
    rows = connection.exec_driver_sql(SQLITE_BATCH.claimed, (json.dumps(claims),))
    return {(round_id, key) for round_id, key in rows}


def _current_sqlite(
    connection: Connection, round_ids: list[str], user_ids: set[str]
) -> tuple[dict[str, str], set[tuple[str, str]]]:
    """`_current` in one row per round: the members among these people as a JSON array."""
    rows = connection.exec_driver_sql(
        SQLITE_BATCH.current, (json.dumps(round_ids), json.dumps(sorted(user_ids)))
    )
    states: dict[str, str] = {}
    members: set[tuple[str, str]] = set()
    for round_id, state, unit_id, users in rows:
        states[round_id] = state
        members.update((unit_id, user_id) for user_id in json.loads(users))
    return states, members


def _claim_sqlite(connection: Connection, claims: list[tuple[str, str]]) -> None:
    """SQLite: the participation hashes of the accepted answers, none of them there yet."""
    if claims:
        connection.exec_driver_sql(SQLITE_BATCH.claim, (json.dumps(claims),))


def _release(connection: Connection, unused: set[tuple[str, str]]) -> None:
    """Hashes claimed for refused submissions go again: a refusal must leave no trace."""
    if unused:
        connection.execute(
            statements(connection).release,
            [{"r": round_id, "k": key} for round_id, key in sorted(unused)],
        )


def _salt_first(
    connection: Connection,
    facts: dict[str, RoundFacts],
    batch: Sequence[Submission],
    keys: KeySource,
) -> set[str]:
    """Make the salt of each round answered here that has none; returns the rounds whose salt
    this transaction made (to be taken back if nobody's answer to it is accepted).

    Made by the answers rather than at opening, so rounds opened anywhere need nothing else.
    ON CONFLICT DO NOTHING and a read after: two replicas making the same round's salt at once
    both end with the one that was committed, and so agree on the round's secret."""
    secrets = {s.round_id: s.secrets for s in batch if s.round_id in facts}
    missing = sorted(r for r in secrets if facts[r].salt is None)
    if not missing:
        return set()
    sql = statements(connection)
    offered = {r: secrets[r].new_salt(keys) for r in missing}
    insert_rows(connection, sql.add_salt, [{"round_id": r, "salt": offered[r]} for r in missing])
    made = set()
    for round_id, salt in connection.execute(sql.salts, {"ids": missing}):
        facts[round_id] = replace(facts[round_id], salt=bytes(salt))
        if bytes(salt) == offered[round_id]:
            made.add(round_id)
    return made


def _unmake_salts(connection: Connection, rounds: set[str]) -> None:
    """A salt made for answers that were all refused goes again (a refusal leaves no trace)."""
    if rounds:
        connection.execute(delete(RoundKey).where(RoundKey.round_id.in_(sorted(rounds))))


def _keyed(submission: Submission, facts: Mapping[str, RoundFacts]) -> Submission:
    """The submission with its round's secret and its participation hash under that secret."""
    found = facts.get(submission.round_id)
    if found is None:
        return submission  # refused as RoundNotFound before any key is read
    secret = submission.secrets.for_salt(found.salt)
    key = participation_key(secret, submission.round_id, submission.user_id)
    return replace(submission, key=key, secret=secret)


def _stage(
    connection: Connection,
    accepted: list[tuple[Submission, Mapping[str, int]]],
    salts: Mapping[str, bytes],
    keys: KeySource,
) -> None:
    """Seal each accepted answer whole and stage it; count the round's responses. One statement
    per table for the whole batch.

    The staged rows go in under random keys, in key order, so neither their keys nor their
    order within the batch says which came first; the responses rows are summed first (a
    statement may touch a row once) and sorted (one lock order on PostgreSQL). The batch's
    random bytes are drawn at once (a row key and a nonce per answer), in the order a draw per
    answer would take them.
    """
    if not accepted:
        return
    round_keys = {
        round_id: round_key(accepted_secret, round_id, salts[round_id])
        for round_id, accepted_secret in {(s.round_id, s.secret) for s, _ in accepted}
    }
    drawn = keys.token_bytes(len(accepted) * _DRAW)
    staged = []
    for at, (submission, values) in enumerate(accepted):
        start = at * _DRAW
        row_key = drawn[start : start + ROW_KEY_BYTES].hex()
        nonce = drawn[start + ROW_KEY_BYTES : start + _DRAW]
        answer = Answer(values=values, comment=submission.comment)
        key = round_keys[submission.round_id]
        sealed = seal_with_nonce(key, submission.round_id, row_key, answer, nonce)
        staged.append((submission.round_id, row_key, sealed))
    staged.sort()
    sql = statements(connection)
    if connection.dialect.name == "sqlite":
        if any(len(sealed) != SEALED_SIZE for _, _, sealed in staged):
            raise ValueError("a sealed answer of another length")  # the blob is cut by length
        connection.exec_driver_sql(
            SQLITE_BATCH.stage,
            (json.dumps([[r, key] for r, key, _ in staged]), b"".join(s for _, _, s in staged)),
        )
    else:
        insert_rows(
            connection,
            sql.stage,
            [{"round_id": r, "key": key, "sealed": sealed} for r, key, sealed in staged],
        )
    responses = Counter(submission.round_id for submission, _ in accepted)
    insert_rows(
        connection,
        sql.respond,
        [{"round_id": r, "responses": n} for r, n in sorted(responses.items())],
    )
