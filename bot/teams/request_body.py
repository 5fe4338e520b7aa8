"""Request bodies are read whole, so they have a size limit, enforced before reading where possible.

A Content-Length over the limit is refused at once, before a byte of the body is read; a chunked
body is read until it passes the limit, then refused. Either way the answer is 413, nothing was
parsed, and the connection is closed after it (aiohttp discards what is still arriving for at most
its lingering time, unbuffered, so the client gets to read the 413 rather than a reset).
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from bot.connector import json_codec

MAX_BODY_BYTES = 256 * 1024


class BodyTooLarge(Exception):
    """The body is over MAX_BODY_BYTES; the caller answers 413 in its own format."""


async def read_body(request: web.Request) -> bytes:
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise BodyTooLarge
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise BodyTooLarge from None


def too_large_response() -> web.Response:
    response = web.json_response(
        {"error": f"the body is larger than {MAX_BODY_BYTES} bytes"}, status=413
    )
    response.force_close()  # whatever of the body is still coming is not read
    return response


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# What can put a NUL or a lone surrogate into parsed text: an escape of either (\\u0000,
# \\uD800–\\uDFFF), an encoded surrogate (0xED 0xA0–0xBF, which `json.loads` lets through), or a
# body in UTF-16/32 (NUL bytes). A body with none of them needs no walk; one with any is walked.
_RISKY_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


def _maybe_unstorable(raw: bytes) -> bool:
    return (
        (b"\\u" in raw and _RISKY_ESCAPE.search(raw) is not None)
        or b"\xed" in raw
        or b"\x00" in raw
    )


def parse_json(raw: bytes, nul_ok: bool = False) -> Any:
    """Strict JSON: no NaN or Infinity (Python's extension), text that is valid Unicode, no NUL.

    `json.loads` turns an escaped lone surrogate ("\\ud800") into a str that no database driver
    can encode, and "\\u0000" into a NUL that PostgreSQL's text cannot hold; refusing them here
    keeps them out of every table and log at once. `nul_ok`: the caller's own validation refuses
    NUL where it would be stored, naming the field (the admin API)."""
    try:
        body = json_codec.loads(raw, parse_constant=_no_constant)
        if _maybe_unstorable(raw):
            _check_text(body, nul_ok)
    except RecursionError:  # "[[[[…" a few thousand deep: not a ValueError, so it was a 500
        raise ValueError("JSON nested too deeply") from None
    return body


def _check_text(value: Any, nul_ok: bool) -> None:
    if isinstance(value, str):
        if "\x00" in value and not nul_ok:
            raise ValueError("NUL characters are not taken")
        value.encode("utf-8")  # UnicodeEncodeError (a ValueError) on a lone surrogate
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, nul_ok)
            _check_text(item, nul_ok)
    elif isinstance(value, list):
        for item in value:
            _check_text(item, nul_ok)
