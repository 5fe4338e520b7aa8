"""A leader's summary with ten years of history: latency at 10 million answer_counts rows.

    .venv/bin/python -m bench.summaries                 # SQLite (cached file) and PostgreSQL
    .venv/bin/python -m bench.summaries --only sqlite   # or --only postgresql
    .venv/bin/python -m bench.summaries --rebuild       # build the SQLite file from scratch
    .venv/bin/python -m bench.summaries --pg-dsn postgresql://u@host/db   # an existing server

The data is bench/summary_data.py's (1,600 teams under 169 parent units, a pulse every 14 days
for 250 rounds, 10,000,000 counter rows), built once into bench/.data/ for SQLite; PostgreSQL
gets a throwaway server (tests/support/postgres.py) loaded with COPY, unless --pg-dsn names a
database (loaded on first use). Then, for random leaders, what the summary card computes
through storage/results/summaries.py, timed per call:

- `open`: a team leader writes "resumé": latest_closed_round, round_summary (release, comments,
  trend of the last 4 rounds, the department's month for comparison, baseline, actions), choices;
- `round`: a leader picks an older round of one of their teams from the card: round_summary, choices;
- `month`: a department or area leader picks a finished month: period_summary, choices.

Printed: p50/p95/p99 per kind and over all cards, and the plans of the statements one card runs
(EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import delete, event  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

from bench import summary_data as data  # noqa: E402
from storage.db.engine import create_engine, create_session_factory  # noqa: E402
from storage.db.migrate import upgrade  # noqa: E402
from storage.directory.hierarchy import Tree  # noqa: E402
from storage.question_bank import default_bank  # noqa: E402
from storage.results.summaries import Summaries  # noqa: E402
from storage.rounds.period_versions import period_of  # noqa: E402
from storage.tables.results import PeriodDecision, PeriodFigure  # noqa: E402

DATA_DIR = ROOT / "bench" / ".data"
SQLITE_FILE = DATA_DIR / "summaries-v1.sqlite"
K = 5
CALLS = 300
WARMUP = 20


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the database --------------------------------------------------------------------------------


async def sqlite_url(rebuild: bool) -> str:
    url = f"sqlite+aiosqlite:///{SQLITE_FILE}"
    if rebuild or not SQLITE_FILE.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        partial = SQLITE_FILE.with_suffix(".partial")
        for leftover in DATA_DIR.glob(partial.name + "*"):
            leftover.unlink()
        engine = create_engine(f"sqlite+aiosqlite:///{partial}")
        await upgrade(engine)
        await engine.dispose()
        started = time.perf_counter()
        log(f"building {SQLITE_FILE.name} (once; about a minute) ...")
        rows = data.load_sqlite(str(partial), data.build_org())
        log(f"  {rows:,} answer_counts rows in {time.perf_counter() - started:.0f} s")
        partial.replace(SQLITE_FILE)
    engine = create_engine(url)
    started = time.perf_counter()
    await upgrade(engine)  # a cached file built before a new migration gets its indexes here
    if time.perf_counter() - started > 1:
        log(f"  migrated the cached file in {time.perf_counter() - started:.0f} s")
    await engine.dispose()
    return url


async def postgres_url(dsn: str) -> str:
    import asyncpg

    url = dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
    engine = create_engine(url)
    await upgrade(engine)
    await engine.dispose()
    connection = await asyncpg.connect(dsn)
    try:
        present = await connection.fetchval("SELECT count(*) FROM answer_counts")
    finally:
        await connection.close()
    if not present:
        started = time.perf_counter()
        log("loading PostgreSQL with COPY ...")
        rows = await data.load_postgres(dsn, data.build_org())
        log(f"  {rows:,} answer_counts rows in {time.perf_counter() - started:.0f} s")
    return url


# --- the calls ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    kind: str
    run: Callable[[], Awaitable[Any]]


async def plan_cards(summaries: Summaries, engine: AsyncEngine, count: int) -> list[Card]:
    """Random leaders and what they ask for; the same list on every run and backend."""
    rng = random.Random(data.SEED + 10)
    org = data.build_org()
    async with create_session_factory(engine)() as session:
        tree = await Tree.load(session)
    teams = org.teams
    parents = [u for u in org.parents if u.parent_id is not None] + [org.units[0]]
    finished = finished_periods()
    rounds_by_team: dict[str, list[str]] = {}
    for pulse in data.rounds_of(org):
        if pulse.closed:
            rounds_by_team.setdefault(pulse.unit_id, []).append(pulse.id)
    cards: list[Card] = []
    for n in range(count):
        kind = ("open", "round", "month")[n % 3]
        if kind == "month":
            unit = rng.choice(parents)
            period = rng.choice(finished)
            visible = tree.below([unit.id])
            unit_id = unit.id

            async def month(u: str = unit_id, p: str = period, v: set[str] = visible) -> None:
                await summaries.period_summary(u, p, v)
                await summaries.choices(v)

            cards.append(Card(kind, month))
            continue
        team = rng.choice(teams)
        visible = tree.below([team.id])
        if kind == "open":

            async def opened(v: set[str] = visible) -> None:
                round_id = await summaries.latest_closed_round(v)
                assert round_id is not None
                await summaries.round_summary(round_id, v)
                await summaries.choices(v)

            cards.append(Card(kind, opened))
        else:
            round_id = rng.choice(rounds_by_team[team.id])

            async def picked(r: str = round_id, v: set[str] = visible) -> None:
                await summaries.round_summary(r, v)
                await summaries.choices(v)

            cards.append(Card(kind, picked))
    return cards


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def finished_periods() -> list[str]:
    return sorted(
        {period_of(data.NOW - data.CADENCE * n) for n in range(3, data.ROUNDS_PER_TEAM - 2)}
    )


async def settle(engine: AsyncEngine, summaries: Summaries, cold: bool) -> None:
    """Start from nothing kept; then, unless `cold`, decide every finished month once, as the
    worker does when a month ends (bot/app.py), so cards read one kept row per month."""
    async with create_session_factory(engine).begin() as session:
        for model in (PeriodFigure, PeriodDecision):
            await session.execute(delete(model))
    if cold:
        log("  nothing kept: the first card to need a month decides it")
        return
    periods = sorted(
        {period_of(data.NOW - data.CADENCE * n) for n in range(data.ROUNDS_PER_TEAM + 3)}
    )
    started = time.perf_counter()
    settled = [period for period in periods if await summaries.settle(period)]
    elapsed = time.perf_counter() - started
    log(
        f"  settled {len(settled)} finished months in {elapsed:.1f} s, "
        f"{elapsed / max(len(settled), 1) * 1000:.0f} ms each (the app does it as a month ends)"
    )


async def measure(url: str, label: str, calls: int, plans: bool, cold: bool = False) -> None:
    engine = create_engine(url)
    summaries = Summaries(create_session_factory(engine), default_bank(), K, lambda: data.NOW)
    try:
        await settle(engine, summaries, cold)
        cards = await plan_cards(summaries, engine, calls + WARMUP)
        for card in cards[:WARMUP]:
            await card.run()
        timings: dict[str, list[float]] = {}
        cpu: dict[str, list[float]] = {}
        for card in cards[WARMUP:]:
            started, cpu_started = time.perf_counter(), time.process_time()
            await card.run()
            timings.setdefault(card.kind, []).append((time.perf_counter() - started) * 1000)
            cpu.setdefault(card.kind, []).append((time.process_time() - cpu_started) * 1000)
        for values in (timings, cpu):
            values["all"] = [t for kind in ("open", "round", "month") for t in values[kind]]
        state = "nothing kept beforehand" if cold else "finished months settled beforehand"
        print(
            f"\n{label}: summary card latency in ms ({calls} cards after {WARMUP} warm-up, {state})"
        )
        # CPU: this process's (the bot's side, and SQLite itself, which runs in it), steadier
        # than wall time on a shared machine; PostgreSQL's own work is not in it.
        print(
            f"  {'kind':<6} {'n':>4} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} {'mean':>7}"
            f" {'cpu p50':>8} {'cpu p95':>8}"
        )
        for kind, values in timings.items():
            print(
                f"  {kind:<6} {len(values):>4} {percentile(values, 0.5):>7.1f} "
                f"{percentile(values, 0.95):>7.1f} {percentile(values, 0.99):>7.1f} "
                f"{max(values):>7.1f} {statistics.fmean(values):>7.1f} "
                f"{percentile(cpu[kind], 0.5):>8.1f} {percentile(cpu[kind], 0.95):>8.1f}"
            )
        if plans:
            await print_plans(engine, cards)
    finally:
        await engine.dispose()


# --- plans --------------------------------------------------------------------------------------


async def print_plans(engine: AsyncEngine, cards: list[Card]) -> None:
    """Capture the statements one card of each kind runs, and show how the database runs them."""
    seen: dict[str, Any] = {}

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.setdefault(statement, parameters)

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        for kind in ("open", "month"):
            await next(c for c in cards if c.kind == kind).run()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
    sqlite = engine.dialect.name == "sqlite"
    print(f"\n  plans ({'EXPLAIN QUERY PLAN' if sqlite else 'EXPLAIN ANALYZE'}):")
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        for statement, parameters in seen.items():
            print("\n  " + " ".join(statement.split())[:300])
            if sqlite:
                cursor = await driver.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
                for row in await cursor.fetchall():
                    print(f"      {row[3]}")
            else:
                rows = await driver.fetch(f"EXPLAIN (ANALYZE, COSTS OFF) {statement}", *parameters)
                for row in rows:
                    print(f"      {row[0]}")


async def run(args: argparse.Namespace) -> None:
    if args.only in (None, "sqlite"):
        url = await sqlite_url(args.rebuild)
        await measure(url, "SQLite (file, WAL)", args.calls, not args.no_plans, args.cold)
    if args.only in (None, "postgresql"):
        if args.pg_dsn:
            await measure(
                await postgres_url(args.pg_dsn),
                "PostgreSQL",
                args.calls,
                not args.no_plans,
                args.cold,
            )
        else:
            from tests.support.postgres import postgres_server

            with postgres_server() as server:
                import asyncpg

                admin = await asyncpg.connect(server.dsn())
                await admin.execute("CREATE DATABASE bench")
                await admin.close()
                url = await postgres_url(server.dsn("bench"))
                await measure(
                    url, "PostgreSQL (throwaway server)", args.calls, not args.no_plans, args.cold
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--rebuild", action="store_true", help="build the SQLite file again")
    parser.add_argument("--pg-dsn", help="use this PostgreSQL database instead of a throwaway one")
    parser.add_argument("--calls", type=int, default=CALLS)
    parser.add_argument("--no-plans", action="store_true")
    parser.add_argument(
        "--cold", action="store_true", help="keep no decided month beforehand (no worker ran)"
    )
    args = parser.parse_args()
    print(
        f"summary latency: {data.TARGET_ROWS:,} answer_counts rows, "
        f"{len(data.build_org().teams):,} teams, {data.ROUNDS_PER_TEAM} rounds each, k={K}"
    )
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
