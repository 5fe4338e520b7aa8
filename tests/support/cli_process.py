"""`trivselsbot …` as HR runs it: our own interpreter in a real process, on a database file of its own.

The environment is the test session's without any `BOT_` or `Microsoft` setting, so a developer's
configuration never leaks in, and the working directory is the database's folder, so no `.env` from
the checkout is read."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import TEST_SECRET


def run_cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run one CLI command in dev mode on the SQLite file `db`; its output is captured as text."""
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("BOT_", "Microsoft"))
    }
    env.update(
        BOT_DEV_MODE="true",
        BOT_ANONYMITY_SECRET=TEST_SECRET,
        BOT_DATABASE_URL=f"sqlite+aiosqlite:///{db}",
    )
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bot", *args],
        cwd=db.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
