"""End-to-end harness: run a bot and the Microsoft 365 Agents Playground, drive them by API and browser.

Everything here talks to processes it started itself, on loopback ports it chose, and stops them by
their own process group (never by name). See README-e2e.md for the Playground API it wraps.

Its sections, one module each: `ports` (a), `processes` (b), `bot` (the bot under test), `tenant`
(c: the mock tenant's people and chats), `playground` (d + f: the Playground process), `client`
(e: the Playground's API), `browser` (browser.mjs in Chromium), and `common` (paths and errors).
Tests import from the package; its face is `__all__` below.
"""

from __future__ import annotations

from tests.e2e.harness.bot import BotSpec, RunningBot, start_bot
from tests.e2e.harness.browser import BrowserError, arun_browser, run_browser
from tests.e2e.harness.client import PlaygroundClient, Predicate, WsEvent, has_text
from tests.e2e.harness.common import (
    ADAPTIVE_CARD,
    BROWSER_SCRIPT,
    CHROMIUM,
    NODE_MODULES,
    PLAYGROUND_BIN,
    REPO_ROOT,
    HarnessError,
    PlaygroundPortError,
)
from tests.e2e.harness.playground import Playground
from tests.e2e.harness.ports import free_port, free_ports, port_is_free, wait_port_free
from tests.e2e.harness.processes import ManagedProcess, start_process, wait_http_ok
from tests.e2e.harness.tenant import (
    CONFIG_FILE_NAME,
    DEFAULT_PEOPLE,
    Person,
    PlaygroundConfig,
    write_playground_config,
)

__all__ = [
    "ADAPTIVE_CARD",
    "BROWSER_SCRIPT",
    "BotSpec",
    "BrowserError",
    "CHROMIUM",
    "CONFIG_FILE_NAME",
    "DEFAULT_PEOPLE",
    "HarnessError",
    "ManagedProcess",
    "NODE_MODULES",
    "PLAYGROUND_BIN",
    "Person",
    "Playground",
    "PlaygroundClient",
    "PlaygroundConfig",
    "PlaygroundPortError",
    "Predicate",
    "REPO_ROOT",
    "RunningBot",
    "WsEvent",
    "arun_browser",
    "free_port",
    "free_ports",
    "has_text",
    "port_is_free",
    "run_browser",
    "start_bot",
    "start_process",
    "wait_http_ok",
    "wait_port_free",
    "write_playground_config",
]
