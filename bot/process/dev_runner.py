"""`make run`: the bot in dev mode and the Agents Playground side by side; Ctrl-C stops both."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bot.settings import mask_url

ROOT = Path(__file__).resolve().parents[2]
PLAYGROUND = ROOT / "node_modules" / ".bin" / "agentsplayground"


def _wait_healthy(url: str, process: subprocess.Popen[bytes], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def _stop(*processes: subprocess.Popen[bytes], grace: float = 10) -> None:
    """Stop children and everything they started, by their own process groups (never by name).

    All are asked at once, so stopping takes the slowest child's time, not the sum.
    """
    running = [process for process in processes if process.poll() is None]
    for process in running:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    for process in running:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(process.pid, signal.SIGKILL)  # stragglers the child itself left behind
        except ProcessLookupError:
            pass
        process.wait()


class _Stopped(Exception):
    """SIGTERM or SIGHUP reached the runner: stop the children as Ctrl-C would."""


def _raise_stopped(signum: int, _frame: object) -> None:
    raise _Stopped(signal.Signals(signum).name)


def banner(port: int, playground_port: int, database_url: str) -> str:
    """Where to go; the database URL without its password (a terminal is often shared or logged)."""
    return (
        f"\n  Trivselsbot runs on http://127.0.0.1:{port} (dev mode, database: "
        f"{mask_url(database_url)})"
        f"\n  Open the Agents Playground: http://localhost:{playground_port}"
        f"\n  The Resultater tab (choose who you are): http://127.0.0.1:{port}/tab"
        "\n  Press Ctrl-C to stop both.\n"
    )


def run_dev(port: int = 3978, playground_port: int = 56150) -> int:
    """Start both, print where to go, and keep running until one stops or the user presses Ctrl-C."""
    if not PLAYGROUND.exists():
        print(
            "The Agents Playground is not installed: run `make run` (it runs npm ci).",
            file=sys.stderr,
        )
        return 1
    # The dev data folder; tests point it elsewhere so that they never touch a developer's data.
    data = Path(os.environ.get("TRIVSELSBOT_DEV_DATA", ROOT / "data"))
    (data / "playground").mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "BOT_DEV_MODE": "true",
        "BOT_DEMO_ALL_ROLES": os.environ.get("BOT_DEMO_ALL_ROLES", "true"),
        "BOT_DATABASE_URL": os.environ.get(
            "BOT_DATABASE_URL", f"sqlite+aiosqlite:///{data / 'trivselsbot.db'}"
        ),
    }
    # Without these the default SIGTERM/SIGHUP action ends the runner at once and leaves the bot
    # and the Playground running in their own sessions (a closed terminal, `kill`, a test).
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _raise_stopped)
    # A shell that starts a job in the background (`make run &`, a CI script) hands it SIGINT
    # ignored, and Python then leaves it ignored: Ctrl-C or `kill -INT` would do nothing.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    children: list[subprocess.Popen[bytes]] = []
    try:
        return _supervise(children, port, playground_port, data, env)
    except (KeyboardInterrupt, _Stopped):
        return 0
    finally:
        _stop(*children)


def _supervise(
    children: list[subprocess.Popen[bytes]],
    port: int,
    playground_port: int,
    data: Path,
    env: dict[str, str],
) -> int:
    """Start the bot, then the Playground, recording each in `children` so the caller stops them."""
    bot = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        start_new_session=True,
    )
    children.append(bot)
    if not _wait_healthy(f"http://127.0.0.1:{port}/healthz", bot):
        print("The bot did not start; see the log above.", file=sys.stderr)
        return 1
    playground_env = {
        **os.environ,
        "TEAMSAPPTESTER_BROWSER": "none",
        "M365_AGENTS_PLAYGROUND_LOGFILE": str(data / "playground" / "playground.log"),
    }
    playground = subprocess.Popen(
        [
            str(PLAYGROUND),
            "-e",
            f"http://127.0.0.1:{port}/api/messages",
            "-c",
            "msteams",
            "-p",
            str(playground_port),
            "--disable-telemetry",
        ],
        env=playground_env,
        cwd=data / "playground",
        start_new_session=True,
    )
    children.insert(0, playground)  # stopped first: it talks to the bot
    print(banner(port, playground_port, env["BOT_DATABASE_URL"]), flush=True)
    while bot.poll() is None and playground.poll() is None:
        time.sleep(0.5)
    stopped = "The bot" if bot.poll() is not None else "The Agents Playground"
    print(f"{stopped} stopped by itself; see the log above. Stopping the other.", file=sys.stderr)
    return 1
