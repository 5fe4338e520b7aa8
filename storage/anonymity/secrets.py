"""The anonymity secret, and the previous one while rounds opened under it are still open.

Everything of an open round is keyed by one secret: the participation hashes (HMAC(secret, round ∥
user), storage/anonymity/participation.py) and the sealing key of its staged answers (HKDF(secret, salt,
round), storage/anonymity/seal.py). Changing the secret under an open round would make its sealed
answers unreadable at close and let everyone answer once more. So a round keeps the secret it was
started under until it closes, and the round says which one that is: its salt (made with its first
answer, deleted at close) ends in a tag, HMAC(secret, the salt's random part), that only that
secret reproduces. Every replica that knows the secret finds it from the salt; nothing about the
secret is stored but this tag, which without the secret tells nothing.

New rounds use `current`. `previous` is accepted for rounds whose salt it tagged, until they close;
`trivselsbot doctor` says when no open round uses it any more. A salt from before salts were tagged
matches no secret and is read with `current`, as it was made.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.anonymity.random_keys import KeySource
from storage.anonymity.seal import SALT_SIZE, UnreadableAnswer, round_key, unseal
from storage.db.engine import SessionFactory
from storage.tables.answers import RoundKey, StagedAnswer
from storage.tables.pulses import PulseRound, RoundState

TAG_SIZE = 16
_TAG_INFO = b"trivselsbot round salt v1\x1f"


def _tag(secret: str, nonce: bytes) -> bytes:
    return hmac.new(secret.encode(), _TAG_INFO + nonce, hashlib.sha256).digest()[:TAG_SIZE]


@dataclass(frozen=True)
class AnonymitySecrets:
    current: str
    previous: str | None = None

    @classmethod
    def of(cls, secret: str | AnonymitySecrets) -> AnonymitySecrets:
        """Services take either; a plain string is a secret without a previous one."""
        return secret if isinstance(secret, AnonymitySecrets) else cls(secret)

    def known(self) -> tuple[str, ...]:
        return (self.current,) if not self.previous else (self.current, self.previous)

    def new_salt(self, keys: KeySource) -> bytes:
        """A round's salt under the current secret: random, then the secret's tag."""
        nonce = keys.token_bytes(SALT_SIZE - TAG_SIZE)
        return nonce + _tag(self.current, nonce)

    def tagged_by(self, salt: bytes) -> str | None:
        """The known secret whose tag the salt carries, or None (untagged, or another secret)."""
        nonce, tag = salt[:-TAG_SIZE], salt[-TAG_SIZE:]
        for secret in self.known():
            if hmac.compare_digest(_tag(secret, nonce), tag):
                return secret
        return None

    def for_salt(self, salt: bytes | None) -> str:
        """The secret a round was started under; `current` for a round without a salt yet (no
        answer, so nothing is keyed) and for an untagged salt made before rotation existed."""
        if salt is None:
            return self.current
        return self.tagged_by(bytes(salt)) or self.current

    def uses_previous(self, salt: bytes) -> bool:
        return self.previous is not None and self.tagged_by(bytes(salt)) == self.previous


@dataclass(frozen=True)
class SecretUse:
    """Which secret the open rounds are keyed by (for `doctor`: when may the previous one go?)."""

    current: int
    previous: int
    unknown: int  # keyed by neither: their answers cannot be opened at close
    previous_until: datetime | None  # when the last round under the previous secret closes


async def secret_use(factory: SessionFactory, secrets: AnonymitySecrets) -> SecretUse:
    """Every open round with a salt, told apart by its tag; an untagged salt (made before tags)
    by whether its first staged answer opens with the current secret."""
    async with factory() as session:
        rows = (
            await session.execute(
                select(PulseRound.id, PulseRound.closes_at, RoundKey.salt)
                .join(RoundKey, RoundKey.round_id == PulseRound.id)
                .where(PulseRound.state == RoundState.OPEN.value)
            )
        ).all()
        current = previous = unknown = 0
        until: datetime | None = None
        for round_id, closes_at, salt in rows:
            tagged = secrets.tagged_by(bytes(salt))
            if tagged is None:
                tagged = await _opens_with(session, secrets, round_id, bytes(salt))
            if tagged is None:
                unknown += 1
            elif tagged == secrets.current:
                current += 1
            else:
                previous += 1
                until = closes_at if until is None else max(until, closes_at)
    return SecretUse(current, previous, unknown, until)


async def _opens_with(
    session: AsyncSession, secrets: AnonymitySecrets, round_id: str, salt: bytes
) -> str | None:
    staged = (
        await session.execute(
            select(StagedAnswer.key, StagedAnswer.sealed)
            .where(StagedAnswer.round_id == round_id)
            .limit(1)
        )
    ).first()
    if staged is None:
        return secrets.current  # nothing sealed: the current secret will do
    for secret in secrets.known():
        try:
            unseal(round_key(secret, round_id, salt), round_id, staged[0], bytes(staged[1]))
        except UnreadableAnswer:
            continue
        return secret
    return None
