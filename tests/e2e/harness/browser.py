"""The browser driver (browser.mjs): what a person sees, in headless Chromium."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tests.e2e.harness.common import BROWSER_SCRIPT, CHROMIUM, REPO_ROOT, HarnessError
from tests.e2e.harness.processes import _signal_group


class BrowserError(HarnessError):
    def __init__(self, message: str, result: dict[str, Any]) -> None:
        super().__init__(message)
        self.result = result


def _browser_command(
    steps: Sequence[Mapping[str, Any]],
    base_url: str | None,
    artifacts_dir: Path | None,
    step_timeout_ms: int | None,
    height: int | None = None,
) -> tuple[list[str], bytes]:
    payload: dict[str, Any] = {"steps": list(steps)}
    if height:
        payload["height"] = height  # the window's height: a tall card in one screenshot
    if base_url:
        payload["baseUrl"] = base_url
    if artifacts_dir:
        artifacts_dir.mkdir(parents=True, exist_ok=True)
        payload["artifactsDir"] = str(artifacts_dir)
    if step_timeout_ms:
        payload["stepTimeoutMs"] = step_timeout_ms
    chromium = os.environ.get("CHROMIUM", CHROMIUM)
    if not Path(chromium).exists():
        raise HarnessError(
            f"{chromium} not found: `apt-get install -y chromium` (or set $CHROMIUM)"
        )
    return ["node", str(BROWSER_SCRIPT)], json.dumps(payload).encode()


def _browser_result(
    returncode: int | None, stdout: bytes, stderr: bytes, check: bool
) -> dict[str, Any]:
    try:
        result = json.loads(stdout.decode().strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        raise BrowserError(
            f"browser.mjs exited {returncode} without a JSON result.\nstdout:\n{stdout.decode()[-2000:]}\n"
            f"stderr:\n{stderr.decode()[-3000:]}",
            {"ok": False},
        ) from None
    result["stderr"] = stderr.decode()[-4000:]
    if check and not result.get("ok"):
        failed = next((s for s in result.get("steps", []) if not s.get("ok")), {})
        raise BrowserError(
            f"browser step {failed.get('index')} {failed.get('action')!r} failed: {result.get('error')}\n"
            f"screenshot: {result.get('errorScreenshot')}\nchat pane:\n{result.get('errorChatText', '')[-1500:]}",
            result,
        )
    return result


def run_browser(
    steps: Sequence[Mapping[str, Any]],
    *,
    base_url: str | None = None,
    artifacts_dir: Path | None = None,
    timeout: float = 90.0,
    step_timeout_ms: int | None = None,
    check: bool = True,
    height: int | None = None,
) -> dict[str, Any]:
    """Run browser.mjs with ``steps`` (blocking) and return its JSON result; raise on failure if ``check``."""
    cmd, stdin = _browser_command(steps, base_url, artifacts_dir, step_timeout_ms, height)
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO_ROOT,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        _signal_group(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise BrowserError(
            f"browser.mjs timed out after {timeout}s\n{err.decode()[-3000:]}", {"ok": False}
        ) from None
    return _browser_result(proc.returncode, out, err, check)


async def arun_browser(
    steps: Sequence[Mapping[str, Any]],
    *,
    base_url: str | None = None,
    artifacts_dir: Path | None = None,
    timeout: float = 90.0,
    step_timeout_ms: int | None = None,
    check: bool = True,
    height: int | None = None,
) -> dict[str, Any]:
    """``run_browser`` for async tests (keeps the event loop, and so the WebSocket listener, running)."""
    cmd, stdin = _browser_command(steps, base_url, artifacts_dir, step_timeout_ms, height)
    proc = await asyncio.create_subprocess_exec(
        *cmd,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=REPO_ROOT,
        start_new_session=True,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(stdin), timeout)
    except (TimeoutError, asyncio.CancelledError):
        _signal_group(proc.pid, signal.SIGKILL)
        await proc.wait()
        raise
    return _browser_result(proc.returncode, out, err, check)
