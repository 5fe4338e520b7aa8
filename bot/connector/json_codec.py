"""JSON on the bot's hot paths: orjson where its answer is the standard library's, else the latter.

Every card submission parses its body and serializes one card update; with `json` those two were
about a tenth of a submission's CPU, with orjson a fiftieth. orjson takes less than `json` does
(a byte-order mark, NaN, integers past 64 bits to write, non-string keys, types it would
serialize that `json` refuses, such as dates and dataclasses) and reads integers past 64 bits
as floats: whatever it does not take
goes to `json` as before, so the result, and every error, is what `json` gives. One difference is
kept: a NaN or infinite float is written as null, where `json` writes a bare `NaN` that is not
JSON (and that the Bot Connector would refuse); no activity the bot sends holds a float.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

# Only the plain JSON types: a date, dataclass or subclass goes to `json` (which refuses or
# treats it as before) instead of orjson's own rendering of it.
_PLAIN_ONLY = (
    orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)


# orjson reads an integer past 64 bits as a float; `json` as the integer it is. A body with a run
# of 19 digits anywhere (in a string too: that only costs the faster path) goes to `json`. Found
# by mapping every digit to "0" and everything else to " " (a regex took ten times as long).
_DIGITS_AS_ZEROS = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_LONG_RUN = b"0" * 19


def _long_number(raw: bytes) -> bool:
    return _LONG_RUN in raw.translate(_DIGITS_AS_ZEROS)


def _refuse(value: Any) -> Any:
    raise TypeError(type(value).__name__)


def loads(raw: bytes, **options: Any) -> Any:
    """`json.loads(raw, **options)`; `options` apply to the fallback only (parse_constant: orjson
    refuses NaN and Infinity itself)."""
    if not _long_number(raw):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return json.loads(raw, **options)


def dumps(value: Any) -> bytes:
    """`json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()`."""
    try:
        return orjson.dumps(value, default=_refuse, option=_PLAIN_ONLY)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
