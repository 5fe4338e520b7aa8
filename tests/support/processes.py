"""Real bot processes for the crash, replica and outbox-kill tests, and waiting for what they do.

A SIGKILL is only a real crash when the bot is its own process: these start `python -m bot …` in a
new session (so a test can signal the process by its own pid, never by name) with its output in a
log file that failures quote.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def spawn_bot(arguments: list[str], env: Mapping[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`python -m bot <arguments>` with `env` over this environment, its output appended to `log`."""
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "bot", *arguments],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=ROOT,
        )


def stop_process(process: subprocess.Popen[bytes], sig: int) -> None:
    """Signal this one process (by its own pid, never by name) and reap it."""
    if process.poll() is None:
        os.kill(process.pid, sig)
        process.wait(timeout=20)


def log_tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:] if log.exists() else "(none)"


async def until(
    check: Callable[[], Awaitable[bool] | bool],
    timeout: float,
    what: str,
    explain: Callable[[], str] = lambda: "",
    alive: Callable[[], None] = lambda: None,
) -> None:
    """Poll `check` until it holds; fail naming `what` with `explain()` (logs) after `timeout` s.

    `alive` runs on every poll and may fail at once (a process that died), rather than at the end.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        alive()
        assert time.monotonic() < deadline, f"timed out waiting for {what}\n{explain()}"
        await asyncio.sleep(0.05)
