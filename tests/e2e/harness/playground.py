"""(d) + (f) The Playground process: started on the port asked for, or refused."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.e2e.harness.client import PlaygroundClient
from tests.e2e.harness.common import PLAYGROUND_BIN, REPO_ROOT, HarnessError, PlaygroundPortError
from tests.e2e.harness.ports import free_port, wait_port_free
from tests.e2e.harness.processes import ManagedProcess, start_process, wait_http_ok
from tests.e2e.harness.tenant import CONFIG_FILE_NAME, PlaygroundConfig, write_playground_config

_LISTENING = re.compile(r"Listening on (\d+)")
_PORT_IN_USE = re.compile(r"Port (\d+) is already in use")


class Playground:
    """One Agents Playground process (``msteams`` channel) pointed at a bot endpoint.

    ``start()`` writes the config, launches, waits for "Listening on N" in its log and checks that N
    is the port asked for (or adopts it with ``strict_port=False``), then waits for
    ``GET /_internal/v1/config`` (which itself waits until the bot endpoint answers).
    ``restart(config)`` stops it and starts it again on the same port, e.g. as another person.
    """

    def __init__(
        self,
        bot_endpoint: str,
        workdir: Path,
        config: PlaygroundConfig | None = None,
        *,
        port: int | None = None,
        strict_port: bool = True,
        start_timeout: float = 30.0,
    ) -> None:
        self.bot_endpoint = bot_endpoint
        self.workdir = workdir
        self.config = config or PlaygroundConfig()
        self.port = port or free_port()
        self.strict_port = strict_port
        self.start_timeout = start_timeout
        self.process: ManagedProcess | None = None
        self.starts = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def service_url(self) -> str:
        """What the bot sees in ``activity.service_url``."""
        return f"http://localhost:{self.port}/_connector"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"playground-{self.starts}.log"

    def client(self) -> PlaygroundClient:
        """A client that follows this Playground's config across restarts."""
        return PlaygroundClient(self.base_url, playground=self)

    def start(self) -> Playground:
        if not PLAYGROUND_BIN.exists():
            raise HarnessError(f"{PLAYGROUND_BIN} missing: run `npm ci` in {REPO_ROOT}")
        if self.process and self.process.running():
            raise HarnessError("Playground already running")
        self.starts += 1
        write_playground_config(self.workdir, self.config)
        log_path = self.log_path
        log_path.unlink(missing_ok=True)
        self.process = start_process(
            [
                str(PLAYGROUND_BIN),
                "-e",
                self.bot_endpoint,
                "-c",
                "msteams",
                "-p",
                str(self.port),
                "--disable-telemetry",
            ],
            log_path=self.workdir / f"playground-{self.starts}.stdout.log",
            name="agentsplayground",
            cwd=self.workdir,
            env={
                "TEAMSAPPTESTER_BROWSER": "none",
                "M365_AGENTS_PLAYGROUND_LOGFILE": str(log_path),
                "M365_AGENTS_PLAYGROUND_CONFIG_PATH": str(self.workdir / CONFIG_FILE_NAME),
                "NO_UPDATE_NOTIFIER": "1",
            },
        )
        try:
            self._wait_listening()
            wait_http_ok(self.base_url + "/_debug/ping", timeout=10, process=self.process)
            self._check_config()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_listening(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            text = ""
            with contextlib.suppress(OSError):
                text = self.log_path.read_text(errors="replace")
            m = _LISTENING.search(text)
            if m:
                actual = int(m.group(1))
                if actual != self.port:
                    if self.strict_port:
                        raise PlaygroundPortError(
                            f"Playground asked for port {self.port} but listens on {actual} "
                            f"(port taken?). Log {self.log_path}:\n{text[-2000:]}"
                        )
                    self.port = actual
                return
            if not self.process.running():
                raise HarnessError(
                    f"Playground exited with {self.process.popen.returncode} before listening. "
                    f"Log {self.log_path}:\n{text[-2000:]}\nstdout:\n{self.process.tail()}"
                )
            time.sleep(0.05)
        raise HarnessError(
            f"Playground not listening after {self.start_timeout}s; see {self.log_path}"
        )

    def _check_config(self) -> None:
        # GET /config waits (up to 15 s) for the bot endpoint, so the bot must be up first.
        with urllib.request.urlopen(self.base_url + "/_internal/v1/config", timeout=30) as resp:  # noqa: S310
            body = json.load(resp)
        got = body["config"]["currentUser"]["id"]
        if got != self.config.current_user_id:
            raise HarnessError(
                f"Playground reports current user {got}, expected {self.config.current_user_id}"
            )

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()

    def restart(
        self, config: PlaygroundConfig | None = None, *, as_user: str | None = None
    ) -> Playground:
        """Stop and start again on the same port (the bot keeps running and keeps its state).
        Messages and conversations the Playground held in memory are gone afterwards."""
        if as_user is not None:
            config = (config or self.config).as_user(as_user)
        if config is not None:
            self.config = config
        self.stop()
        wait_port_free(self.port)
        return self.start()

    async def arestart(
        self, config: PlaygroundConfig | None = None, *, as_user: str | None = None
    ) -> Playground:
        """``restart`` without blocking the event loop."""
        return await asyncio.to_thread(self.restart, config, as_user=as_user)

    def __enter__(self) -> Playground:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
