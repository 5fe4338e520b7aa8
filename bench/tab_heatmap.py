"""The Resultater tab's heatmap data for the ten-year, 1,600-team organisation: latency per call.

    .venv/bin/python -m bench.tab_heatmap                 # SQLite (cached file) and PostgreSQL
    .venv/bin/python -m bench.tab_heatmap --only sqlite   # or --only postgresql

The organisation and its databases are bench/summaries.py's (bench/summary_data.py: 1,600 teams
under 169 parent units, 250 rounds per team, 10,000,000 counter rows), with every finished month
settled first as the app does when a month ends. Then, for random viewers, what GET
/tab/api/heatmap computes through storage/results/tab/reader.py (the months on offer, the month's kept
figures of a unit and the units right below it, the view model), timed per call:

- `hr`: HR at the top of the organisation (the root and its areas);
- `area`: HR or a leader drilled into an area or a department (it and its units);
- `dept`: a department leader's own map (the department and its teams).

Printed: p50/p95/p99 per kind and over all calls (the issue's target: p95 under 150 ms). Nothing
is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import summary_data as data  # noqa: E402
from bench.summaries import finished_periods, percentile, postgres_url, settle, sqlite_url  # noqa: E402
from storage.db.engine import create_engine, create_session_factory  # noqa: E402
from storage.directory.baselines import Baselines  # noqa: E402
from storage.directory.hierarchy import Hierarchy  # noqa: E402
from storage.question_bank import default_bank  # noqa: E402
from storage.results.summaries import Summaries  # noqa: E402
from storage.results.tab import ResultsTab  # noqa: E402
from storage.results.tab.reader import Visible  # noqa: E402

K = 5
CALLS = 300
WARMUP = 20


async def measure(url: str, label: str, calls: int) -> None:
    engine = create_engine(url)
    factory = create_session_factory(engine)
    bank = default_bank()
    summaries = Summaries(factory, bank, K, lambda: data.NOW)
    tab = ResultsTab(
        summaries, Hierarchy(factory), Baselines(factory, bank), bank, lambda: data.NOW
    )
    try:
        await settle(engine, summaries, cold=False)
        org = data.build_org()
        everyone = await tab.visible(None, True)
        rng = random.Random(data.SEED + 16)
        periods = finished_periods()
        middle = [u for u in everyone.units if u.parent_id is not None and everyone.children[u.id]]
        departments = [
            u for u in middle if all(not everyone.children[c.id] for c in everyone.children[u.id])
        ]
        plans = []
        for n in range(calls + WARMUP):
            kind = ("hr", "area", "dept")[n % 3]
            period = rng.choice(periods)
            if kind == "hr":
                plans.append((kind, everyone, None, period))
            elif kind == "area":
                plans.append((kind, everyone, rng.choice(middle).id, period))
            else:
                department = rng.choice(departments)
                plans.append((kind, _subtree(everyone, department.id), None, period))
        timings: dict[str, list[float]] = {}
        for index, (kind, visible, root, period) in enumerate(plans):
            started = time.perf_counter()
            view = await tab.heatmap(visible, "da", period=period, root=root)
            view.as_json()
            elapsed = (time.perf_counter() - started) * 1000
            if index >= WARMUP:
                timings.setdefault(kind, []).append(elapsed)
        timings["all"] = [t for kind in ("hr", "area", "dept") for t in timings[kind]]
        print(
            f"\n{label}: heatmap data latency in ms ({calls} calls after {WARMUP} warm-up; "
            f"{len(org.teams):,} teams, {len(everyone.units):,} units)"
        )
        print(f"  {'kind':<5} {'n':>4} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} {'mean':>7}")
        for kind, values in timings.items():
            print(
                f"  {kind:<5} {len(values):>4} {percentile(values, 0.5):>7.1f} "
                f"{percentile(values, 0.95):>7.1f} {percentile(values, 0.99):>7.1f} "
                f"{max(values):>7.1f} {statistics.fmean(values):>7.1f}"
            )
    finally:
        await engine.dispose()


def _subtree(everyone: Visible, unit_id: str) -> Visible:
    """What a leader of `unit_id` may see: the unit and everything below it, in tree order."""
    inside = {unit_id}
    for unit in everyone.units:  # tree order: parents come before their children
        if unit.parent_id in inside:
            inside.add(unit.id)
    return Visible([u for u in everyone.units if u.id in inside])


async def run(args: argparse.Namespace) -> None:
    if args.only in (None, "sqlite"):
        await measure(await sqlite_url(False), "SQLite (file, WAL)", args.calls)
    if args.only in (None, "postgresql"):
        from tests.support.postgres import postgres_server

        with postgres_server() as server:
            import asyncpg

            admin = await asyncpg.connect(server.dsn())
            await admin.execute("CREATE DATABASE bench")
            await admin.close()
            url = await postgres_url(server.dsn("bench"))
            await measure(url, "PostgreSQL (throwaway server)", args.calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--calls", type=int, default=CALLS)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
