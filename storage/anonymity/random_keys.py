"""Where random row keys come from: the system's CSPRNG, or a seeded source in tests.

Rows that exist once per answer carry random keys (rule 1). The byte-level permutation test runs
one round twice with the same keys and a different arrival order, and compares the files: for
that it hands the writer and the closing step a seeded source. Production never does.
"""

from __future__ import annotations

import random
import secrets
from typing import Protocol


class KeySource(Protocol):
    """Random bytes for keys and nonces."""

    def token_bytes(self, size: int) -> bytes: ...


class SystemKeys:
    """The only source the app uses: `secrets`, unpredictable and unrepeatable."""

    def token_bytes(self, size: int) -> bytes:
        return secrets.token_bytes(size)


class SeededKeys:
    """Tests only: the same seed gives the same keys, whatever the answers do."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)

    def token_bytes(self, size: int) -> bytes:
        return self._random.randbytes(size)


SYSTEM_KEYS: KeySource = SystemKeys()


ROW_KEY_BYTES = 16


def random_key(keys: KeySource) -> str:
    """A 128-bit row key as 32 hex digits, the shape of every random key column."""
    return keys.token_bytes(ROW_KEY_BYTES).hex()
