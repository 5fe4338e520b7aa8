"""`make run`'s runner: however it is stopped, the bot and the Playground stop with it.

Both children run in their own sessions (so a Ctrl-C reaches only the runner, which then stops them
in order). That also means nothing else stops them: a runner that dies on SIGTERM or SIGHUP (a
closed terminal, `kill`) without stopping them leaves a bot and a Playground holding the ports.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.harness import PLAYGROUND_BIN, free_ports, start_process, wait_http_ok

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not PLAYGROUND_BIN.exists(), reason="npm packages not installed"),
]

ROOT = Path(__file__).resolve().parents[2]


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    """Running and not a zombie (a reaped-later child still has a /proc entry)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return any(_alive(int(p)) for p in os.listdir("/proc") if p.isdigit() and _pgid(int(p)) == pgid)


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_the_runner_stops_the_bot_and_the_playground(tmp_path: Path, signum: int) -> None:
    port, playground_port = free_ports(2)
    env = {
        "TRIVSELSBOT_DEV_DATA": str(tmp_path / "data"),
        "BOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'dev.db'}",
        "BOT_DEV_MODE": "true",
    }
    migrate = start_process(
        [sys.executable, "-m", "bot", "migrate"], log_path=tmp_path / "migrate.log", env=env
    )
    assert migrate.popen.wait(60) == 0, migrate.tail()
    runner = start_process(
        [
            sys.executable,
            "-m",
            "bot",
            "dev",
            "--port",
            str(port),
            "--playground-port",
            str(playground_port),
        ],
        log_path=tmp_path / "runner.log",
        env=env,
        cwd=ROOT,
        # As a background job of a non-interactive shell gets it (CI): SIGINT ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    children: list[int] = []
    try:
        wait_http_ok(f"http://127.0.0.1:{port}/healthz", timeout=60, process=runner)
        wait_http_ok(f"http://127.0.0.1:{playground_port}/", timeout=60, process=runner)
        children = _children(runner.pid)
        assert len(children) == 2, runner.tail()
        assert "Press Ctrl-C to stop both" in runner.tail()

        os.kill(runner.pid, signum)  # the runner alone, as a terminal's Ctrl-C or `kill` does
        code = runner.popen.wait(30)
        deadline = time.monotonic() + 5
        while any(_group_alive(child) for child in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = [child for child in children if _group_alive(child)]
        assert not left, f"still running after the runner stopped: {left}\n{runner.tail()}"
        assert code == 0, runner.tail()
    finally:
        runner.stop()
        for child in children:  # each child leads its own group; stopped by that group only
            if _group_alive(child):
                os.killpg(child, signal.SIGKILL)
