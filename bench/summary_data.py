"""Ten years of pulses for a large employer, generated deterministically and loaded in bulk.

The shape: one organisation, 8 areas, 20 departments in each, 10 teams in each department
(1,769 units, 1,600 teams of 4–25 people). Every team has a pulse every 14 days for 250 rounds
(about 9.6 years), the default rotating template of five questions, and a counter row for every
question × scale value: 25 `answer_counts` rows per round, 400,000 rounds, 10,000,000 rows.
Every team's newest round opened in the last 14 days; those that opened less than 5 days before
NOW are still open. About 1 round in 8 closes with fewer than k answers, so disclosure has real
suppression to do. Leaders, baselines and agreed actions exist too, so a summary reads everything
it reads in production.

SQLite is loaded with the stdlib driver (one transaction, rows in key order); PostgreSQL with COPY.
Both get the schema from the Alembic migrations first, so indexes are the project's own.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from storage.db.file_rewrite import analyse
from storage.question_bank import default_bank, default_template

SEED = 20261123
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
AREAS, DEPARTMENTS, TEAMS = 8, 20, 10
ROUNDS_PER_TEAM = 250
CADENCE = timedelta(days=14)
OPEN_FOR = timedelta(days=5)
VALUES = range(1, 6)
TARGET_ROWS = AREAS * DEPARTMENTS * TEAMS * ROUNDS_PER_TEAM * 5 * len(VALUES)  # 10,000,000


def _hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


@dataclass
class UnitRow:
    id: str
    name: str
    parent_id: str | None
    teams_team_id: str | None
    ancestry: list[str]
    size: int = 0


@dataclass
class Org:
    """The units (parents before children) and who leads what; rounds are generated lazily."""

    units: list[UnitRow] = field(default_factory=list)

    @property
    def teams(self) -> list[UnitRow]:
        return [u for u in self.units if u.teams_team_id is not None]

    @property
    def parents(self) -> list[UnitRow]:
        return [u for u in self.units if u.teams_team_id is None]

    @staticmethod
    def leader_of(unit: UnitRow) -> str:
        return f"leader-{unit.id}"


def build_org(seed: int = SEED) -> Org:
    rng = random.Random(seed)
    org = Org()
    root = UnitRow(_hex(rng), "Kommunen", None, None, [])
    root.ancestry = [root.id]
    org.units.append(root)
    for a in range(AREAS):
        area = UnitRow(_hex(rng), f"Område {a + 1}", root.id, None, [])
        area.ancestry = [area.id, *root.ancestry]
        org.units.append(area)
        for d in range(DEPARTMENTS):
            dept = UnitRow(_hex(rng), f"Afdeling {a + 1}.{d + 1}", area.id, None, [])
            dept.ancestry = [dept.id, *area.ancestry]
            org.units.append(dept)
            for t in range(TEAMS):
                team_id = f"19:bench-{a}-{d}-{t}@thread.tacv2"
                team = UnitRow(_hex(rng), f"Team {a + 1}.{d + 1}.{t + 1}", dept.id, team_id, [])
                team.ancestry = [team.id, *dept.ancestry]
                team.size = rng.randint(4, 25)
                org.units.append(team)
    return org


@dataclass(frozen=True)
class RoundRow:
    id: str
    unit_id: str
    sequence: int
    items: list[str]
    opens_at: datetime
    closes_at: datetime
    eligible: int
    responses: int
    closed: bool
    ancestry: list[str]


def rounds_of(org: Org, seed: int = SEED) -> Iterator[RoundRow]:
    """Every team's rounds, oldest first; the same rounds on every run."""
    bank = default_bank()
    rng = random.Random(seed + 1)
    for index, team in enumerate(org.teams):
        newest_opening = NOW - timedelta(days=index % 14, hours=3)
        for number in range(ROUNDS_PER_TEAM):
            opens = newest_opening - CADENCE * (ROUNDS_PER_TEAM - 1 - number)
            closes = opens + OPEN_FOR
            # Most teams answer 55–95 %; now and then a round in holiday time gets few answers.
            share = rng.uniform(0.15, 0.5) if rng.random() < 0.08 else rng.uniform(0.55, 0.95)
            responses = max(0, min(team.size, round(team.size * share)))
            yield RoundRow(
                id=_hex(rng),
                unit_id=team.id,
                sequence=number + 1,
                items=default_template(bank, number),
                opens_at=opens,
                closes_at=closes,
                eligible=team.size,
                responses=responses,
                closed=closes <= NOW,
                ancestry=team.ancestry,
            )


class Spreads:
    """Answer distributions over the five scale values, drawn once per response count."""

    def __init__(self, seed: int = SEED) -> None:
        self._rng = random.Random(seed + 2)
        self._table: dict[int, list[tuple[int, ...]]] = {}

    def _draw(self, responses: int) -> tuple[int, ...]:
        weights = [self._rng.uniform(0.2, 1.0) * w for w in (1, 2, 4, 6, 4)]
        counts = [0] * len(VALUES)
        for _ in range(responses):
            counts[self._rng.choices(range(len(VALUES)), weights)[0]] += 1
        return tuple(counts)

    def pick(self, responses: int, rng: random.Random) -> tuple[int, ...]:
        options = self._table.get(responses)
        if options is None:
            options = self._table[responses] = [self._draw(responses) for _ in range(64)]
        return options[rng.randrange(len(options))]


def count_rows(rounds: list[RoundRow], seed: int = SEED) -> Iterator[tuple[str, str, int, int]]:
    """(round, item, value, count) for every question × value of every round, in key order."""
    spreads = Spreads(seed)
    rng = random.Random(seed + 3)
    for pulse in sorted(rounds, key=lambda r: r.id):
        for item in sorted(pulse.items):
            spread = spreads.pick(pulse.responses, rng)
            for value, count in zip(VALUES, spread, strict=True):
                yield pulse.id, item, value, count


COMMENTS = (
    "Godt samarbejde i teamet",
    "Travlt op til jul",
    "Savner mere information om omstruktureringen",
    "Tak for en god uge",
)


def comment_rows(rounds: list[RoundRow], seed: int = SEED) -> Iterator[tuple[str, str, str]]:
    rng = random.Random(seed + 4)
    for pulse in rounds:
        if pulse.responses and rng.random() < 0.3:
            yield pulse.id, _hex(rng), rng.choice(COMMENTS)


BASELINE_DIMENSIONS = ("trust_colleagues", "trust_management", "justice", "cooperation")


# --- SQLite ------------------------------------------------------------------------------------


def _sqlite_time(moment: datetime) -> str:
    """SQLAlchemy's SQLite storage format for a naive UTC datetime (storage/tables/directory.UtcDateTime)."""
    return moment.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def load_sqlite(path: str, org: Org) -> int:
    """Fill a migrated, empty SQLite file; returns the number of answer_counts rows."""
    import json

    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA foreign_keys=OFF")
        connection.execute("PRAGMA cache_size=-400000")
        now = _sqlite_time(NOW)
        with connection:
            connection.executemany(
                "INSERT INTO units (id, name, teams_team_id, parent_id, tenant_id, service_url,"
                " bot_installed, updated_at) VALUES (?, ?, ?, ?, 'tenant-1', NULL, ?, ?)",
                [
                    (
                        u.id,
                        u.name,
                        u.teams_team_id,
                        u.parent_id,
                        int(u.teams_team_id is not None),
                        now,
                    )
                    for u in org.units
                ],
            )
            connection.executemany(
                "INSERT INTO role_assignments (unit_id, aad_object_id, role) VALUES (?, ?, 'leader')",
                [(u.id, org.leader_of(u)) for u in org.units],
            )
            connection.executemany(
                "INSERT INTO baselines (unit_id, dimension, score, source) VALUES (?, ?, ?, 'APV 2025')",
                [
                    (u.id, dim, 50 + (i * 7 + j * 13) % 40)
                    for i, u in enumerate(org.units)
                    for j, dim in enumerate(BASELINE_DIMENSIONS)
                ],
            )
            rounds = list(rounds_of(org))
            connection.executemany(
                "INSERT INTO pulse_rounds (id, unit_id, sequence, items, opens_at, closes_at,"
                " remind_at, eligible_count, state, reminder_enqueued, origin, ancestry)"
                " VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, 1, 'schedule', ?)",
                (
                    (
                        r.id,
                        r.unit_id,
                        r.sequence,
                        json.dumps(r.items),
                        _sqlite_time(r.opens_at),
                        _sqlite_time(r.closes_at),
                        r.eligible,
                        "closed" if r.closed else "open",
                        json.dumps(r.ancestry) if r.closed else None,
                    )
                    for r in rounds
                ),
            )
            connection.executemany(
                "INSERT INTO round_responses (round_id, responses) VALUES (?, ?)",
                sorted((r.id, r.responses) for r in rounds if r.responses),
            )
            connection.executemany(
                "INSERT INTO anonymous_comments (round_id, key, text) VALUES (?, ?, ?)",
                sorted(comment_rows(rounds)),
            )
            connection.executemany(
                "INSERT INTO agreed_actions (id, unit_id, round_id, text, agreed_on,"
                " follow_up_pending) VALUES (?, ?, ?, ?, ?, 0)",
                [
                    (
                        f"{r.id[:24]}a{r.sequence:07d}",
                        r.unit_id,
                        r.id,
                        "Fast ugemøde",
                        r.closes_at.date().isoformat(),
                    )
                    for r in rounds
                    if r.sequence % 26 == 0
                ],
            )
            connection.executemany(
                "INSERT INTO answer_counts (round_id, item_id, value, count) VALUES (?, ?, ?, ?)",
                count_rows(rounds),
            )
        analyse(connection)  # as the app does at every close (storage/db/file_rewrite.py)
        (total,) = connection.execute("SELECT count(*) FROM answer_counts").fetchone()
        return int(total)
    finally:
        connection.close()


# --- PostgreSQL --------------------------------------------------------------------------------


async def load_postgres(dsn: str, org: Org) -> int:
    """Fill a migrated, empty PostgreSQL database with COPY; returns the answer_counts rows."""
    import json

    import asyncpg

    connection: Any = await asyncpg.connect(dsn)
    try:
        async with connection.transaction():
            await connection.execute("SET LOCAL session_replication_role = replica")  # no FK checks
            await connection.copy_records_to_table(
                "units",
                columns=[
                    "id",
                    "name",
                    "teams_team_id",
                    "parent_id",
                    "tenant_id",
                    "bot_installed",
                    "updated_at",
                ],
                records=[
                    (
                        u.id,
                        u.name,
                        u.teams_team_id,
                        u.parent_id,
                        "tenant-1",
                        u.teams_team_id is not None,
                        NOW,
                    )
                    for u in org.units
                ],
            )
            await connection.copy_records_to_table(
                "role_assignments",
                columns=["unit_id", "aad_object_id", "role"],
                records=[(u.id, org.leader_of(u), "leader") for u in org.units],
            )
            await connection.copy_records_to_table(
                "baselines",
                columns=["unit_id", "dimension", "score", "source"],
                records=[
                    (u.id, dim, float(50 + (i * 7 + j * 13) % 40), "APV 2025")
                    for i, u in enumerate(org.units)
                    for j, dim in enumerate(BASELINE_DIMENSIONS)
                ],
            )
            rounds = list(rounds_of(org))
            await connection.copy_records_to_table(
                "pulse_rounds",
                columns=[
                    "id",
                    "unit_id",
                    "sequence",
                    "items",
                    "opens_at",
                    "closes_at",
                    "eligible_count",
                    "state",
                    "reminder_enqueued",
                    "origin",
                    "ancestry",
                ],
                records=[
                    (
                        r.id,
                        r.unit_id,
                        r.sequence,
                        json.dumps(r.items),
                        r.opens_at,
                        r.closes_at,
                        r.eligible,
                        "closed" if r.closed else "open",
                        True,
                        "schedule",
                        json.dumps(r.ancestry) if r.closed else None,
                    )
                    for r in rounds
                ],
            )
            await connection.copy_records_to_table(
                "round_responses",
                columns=["round_id", "responses"],
                records=[(r.id, r.responses) for r in rounds if r.responses],
            )
            await connection.copy_records_to_table(
                "anonymous_comments",
                columns=["round_id", "key", "text"],
                records=list(comment_rows(rounds)),
            )
            await connection.copy_records_to_table(
                "agreed_actions",
                columns=["id", "unit_id", "round_id", "text", "agreed_on", "follow_up_pending"],
                records=[
                    (
                        f"{r.id[:24]}a{r.sequence:07d}",
                        r.unit_id,
                        r.id,
                        "Fast ugemøde",
                        r.closes_at.date(),
                        False,
                    )
                    for r in rounds
                    if r.sequence % 26 == 0
                ],
            )
            await connection.copy_records_to_table(
                "answer_counts",
                columns=["round_id", "item_id", "value", "count"],
                records=count_rows(rounds),
            )
        await connection.execute("VACUUM ANALYZE")
        total = await connection.fetchval("SELECT count(*) FROM answer_counts")
        return int(total)
    finally:
        await connection.close()
