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

ROOT = Path(__file__).resolve().parent.parent
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


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a child and everything it started, by its own process group (never by name)."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def banner(port: int, playground_port: int, database_url: str) -> str:
    """Where to go; the database URL without its password (a terminal is often shared or logged)."""
    return (
        f"\n  Trivselsbot runs on http://127.0.0.1:{port} (dev mode, database: "
        f"{mask_url(database_url)})"
        f"\n  Open the Agents Playground: http://localhost:{playground_port}"
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
    data = ROOT / "data"
    (data / "playground").mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "BOT_DEV_MODE": "true",
        "BOT_DEMO_ALL_ROLES": os.environ.get("BOT_DEMO_ALL_ROLES", "true"),
        "BOT_DATABASE_URL": os.environ.get(
            "BOT_DATABASE_URL", f"sqlite+aiosqlite:///{data / 'trivselsbot.db'}"
        ),
    }
    bot = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        start_new_session=True,
    )
    if not _wait_healthy(f"http://127.0.0.1:{port}/healthz", bot):
        print("The bot did not start; see the log above.", file=sys.stderr)
        _stop(bot)
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
    print(banner(port, playground_port, env["BOT_DATABASE_URL"]), flush=True)
    try:
        while bot.poll() is None and playground.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        _stop(playground)
        _stop(bot)
    return 0
