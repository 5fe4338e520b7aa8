"""What every part of the harness shares: where things are, and its errors."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
E2E_DIR = Path(__file__).resolve().parents[1]
NODE_MODULES = REPO_ROOT / "node_modules"
PLAYGROUND_BIN = NODE_MODULES / ".bin" / "agentsplayground"
BROWSER_SCRIPT = E2E_DIR / "browser.mjs"
CHROMIUM = "/usr/bin/chromium"  # browser.mjs uses $CHROMIUM or this
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"


class HarnessError(RuntimeError):
    """Something in the e2e set-up failed; the message says what and where the logs are."""


class PlaygroundPortError(HarnessError):
    """The Playground did not take the port we asked for (it silently falls back to another)."""
