"""The storage write of a card submission alone: submissions per second and latency per write.

    .venv/bin/python -m bench.answer_writes                          # SQLite and PostgreSQL, 1/8/64
    .venv/bin/python -m bench.answer_writes --backend sqlite --concurrency 64 --profile
    .venv/bin/python -m bench.answer_writes --pg-url postgresql+asyncpg://user@host:5432

Each run gets a fresh database (an SQLite file with the production pragmas from storage/db/engine.py, or
a new database on PostgreSQL: the throwaway server of tests/support/postgres.py unless --pg-url
names one), seeded with `--units` teams, each with an open pulse round and enough members that
every submission is a distinct valid first answer (one per person, 5 items, every fifth with a
comment). `--concurrency` writers submit through the public `Answers.submit` service, as a turn
does, until all `--submissions` are written; a warm-up of separate people runs first. At the end
the staged answers and response counts are checked against what was submitted, so a fast but wrong run cannot pass.

Each line also gives the CPU time this process spent per submission: on a shared machine it
varies less than the rate (SQLite runs inside the process; a PostgreSQL server does not).
`--profile` shows the event loop (pyinstrument); the SQLite writer's own thread needs py-spy:
`py-spy record --threads --format raw -o prof.txt -- python -m bench.answer_writes --backend sqlite`.

Nothing is asserted about speed: the figures depend on the machine (tests assert behaviour).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from storage.answers.pulse import Answers  # noqa: E402
from storage.db.engine import SessionFactory, create_engine, create_session_factory  # noqa: E402
from storage.db.migrate import upgrade  # noqa: E402
from storage.directory.recipients import Directory  # noqa: E402
from storage.question_bank import default_bank  # noqa: E402
from storage.rounds.lifecycle import RoundInfo, Rounds  # noqa: E402
from storage.tables.answers import RoundResponses, StagedAnswer  # noqa: E402
from storage.tables.directory import Membership, Recipient  # noqa: E402

SECRET = "bench-secret-0123456789-0123456789-abcdef"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
WARM_UP = 200


@dataclass(frozen=True)
class Job:
    round_id: str
    user_id: str
    answers: dict[str, object]
    comment: str | None


@dataclass(frozen=True)
class Result:
    backend: str
    concurrency: int
    submissions: int
    seconds: float
    latencies: list[float]
    failures: dict[str, int]
    cpu_seconds: float  # this process only (SQLite runs inside it, a PostgreSQL server does not)

    @property
    def rate(self) -> float:
        return self.submissions / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    def line(self) -> str:
        return (
            f"{self.backend:<10} in flight {self.concurrency:>3}: "
            f"{self.rate:8.0f} submissions/s   p50 {self.percentile(0.50):7.2f} ms   "
            f"p99 {self.percentile(0.99):7.2f} ms   ({self.submissions} in {self.seconds:.2f} s, "
            f"mean {statistics.fmean(self.latencies) * 1000:.2f} ms, "
            f"CPU {self.cpu_seconds / self.submissions * 1e6:.0f} us each)"
            + (f"   FAILED: {self.failures}" if self.failures else "")
        )


async def seed(factory: SessionFactory, units: int, people_per_unit: int) -> list[RoundInfo]:
    """Teams with members (bulk-inserted: the roster sync is not what is measured) and open rounds."""
    directory = Directory(factory)
    rounds = Rounds(factory, default_bank(), SECRET)
    created = []
    for u in range(units):
        unit = await directory.install_team(f"19:bench-{u}", f"Team {u}", "tenant-1", None)
        people = [f"29:u{u}-{n}" for n in range(people_per_unit)]
        async with factory.begin() as session:
            for start in range(0, len(people), 500):
                chunk = people[start : start + 500]
                await session.execute(
                    insert(Recipient), [{"user_id": p, "app_installed": True} for p in chunk]
                )
                await session.execute(
                    insert(Membership), [{"unit_id": unit.id, "user_id": p} for p in chunk]
                )
        created.append(
            await rounds.create(
                unit.id, NOW - timedelta(minutes=1), NOW + timedelta(days=5), None, "hr"
            )
        )
    await rounds.open_due(NOW)
    return [await rounds.get(info.id) for info in created]


def jobs(rounds: list[RoundInfo], first: int, count: int) -> list[Job]:
    """Person n answers their own team's round; consecutive submissions go to different teams."""
    out = []
    for n in range(first, first + count):
        pulse = rounds[n % len(rounds)]
        u = int(pulse.unit_name.removeprefix("Team "))
        out.append(
            Job(
                round_id=pulse.id,
                user_id=f"29:u{u}-{n // len(rounds)}",
                answers={item: 1 + (n + i) % 5 for i, item in enumerate(pulse.items)},
                comment=f"kommentar {n}" if n % 5 == 0 else None,
            )
        )
    return out


async def drive(
    answers: Answers, work: list[Job], concurrency: int
) -> tuple[float, list[float], dict[str, int]]:
    """`concurrency` writers take the next job until none is left; each write is timed on its own.

    A write that fails is counted by its error and left out of the latencies (none should)."""
    latencies: list[float] = []
    failures: Counter[str] = Counter()
    queue = iter(work)

    async def writer() -> None:
        for job in queue:
            started = time.perf_counter()
            try:
                await answers.submit(job.round_id, job.user_id, job.answers, job.comment, NOW)
            except Exception as error:  # noqa: BLE001 - reported, not hidden
                failures[f"{type(error).__name__}: {str(error)[:60]}"] += 1
                continue
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(writer() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies, dict(failures)


async def check(factory: SessionFactory, expected: int) -> None:
    """Open rounds stage one sealed row per answer (counted at close): both must match."""
    async with factory() as session:
        responses = await session.scalar(select(func.sum(RoundResponses.responses)))
        staged = await session.scalar(select(func.count()).select_from(StagedAnswer))
    if responses != expected or staged != expected:
        raise SystemExit(f"WRONG: {responses} responses, {staged} staged for {expected} answers")


@asynccontextmanager
async def database(backend: str, pg_url: str | None) -> AsyncIterator[str]:
    """A fresh, migrated database URL for one run; removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(dir=ROOT) as folder:  # on disk, as in production
            yield f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        return
    assert pg_url is not None
    base = make_url(pg_url)
    admin = base.set(drivername="postgresql", database="postgres").render_as_string(False)
    name = f"bench_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f"CREATE DATABASE {name}")
    finally:
        await connection.close()
    try:
        yield base.set(database=name).render_as_string(False)
    finally:
        connection = await asyncpg.connect(admin)
        try:
            await connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        finally:
            await connection.close()


async def one_run(
    backend: str, pg_url: str | None, concurrency: int, submissions: int, units: int, profile: bool
) -> Result:
    async with database(backend, pg_url) as url:
        engine = create_engine(url)
        try:
            await upgrade(engine)
            factory = create_session_factory(engine)
            per_unit = (WARM_UP + submissions) // units + 2
            rounds = await seed(factory, units, per_unit)
            answers = Answers(factory, default_bank(), SECRET)
            _, warm, _ = await drive(answers, jobs(rounds, 0, WARM_UP), 1)
            work = jobs(rounds, WARM_UP, submissions)
            with profiled(profile, f"{backend}-{concurrency}"):
                cpu = time.process_time()
                seconds, latencies, failures = await drive(answers, work, concurrency)
                cpu = time.process_time() - cpu
            await check(factory, len(warm) + len(latencies))
            return Result(backend, concurrency, len(latencies), seconds, latencies, failures, cpu)
        finally:
            await engine.dispose()


@contextmanager
def profiled(enabled: bool, name: str) -> Iterator[None]:
    """pyinstrument (async-aware) around the measured part only; prints the top of the tree."""
    if not enabled:
        with nullcontext():
            yield
        return
    from pyinstrument import Profiler

    profiler = Profiler(async_mode="enabled", interval=0.0005)
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        print(f"--- profile {name} ---")
        print(profiler.output_text(unicode=False, color=False, show_all=False, short_mode=True))


@contextmanager
def postgres(pg_url: str | None, wanted: bool) -> Iterator[str | None]:
    """The given server, or a throwaway one from the test support (fsync off, on tmpfs)."""
    if not wanted or pg_url:
        yield pg_url
        return
    from tests.support.postgres import SUPERUSER, postgres_server

    with postgres_server() as server:
        yield f"postgresql+asyncpg://{SUPERUSER}@127.0.0.1:{server.port}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--concurrency", default="1,8,64", help="writers in flight, comma-separated"
    )
    parser.add_argument("--submissions", type=int, default=4000, help="measured per run")
    parser.add_argument("--units", type=int, default=20, help="teams, each with its own round")
    parser.add_argument("--pg-url", help="postgresql+asyncpg://user@host:port of a server to use")
    parser.add_argument("--profile", action="store_true", help="pyinstrument around each run")
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    levels = [int(c) for c in args.concurrency.split(",")]
    results: list[Any] = []
    with postgres(args.pg_url, "postgresql" in backends) as pg_url:
        for backend in backends:
            for concurrency in levels:
                result = asyncio.run(
                    one_run(
                        backend, pg_url, concurrency, args.submissions, args.units, args.profile
                    )
                )
                print(result.line(), flush=True)
                results.append(result)


if __name__ == "__main__":
    main()
