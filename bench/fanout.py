"""Throughput of the outbox worker against the throttling mock connector, next to its ceiling.

    .venv/bin/python -m bench.fanout                     # the two standard runs
    .venv/bin/python -m bench.fanout --people 600 --rate 30 --ceiling 30
    .venv/bin/python -m bench.fanout --profile /tmp/prof  # the worker under py-spy, top frames

Each run seeds an SQLite file with a team of N people and an open pulse (every 10th person without
a 1:1 chat, so the worker creates it first), starts `trivselsbot worker` as its own process, as in
production, and measures at the mock: requests and deliveries per second from the first to the last
request, their ratio to the ceiling, 429s, and the most requests in any one-second window.
Creating a 1:1 chat is a request like a send and counts against the same per-tenant ceiling, so
with every 10th person new, messages/s can reach at most ceiling x 10/11 (27.3 of 30): at the
ceiling, req/ceiling is also messages/s as a fraction of what the ceiling allows this push.
`cpu ms/req` is the worker's own CPU time (user + system, from /proc) from the moment the push is
queued until it is delivered, per request: the figure least moved by whatever else the shared
machine runs, and the bound it sets (1000 / cpu ms/req requests per second on one core).
Nothing is asserted: the figures depend on the machine (tests assert the limits, not the speed).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from storage.db.engine import create_engine, create_session_factory  # noqa: E402
from storage.db.migrate import upgrade  # noqa: E402
from storage.delivery.status import Deliveries  # noqa: E402
from storage.tables.outbox import OutboxKind  # noqa: E402
from tests.conftest import TEST_SECRET  # noqa: E402
from tests.support import fanout  # noqa: E402
from tests.support.throttling_connector import ThrottlingConnector, max_in_window  # noqa: E402

STANDARD = [
    # people, configured rate, the mock's ceiling per tenant, send slots (BOT_SEND_CONCURRENCY)
    (3000, 30.0, 30.0, 8),  # Teams' documented 30/s per app per tenant, configured right at it
    # Far above Teams: what the worker's own cost allows (max slots). A large municipality's push:
    # long enough for a steady rate, and large enough to show costs that grow with the push (a
    # sweep of the pacer's conversations per new one once ran 20,000 people at 338/s).
    (20000, 2000.0, 2000.0, 32),
]


WORKER_START_SECONDS = 3.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_worker(env: dict[str, str], profile: Path | None) -> subprocess.Popen[bytes]:
    """`trivselsbot worker` as its own process, as in production (under py-spy when profiling)."""
    command = [sys.executable, "-m", "bot", "worker"]
    if profile is not None:
        py_spy = Path(sys.executable).with_name("py-spy")
        command = [
            str(py_spy),
            "record",
            "--gil",
            "--format",
            "raw",
            "-r",
            "250",
            "-o",
            str(profile),
        ]
        command += ["--"]
        command += [sys.executable, "-m", "bot", "worker"]
    return subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)


# Frames every sample passes through (the process, the event loop, thread pools): not costs.
RUNNERS = (
    "(<frozen runpy>)",
    "(bot/__main__.py)",
    "(bot/cli/main.py)",
    "(bot/cli/worker.py)",
    "(asyncio/runners.py)",
    "(asyncio/base_events.py)",
    "(asyncio/events.py)",
    "(threading.py)",
    "(concurrent/futures/thread.py)",
)


def top_frames(profile: Path, count: int = 15) -> list[str]:
    """The functions the worker spent its samples in: own time (leaf) and total (on the stack)."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    parts: Counter[str] = Counter()
    samples = 0
    for line in profile.read_text().splitlines():
        stack, _, number = line.rpartition(" ")
        if not stack or not number.isdigit():
            continue
        n = int(number)
        samples += n
        frames = [_short(f) for f in stack.split(";")]
        own[frames[-1]] += n
        for frame in set(frames):
            total[frame] += n
        parts[_part(frames)] += n
    lines = [f"  {samples} samples (GIL held); by part, each sample once:"]
    lines += [f"    {100 * n / samples:5.1f}%  {part}" for part, n in parts.most_common()]
    lines.append("  own time (leaf frames):")
    lines += [f"    {100 * n / samples:5.1f}%  {f}" for f, n in own.most_common(count)]
    lines.append("  total time (on the stack), project code and the libraries it calls:")
    ranked = [(f, n) for f, n in total.most_common() if not f.endswith(RUNNERS)][:count]
    lines += [f"    {100 * n / samples:5.1f}%  {f}" for f, n in ranked]
    return lines


PARTS = (  # the first that matches a sample's stack names it
    ("start-up (imports)", ("importlib",)),
    ("Bot Connector SDK (msrest, requests)", ("msrest/", "connector/", "requests/", "urllib3/")),
    ("database (SQLAlchemy, driver)", ("sqlalchemy/", "aiosqlite/", "asyncpg/")),
)


def _part(frames: list[str]) -> str:
    for name, markers in PARTS:
        if any(marker in frame for frame in frames for marker in markers):
            return name
    return "the worker's own code, asyncio and the rest"


def _short(frame: str) -> str:
    """'send (bot/connector/proactive.py:85)' from py-spy's 'send (/abs/path/bot/proactive.py:85)'."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")")
    for marker in ("site-packages/", "python3.11/", str(ROOT) + "/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{name} ({path.rsplit(':', 1)[0]})"


async def one_run(
    people: int, rate: float, ceiling: float, concurrency: int, profile: Path | None = None
) -> dict[str, float]:
    mock = await ThrottlingConnector(tenant_rate=ceiling).start()
    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "bench.db"
        engine = create_engine(f"sqlite+aiosqlite:///{db_path}")
        await upgrade(engine)
        factory = create_session_factory(engine)
        round_id = await fanout.seed_push(factory, mock.url, people, new_every=10, open_now=False)
        env = {
            **os.environ,
            "BOT_DATABASE_URL": f"sqlite+aiosqlite:///{db_path}",
            "BOT_DEV_MODE": "true",
            "BOT_ANONYMITY_SECRET": TEST_SECRET,
            "BOT_SEND_RATE_PER_SECOND": str(rate),
            "BOT_SEND_CONCURRENCY": str(concurrency),
            "BOT_OUTBOX_POLL_SECONDS": "0.1",
            "BOT_OUTBOX_LEASE_SECONDS": "30",
            "BOT_LOG_LEVEL": "WARNING",
        }
        process = start_worker(env, profile)
        cpu_before = cpu_after = None
        try:
            # The worker first starts (imports, lease) with nothing to send; its CPU time from
            # when the push is queued to when it is delivered is its cost for the push alone.
            await asyncio.sleep(WORKER_START_SECONDS)
            cpu_before = None if profile else cpu_seconds(process.pid)
            await fanout.open_seeded(factory)
            deliveries = Deliveries(factory)
            while True:
                if not (await deliveries.report(OutboxKind.PULSE, round_id)).pending:
                    break
                # Seldom: the report shares this process with the mock, whose clock is the
                # measurement; a query every 0.2 s showed as gaps in the mock's arrivals.
                await asyncio.sleep(1.0)
            cpu_after = None if profile else cpu_seconds(process.pid)
        finally:
            if process.poll() is None:
                if profile is not None:  # py-spy and the worker: the group started above
                    os.killpg(process.pid, signal.SIGINT)  # py-spy writes its samples on SIGINT
                else:
                    os.kill(process.pid, signal.SIGTERM)
                process.wait(timeout=60)
            await engine.dispose()
            await mock.stop()
    times = sorted(mock.times())
    span = times[-1] - times[0]
    sends = sum(mock.delivered.values())
    return {
        "people": people,
        "rate": rate,
        "ceiling": ceiling,
        "seconds": span,
        "requests_per_s": len(times) / span,
        "messages_per_s": sends / span,
        "ratio": len(times) / span / ceiling,
        "throttled": mock.statuses().get(429, 0),
        "max_1s": max_in_window(times, 1.0),
        "duplicates": mock.duplicates(),
        "creates": len(mock.times("create")),
        "cpu_ms": (
            1000 * (cpu_after - cpu_before) / len(times)
            if cpu_before is not None and cpu_after is not None
            else float("nan")
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int)
    parser.add_argument("--rate", type=float)
    parser.add_argument("--ceiling", type=float)
    parser.add_argument("--concurrency", type=int, help="send slots (default 8; 32 above 100/s)")
    parser.add_argument("--profile", type=Path, help="folder for py-spy profiles of the worker")
    args = parser.parse_args()
    runs = STANDARD
    if args.people or args.rate or args.ceiling:
        rate = args.rate or 25.0
        slots = args.concurrency or (32 if rate > 100 else 8)
        runs = [(args.people or 300, rate, args.ceiling or rate, slots)]
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    profiles = []
    print(
        f"{'people':>6} {'rate':>6} {'ceiling':>7} {'slots':>5} {'seconds':>7} {'req/s':>7} {'msg/s':>7} "
        f"{'req/ceiling':>11} {'429s':>5} {'max 1s':>6} {'dups':>4} {'creates':>7} {'cpu ms/req':>10}"
    )
    for people, rate, ceiling, slots in runs:
        profile = args.profile / f"worker-{rate:g}.txt" if args.profile else None
        r = asyncio.run(one_run(people, rate, ceiling, slots, profile))
        if profile is not None:
            profiles.append((rate, profile))
        print(
            f"{r['people']:>6.0f} {r['rate']:>6.0f} {r['ceiling']:>7.0f} {slots:>5} {r['seconds']:>7.1f} "
            f"{r['requests_per_s']:>7.1f} {r['messages_per_s']:>7.1f} {r['ratio']:>11.2f} "
            f"{r['throttled']:>5.0f} {r['max_1s']:>6.0f} {r['duplicates']:>4.0f} {r['creates']:>7.0f} "
            f"{r['cpu_ms']:>10.2f}",
            flush=True,
        )

    for rate, profile in profiles:
        print(f"\nworker profile at rate {rate:g}/s ({profile}):")
        print("\n".join(top_frames(profile)))


if __name__ == "__main__":
    main()
