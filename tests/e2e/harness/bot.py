"""The bot under test: a command, an environment and a readiness URL, so the real bot is a one-line switch."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tests.e2e.harness.common import REPO_ROOT
from tests.e2e.harness.ports import free_port
from tests.e2e.harness.processes import ManagedProcess, start_process, wait_http_ok


@dataclass(frozen=True)
class BotSpec:
    """How to start a bot. ``{port}``, ``{host}``, ``{workdir}`` and ``{python}`` are substituted
    in ``command``, ``env`` values and ``ready_url``."""

    command: tuple[str, ...]
    ready_url: str = "http://{host}:{port}/healthz"
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: str = str(REPO_ROOT)
    messages_path: str = "/api/messages"
    name: str = "bot"
    ready_timeout: float = 30.0

    @staticmethod
    def sample() -> BotSpec:
        """The harness's own echo/card bot (tests/e2e/sample_bot.py)."""
        return BotSpec(
            command=(
                "{python}",
                "-m",
                "tests.e2e.sample_bot",
                "--host",
                "{host}",
                "--port",
                "{port}",
            ),
            name="sample_bot",
        )

    @staticmethod
    def trivselsbot(db_path: str | Path, **extra_env: str) -> BotSpec:
        """The real bot, as the lead starts it."""
        env = {
            "BOT_DEV_MODE": "true",
            "BOT_DATABASE_URL": f"sqlite+aiosqlite:///{db_path}",
            "BOT_WORKING_HOURS": "always",  # the real clock: no quiet hours, or evenings fail
        }
        env.update(extra_env)
        return BotSpec(
            command=("{python}", "-m", "bot", "run", "--host", "{host}", "--port", "{port}"),
            env=env,
            name="trivselsbot",
        )

    def render(self, value: str, *, host: str, port: int, workdir: Path) -> str:
        return value.format(host=host, port=port, workdir=workdir, python=sys.executable)


@dataclass
class RunningBot:
    spec: BotSpec
    host: str
    port: int
    process: ManagedProcess

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def endpoint(self) -> str:
        return self.base_url + self.spec.messages_path

    def stop(self) -> None:
        self.process.stop()


def start_bot(
    spec: BotSpec, workdir: Path, *, port: int | None = None, host: str = "127.0.0.1"
) -> RunningBot:
    """Start the bot described by ``spec`` and wait for its readiness URL."""
    port = port or free_port()
    r = lambda v: spec.render(v, host=host, port=port, workdir=workdir)  # noqa: E731
    process = start_process(
        [r(part) for part in spec.command],
        log_path=workdir / f"{spec.name}.log",
        name=spec.name,
        env={k: r(v) for k, v in spec.env.items()} | {"PYTHONUNBUFFERED": "1"},
        cwd=spec.cwd,
    )
    try:
        wait_http_ok(
            r(spec.ready_url),
            timeout=spec.ready_timeout,
            process=process,
            ok=lambda s: 200 <= s < 300,
        )
    except BaseException:
        process.stop()
        raise
    return RunningBot(spec, host, port, process)
