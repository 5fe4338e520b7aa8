"""Closing a round: its staged answers opened, counted and forgotten, and the files rewritten.

    .venv/bin/python -m bench.round_close                       # SQLite and PostgreSQL, 5,000
    .venv/bin/python -m bench.round_close --backend sqlite --answers 5000 --history 0,40000

Each run gets a fresh database (as bench/answer_writes.py: an SQLite file with the production
pragmas, or a new database on the throwaway PostgreSQL server unless --pg-url names one), one
team of `--answers` people and an open round, optionally beside `--history` closed rounds of
earlier months (25 counters each: what an SQLite VACUUM has to copy too). Everyone answers
through `Answers.submit` (64 in flight, every fifth with a comment). Then, timed apart:

- close: the closing transaction (storage/rounds/tally.py: every sealed answer opened, the
  counters and comments written, the staged rows, salt and participation deleted);
- rewrite: storage/db/file_rewrite.py (SQLite: VACUUM and WAL truncate; PostgreSQL: VACUUM of the
  staging table, VACUUM FULL of the salts and participation hashes).

The counters are checked against the answers, so a fast but wrong run cannot pass. Nothing is
asserted about speed: the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from bench.answer_writes import NOW, SECRET, database, drive, jobs, postgres, seed  # noqa: E402
from storage.answers.pulse import Answers  # noqa: E402
from storage.db.engine import SessionFactory, create_engine, create_session_factory  # noqa: E402
from storage.db.file_rewrite import rewrite_due  # noqa: E402
from storage.db.migrate import upgrade  # noqa: E402
from storage.question_bank import default_bank  # noqa: E402
from storage.rounds.lifecycle import Rounds  # noqa: E402
from storage.tables.answers import AnswerCount, StagedAnswer  # noqa: E402
from storage.tables.directory import Unit  # noqa: E402
from storage.tables.pulses import PulseRound, RoundState  # noqa: E402

HISTORY_ITEMS = 25  # counters per earlier round: 5 items × 5 values


async def add_history(factory: SessionFactory, rounds: int) -> None:
    """Closed rounds of earlier months with their counters, bulk-inserted (not measured)."""
    if not rounds:
        return
    unit_id = uuid.uuid4().hex
    async with factory.begin() as session:
        await session.execute(insert(Unit).values(id=unit_id, name="History", bot_installed=False))
    for start in range(0, rounds, 2000):
        ids = [uuid.uuid4().hex for _ in range(start, min(rounds, start + 2000))]
        async with factory.begin() as session:
            await session.execute(
                insert(PulseRound),
                [
                    {
                        "id": round_id,
                        "unit_id": unit_id,
                        "sequence": start + n + 1,
                        "items": "[]",
                        "opens_at": NOW.replace(year=2020),
                        "closes_at": NOW.replace(year=2020),
                        "state": RoundState.CLOSED.value,
                        "origin": "hr",
                    }
                    for n, round_id in enumerate(ids)
                ],
            )
            await session.execute(
                insert(AnswerCount),
                [
                    {"round_id": r, "item_id": f"i{i // 5}", "value": i % 5 + 1, "count": 7}
                    for r in ids
                    for i in range(HISTORY_ITEMS)
                ],
            )


def file_size(url: str) -> str:
    if not url.startswith("sqlite"):
        return ""
    size = Path(url.split("///", 1)[1]).stat().st_size
    return f", file {size / 1e6:.1f} MB"


async def one_run(backend: str, pg_url: str | None, answers_n: int, history: int) -> str:
    async with database(backend, pg_url) as url:
        engine = create_engine(url)
        try:
            await upgrade(engine)
            factory = create_session_factory(engine)
            await add_history(factory, history)
            (pulse,) = await seed(factory, 1, answers_n)
            answers = Answers(factory, default_bank(), SECRET)
            staging, latencies, failures = await drive(answers, jobs([pulse], 0, answers_n), 64)
            if failures or len(latencies) != answers_n:
                raise SystemExit(f"WRONG: staging failed {failures}")
            async with factory() as session:
                staged = await session.scalar(select(func.count()).select_from(StagedAnswer))
            rounds = Rounds(factory, default_bank(), SECRET)
            started = time.perf_counter()
            await rounds.close(pulse.id, rewrite=False)
            closing = time.perf_counter() - started
            size = file_size(url)
            started = time.perf_counter()
            covered = await rewrite_due(factory)
            rewriting = time.perf_counter() - started
            async with factory() as session:
                counted = await session.scalar(
                    select(func.sum(AnswerCount.count)).where(AnswerCount.round_id == pulse.id)
                )
            if staged != answers_n or counted != answers_n * len(pulse.items) or covered != 1:
                raise SystemExit(f"WRONG: {staged} staged, {counted} counted, {covered} rewritten")
            return (
                f"{backend:<10} {answers_n:>6} answers, {history:>6} earlier rounds: "
                f"close {closing * 1000:7.0f} ms   rewrite {rewriting * 1000:7.0f} ms   "
                f"(staged at {answers_n / staging:.0f}/s{size}{file_size(url) and ' → '}"
                f"{file_size(url).removeprefix(', file ')})"
            )
        finally:
            await engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--answers", type=int, default=5000, help="answers in the round")
    parser.add_argument(
        "--history", default="0,40000", help="earlier closed rounds beside it, comma-separated"
    )
    parser.add_argument("--pg-url", help="postgresql+asyncpg://user@host:port of a server to use")
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    with postgres(args.pg_url, "postgresql" in backends) as pg_url:
        for backend in backends:
            for history in (int(h) for h in args.history.split(",")):
                print(asyncio.run(one_run(backend, pg_url, args.answers, history)), flush=True)


if __name__ == "__main__":
    main()
