"""Named moments at which a test may have the process SIGKILL itself (never set in production).

The crash tests (tests/test_answer_crashes.py) start a real bot process with
TRIVSELSBOT_CRASH_AT=<name> and check, after it died there, that every thanked answer is counted
exactly once. A process that kills itself at the exact step is a sharper test than a signal sent
from outside at a guessed moment.
"""

from __future__ import annotations

import os
import signal

CRASH_AT = "TRIVSELSBOT_CRASH_AT"


def crash_point(name: str) -> None:
    """SIGKILL this process here when the environment names this point; otherwise nothing."""
    if os.environ.get(CRASH_AT) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def crash_armed(name: str) -> bool:
    """Whether this process is to die at `name` (to arm a hook only then, e.g. inside SQLite)."""
    return os.environ.get(CRASH_AT) == name
