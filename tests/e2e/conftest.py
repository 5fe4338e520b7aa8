"""Fixtures for end-to-end tests: a bot process, an Agents Playground in front of it, a client.

The bot and the Playground are module-scoped plain (sync) fixtures: they are processes, not tied to
an event loop, so any async test can use them. Override ``bot_spec`` (in a test module or a nested
conftest) to run the real bot instead of the sample bot::

    @pytest.fixture(scope="module")
    def bot_spec(e2e_dir):
        return BotSpec.trivselsbot(e2e_dir / "trivselsbot.db", BOT_ANONYMITY_SECRET="...")
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import (
    BotSpec,
    Playground,
    PlaygroundClient,
    PlaygroundConfig,
    RunningBot,
    arun_browser,
    start_bot,
)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Remember each phase's report on the item, so fixtures can tell whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def _failed(request: pytest.FixtureRequest) -> bool:
    return any(
        getattr(getattr(request.node, f"rep_{when}", None), "failed", False)
        for when in ("setup", "call")
    )


@pytest.fixture(scope="module")
def e2e_dir(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    """Working directory of this module's processes: config, logs, screenshots. Under pytest's
    tmp dir (only the last 3 runs are kept), or under $E2E_ARTIFACTS_DIR when set (e.g. in CI)."""
    name = re.sub(r"[^A-Za-z0-9_]+", "_", request.module.__name__.rsplit(".", 1)[-1])
    root = os.environ.get("E2E_ARTIFACTS_DIR")
    if root:
        path = Path(root) / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp(f"e2e_{name}")


@pytest.fixture(scope="module")
def bot_spec() -> BotSpec:
    """Which bot to run. The self-test uses the sample bot; override for the real one."""
    return BotSpec.sample()


@pytest.fixture(scope="module")
def e2e_bot(bot_spec: BotSpec, e2e_dir: Path) -> Iterator[RunningBot]:
    bot = start_bot(bot_spec, e2e_dir)
    try:
        yield bot
    finally:
        bot.stop()


@pytest.fixture(scope="module")
def playground_config() -> PlaygroundConfig:
    """The mock tenant (default: Alex Wilber is the current user)."""
    return PlaygroundConfig()


@pytest.fixture(scope="module")
def playground(
    e2e_bot: RunningBot, e2e_dir: Path, playground_config: PlaygroundConfig
) -> Iterator[Playground]:
    pg = Playground(e2e_bot.endpoint, e2e_dir, playground_config)
    try:
        pg.start()
        yield pg
    finally:
        pg.stop()


@pytest.fixture
async def pg(
    playground: Playground,
    playground_config: PlaygroundConfig,
    e2e_bot: RunningBot,
    request: pytest.FixtureRequest,
) -> AsyncIterator[PlaygroundClient]:
    """A connected client (WebSocket listening) for one test. If an earlier test left the
    Playground running as someone else, it is first restarted as the module's default user."""
    if playground.config != playground_config:
        await playground.arestart(playground_config)
    client = playground.client()
    await client.start()
    try:
        yield client
    finally:
        await client.close()
        if _failed(request):
            print(f"\n--- {e2e_bot.process.describe()} (tail)\n{e2e_bot.process.tail(30)}")
            print(f"--- Playground log {playground.log_path} (tail)")
            print("\n".join(_tail(playground.log_path, 30)))
            print(f"--- WebSocket events ({len(client.events)})")
            for ev in client.events[-15:]:
                print(f"  {ev!r}")


def _tail(path: Path, lines: int) -> list[str]:
    try:
        return path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return ["(no log)"]


@pytest.fixture
def browser(playground: Playground, e2e_dir: Path, request: pytest.FixtureRequest):
    """``await browser(steps, **kw)``: run browser.mjs against this Playground; screenshots
    (relative ``path``s and error shots) go to a per-test directory."""
    artifacts = e2e_dir / "browser" / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)

    async def run(steps: list[dict[str, Any]], **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("base_url", playground.base_url)
        kwargs.setdefault("artifacts_dir", artifacts)
        return await arun_browser(steps, **kwargs)

    return run
