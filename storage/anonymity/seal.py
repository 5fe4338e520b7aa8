"""An open round's answers, sealed: AES-GCM under a key only the secret and the round's salt give.

While a round is open its answers are kept as one sealed blob per submission (values and comment
together), so the files and every table hold nothing about values that can be read, summed or
matched (rule 5, rule 10). Each blob has the same length whatever it holds: the length of a
ciphertext would otherwise tell a long comment from none, and match a staged answer to the comment
published at close.

The key is HKDF(secret, salt of the round, round id). The salt is random, kept in `round_keys`
while the round is open and deleted when it closes: after that no copy of a sealed answer that a
file still holds (a dead PostgreSQL row version, a page not yet rewritten) can be opened, even
with the secret.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from storage.anonymity.random_keys import KeySource

SALT_SIZE = 32
NONCE_SIZE = 12
# Values (at most six item ids of 20 characters) and a comment of at most 1,000 characters, each
# up to four bytes in UTF-8, fit with room to spare: every answer is padded to exactly this.
PLAINTEXT_SIZE = 4352
SEALED_SIZE = NONCE_SIZE + PLAINTEXT_SIZE + 16  # the GCM tag
_INFO = b"trivselsbot staged answer v1\x1f"


class UnreadableAnswer(ValueError):
    """A staged answer that does not open: another secret, or a damaged row."""


@dataclass(frozen=True)
class Answer:
    """One person's whole answer to one round, as staged and as counted at close."""

    values: Mapping[str, int]
    comment: str | None


@lru_cache(maxsize=1024)
def round_key(secret: str, round_id: str, salt: bytes) -> bytes:
    """The round's AES-256 key: nothing but the secret and the salt, together, derives it.

    Kept for the rounds in use (30 µs per derivation is a tenth of a lone answer's write); the
    cache is in this process's memory only, which holds the secret anyway."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=salt, info=_INFO + round_id.encode()
    ).derive(secret.encode())


def _pack(answer: Answer) -> bytes:
    """[values JSON length: 2 bytes][values JSON][comment length: 2 bytes][comment], zero-padded."""
    values = json.dumps(dict(sorted(answer.values.items())), separators=(",", ":")).encode()
    comment = (answer.comment or "").encode()
    flag = b"\x00" if answer.comment is None else b"\x01"
    body = len(values).to_bytes(2, "big") + values + flag + len(comment).to_bytes(2, "big")
    body += comment
    if len(body) > PLAINTEXT_SIZE:
        raise ValueError("answer too long to seal")
    return body.ljust(PLAINTEXT_SIZE, b"\x00")


def _unpack(plain: bytes) -> Answer:
    size = int.from_bytes(plain[:2], "big")
    values = json.loads(plain[2 : 2 + size])
    flag = plain[2 + size]
    length = int.from_bytes(plain[3 + size : 5 + size], "big")
    comment = plain[5 + size : 5 + size + length].decode()
    return Answer(
        values={str(item): int(value) for item, value in values.items()},
        comment=comment if flag else None,
    )


def seal(key: bytes, round_id: str, row_key: str, answer: Answer, keys: KeySource) -> bytes:
    """nonce ∥ ciphertext ∥ tag; the round and row key are authenticated, so a blob cannot be
    moved to another round or duplicated under another key and still open."""
    return seal_with_nonce(key, round_id, row_key, answer, keys.token_bytes(NONCE_SIZE))


def seal_with_nonce(key: bytes, round_id: str, row_key: str, answer: Answer, nonce: bytes) -> bytes:
    """`seal` with a fresh random nonce the caller drew (a batch draws all of its at once)."""
    if len(nonce) != NONCE_SIZE:
        raise ValueError("a nonce is 12 bytes")
    aad = f"{round_id}\x1f{row_key}".encode()
    return nonce + _cipher(key).encrypt(nonce, _pack(answer), aad)


@lru_cache(maxsize=1024)
def _cipher(key: bytes) -> AESGCM:
    """The AESGCM object of a round key, kept beside the key itself (`round_key`): in this
    process's memory only, never written anywhere."""
    return AESGCM(key)


def unseal(key: bytes, round_id: str, row_key: str, sealed: bytes) -> Answer:
    """The answer a blob holds, or UnreadableAnswer."""
    from cryptography.exceptions import InvalidTag

    aad = f"{round_id}\x1f{row_key}".encode()
    try:
        plain = _cipher(key).decrypt(sealed[:NONCE_SIZE], sealed[NONCE_SIZE:], aad)
    except InvalidTag:
        raise UnreadableAnswer(round_id) from None
    return _unpack(plain)
