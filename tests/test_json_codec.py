"""bot/connector/json_codec.py gives what the standard library gives, whichever of the two does the work."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.connector import json_codec

VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=12,
)


def standard(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


@settings(max_examples=300, deadline=None)
@given(VALUES)
def test_written_and_read_as_the_standard_library_does(value: Any) -> None:
    written = json_codec.dumps(value)
    assert json.loads(written) == json.loads(standard(value))
    for raw in (written, json.dumps(value).encode(), json.dumps(value, indent=1).encode()):
        assert repr(json_codec.loads(raw)) == repr(json.loads(raw))  # repr: 1 and 1.0 differ


@pytest.mark.parametrize(
    "raw", [b"123456789012345678901234567890", b"NaN", b"\xef\xbb\xbf{}", b'"\\ud800"', b"[1,]"]
)
def test_what_orjson_reads_otherwise_is_read_or_refused_by_the_standard_library(raw: bytes) -> None:
    try:
        expected: Any = repr(json.loads(raw))
    except ValueError as error:
        expected = type(error)
    try:
        got: Any = repr(json_codec.loads(raw))
    except ValueError as error:
        got = type(error)
    assert got == expected
