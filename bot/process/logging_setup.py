"""Structured JSON logs. Only event names and counts go in: never message text or card values."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)  # made once, not per line
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with whatever the caller put in `extra=`."""

    _second = -1
    _time = ""

    def _timestamp(self, created: float) -> str:
        """Formatted once per second: a busy turn path logs thousands of lines in one."""
        second = int(created)
        if second != self._second:
            self._time = datetime.fromtimestamp(second, UTC).isoformat(timespec="seconds")
            self._second = second
        return self._time

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": self._timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return _ENCODER.encode(entry)


def configure_logging(level: str = "INFO") -> None:
    """Replace the root handlers; quiet the SDK and aiohttp's access log, which would log payload details."""
    # The JSON lines carry no file, line, thread or process: skip collecting them for every record
    # (the logging documentation's "Optimization" section names these switches).
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in (
        "botbuilder",
        "botframework",
        "msrest",
        "aiohttp.access",
        "aiosqlite",
        "sqlalchemy",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # urllib3's retry warnings carry connector URLs with conversation ids.
    logging.getLogger("urllib3").setLevel(logging.ERROR)
