"""(b) Processes: each with its own log file and process group, stopped by that group only."""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.harness.common import HarnessError


@dataclass(eq=False)
class ManagedProcess:
    """A child process in its own session/process group, with its output in ``log_path``."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    command: list[str]

    @property
    def pid(self) -> int:
        return self.popen.pid

    def running(self) -> bool:
        return self.popen.poll() is None

    def tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 8.0) -> int | None:
        """SIGTERM the process group, wait, then SIGKILL the group. Returns the exit code."""
        if self.popen.poll() is None:
            _signal_group(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                _signal_group(self.popen.pid, signal.SIGKILL)
                self.popen.wait(5)
        # Children that outlived the leader (same group) get the same treatment.
        _signal_group(self.popen.pid, signal.SIGKILL)
        return self.popen.returncode

    def describe(self) -> str:
        return f"{self.name} (pid {self.pid}, log {self.log_path})"


# Safety net: anything still running when the interpreter exits is stopped (by its own group).
_LIVE: weakref.WeakSet[ManagedProcess] = weakref.WeakSet()


@atexit.register
def _stop_leftovers() -> None:
    for proc in list(_LIVE):
        with contextlib.suppress(Exception):
            proc.stop(timeout=3)


def _signal_group(pgid: int, sig: int) -> None:
    # The child was started with start_new_session=True, so its pid is its process-group id.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def start_process(
    command: Sequence[str],
    *,
    log_path: Path,
    name: str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | str | None = None,
    inherit_env: bool = True,
    preexec_fn: Callable[[], object] | None = None,
) -> ManagedProcess:
    """Start ``command`` in a new session with stdout+stderr appended to ``log_path``;
    ``preexec_fn`` runs in the child before it starts (e.g. to give it a signal disposition)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    full_env = dict(os.environ) if inherit_env else {}
    full_env.update(env or {})
    log = open(log_path, "ab")  # noqa: SIM115 - the child owns it; closed below for the parent
    try:
        popen = subprocess.Popen(
            list(command),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=str(cwd) if cwd else None,
            env=full_env,
            start_new_session=True,
            preexec_fn=preexec_fn,
        )
    finally:
        log.close()
    managed = ManagedProcess(name or Path(command[0]).name, popen, log_path, list(command))
    _LIVE.add(managed)
    return managed


def wait_http_ok(
    url: str,
    *,
    timeout: float = 30.0,
    process: ManagedProcess | None = None,
    ok: Callable[[int], bool] = lambda status: 200 <= status < 500,
) -> None:
    """Poll ``url`` until it answers with a status ``ok`` accepts; fail early if ``process`` died."""
    deadline = time.monotonic() + timeout
    last_error = ""
    while time.monotonic() < deadline:
        if process is not None and not process.running():
            raise HarnessError(
                f"{process.describe()} exited with {process.popen.returncode} before {url} "
                f"was ready. Log tail:\n{process.tail()}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - loopback only
                if ok(resp.status):
                    return
                last_error = f"status {resp.status}"
        except urllib.error.HTTPError as e:
            if ok(e.code):
                return
            last_error = f"status {e.code}"
        except (urllib.error.URLError, OSError) as e:
            last_error = str(e)
        time.sleep(0.1)
    tail = f" Log tail:\n{process.tail()}" if process else ""
    raise HarnessError(f"{url} not ready after {timeout}s ({last_error}).{tail}")
