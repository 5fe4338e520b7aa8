"""Short-lived download links for the MED document: signed, bound to one person and one unit,
usable once.

A leader presses a button on their summary card and gets a link in their personal chat; their
browser then fetches the file from the bot without any Teams sign-in. So the link itself is the
credential: it says who it was made for, which unit, month, format and language, until when,
and carries an HMAC over all of that under a key derived from the server's secret. Nobody can
make one or change a field without the secret. It is refused after its minutes are up, and a
second time: the first use writes its random id to `used_download_links`, a table every replica
shares, and a second insert of the same id finds it there. A row is deleted once its link could
no longer be used anyway.

The person in a link is checked again when it is used (bot/documents/export.py): a link made for
someone who no longer leads the unit gets nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Literal

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import delete

from storage.anonymity.secrets import AnonymitySecrets
from storage.db.engine import SessionFactory, insert_for
from storage.errors import DomainError
from storage.rounds.period_versions import PERIOD_PATTERN
from storage.tables.directory import utcnow
from storage.tables.downloads import UsedDownloadLink

FileFormat = Literal["docx", "pdf"]
DocumentLanguage = Literal["da", "en"]
_INFO = b"trivselsbot/download-link/v1"  # the key is for links and nothing else
_MAX_TOKEN = 2048  # a real link is about 300 characters; anything longer is not read
# A used link's id is kept this long past its expiry: a replica whose clock is behind may still
# take the link for unexpired, and must find it used.
CLOCK_SLACK = timedelta(minutes=10)


class Refusal(StrEnum):
    INVALID = "invalid"  # not a link of ours, or changed since it was made
    EXPIRED = "expired"
    USED = "used"
    MISMATCH = "mismatch"  # a link for another unit, month or format than the address asks
    NOT_ALLOWED = "not_allowed"  # the person may not see the unit (any longer)
    UNAVAILABLE = "unavailable"  # no public address configured: no link can be made


class LinkRefused(DomainError):
    code = "link_refused"

    def __init__(self, reason: Refusal, grant: Grant | None = None) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.grant = grant  # what a well-signed link said, for a reply in its language


class Grant(BaseModel):
    """What a link allows: one file, for one person, until `expires`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[0-9a-f]{32}$")
    person: str = Field(min_length=1, max_length=200)  # Entra ID object id (or Teams user id)
    unit: str = Field(min_length=1, max_length=64)
    period: str = Field(pattern=PERIOD_PATTERN)
    format: FileFormat
    language: DocumentLanguage
    expires: int  # Unix seconds

    @property
    def expires_at(self) -> datetime:
        return datetime.fromtimestamp(self.expires, UTC)


def link_key(secret: str) -> bytes:
    """The links' own key, derived from the server's secret (never the secret itself)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret.encode())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class DownloadLinks:
    """Make and redeem links; `base_url` is the bot's public address (None: links are off)."""

    def __init__(
        self,
        factory: SessionFactory,
        secret: str | AnonymitySecrets,
        base_url: str | None,
        lifetime: timedelta,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self._factory = factory
        # Signed under the current secret; during a rotation a link signed by a replica that
        # already has the new secret (or still the old one) is read by any other replica.
        secrets_ = AnonymitySecrets.of(secret)
        self._keys = [link_key(known) for known in secrets_.known()]
        self._base_url = base_url.rstrip("/") if base_url else None
        self._lifetime = lifetime
        self._now = now

    @property
    def available(self) -> bool:
        return self._base_url is not None

    @property
    def lifetime(self) -> timedelta:
        return self._lifetime

    def _signature(self, payload: str, key: bytes | None = None) -> str:
        key = self._keys[0] if key is None else key
        return _b64(hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest())

    def issue(
        self,
        person: str,
        unit_id: str,
        period: str,
        file_format: FileFormat,
        language: DocumentLanguage,
    ) -> str:
        """A signed token; the caller has checked that the person may see the unit."""
        grant = Grant(
            id=secrets.token_hex(16),
            person=person,
            unit=unit_id,
            period=period,
            format=file_format,
            language=language,
            expires=int((self._now() + self._lifetime).timestamp()),
        )
        payload = _b64(json.dumps(grant.model_dump(), separators=(",", ":")).encode())
        return f"{payload}.{self._signature(payload)}"

    def url(self, token: str, unit_id: str, period: str, file_format: FileFormat) -> str:
        """Where the token fetches its file: the unit, month and format are in the path too."""
        if self._base_url is None:
            raise LinkRefused(Refusal.UNAVAILABLE)
        return f"{self._base_url}/documents/{unit_id}/{period}/{file_format}?link={token}"

    def read(self, token: str) -> Grant:
        """The grant of a well-signed, unexpired token; LinkRefused otherwise. Nothing written."""
        payload, dot, signature = token.partition(".")
        if not dot or len(token) > _MAX_TOKEN or not payload.isascii():
            raise LinkRefused(Refusal.INVALID)
        given = signature.encode("ascii", "replace")
        if not any(
            hmac.compare_digest(given, self._signature(payload, key).encode()) for key in self._keys
        ):
            raise LinkRefused(Refusal.INVALID)
        try:
            grant = Grant.model_validate(json.loads(_unb64(payload)))
        except (ValueError, ValidationError, binascii.Error):
            raise LinkRefused(Refusal.INVALID) from None
        if self._now() >= grant.expires_at:
            raise LinkRefused(Refusal.EXPIRED, grant)
        return grant

    def _for(self, token: str, unit_id: str, period: str, file_format: str) -> Grant:
        grant = self.read(token)
        if (grant.unit, grant.period, grant.format) != (unit_id, period, file_format):
            raise LinkRefused(Refusal.MISMATCH, grant)
        return grant

    async def check(self, token: str, unit_id: str, period: str, file_format: str) -> Grant:
        """What `redeem` would allow, without using the link up (the page before the file)."""
        grant = self._for(token, unit_id, period, file_format)
        async with self._factory() as session:
            if await session.get(UsedDownloadLink, grant.id) is not None:
                raise LinkRefused(Refusal.USED, grant)
        return grant

    async def redeem(self, token: str, unit_id: str, period: str, file_format: str) -> Grant:
        """Check the token against the address it came to, and use it up (once, on any replica)."""
        grant = self._for(token, unit_id, period, file_format)
        now = self._now()
        async with self._factory.begin() as session:
            await session.execute(
                delete(UsedDownloadLink).where(UsedDownloadLink.forget_after < now)
            )
            claimed = await session.execute(
                insert_for(session)(UsedDownloadLink)
                .values(token_id=grant.id, forget_after=grant.expires_at + CLOCK_SLACK)
                .on_conflict_do_nothing()
                .returning(UsedDownloadLink.token_id)
            )
            if claimed.first() is None:
                raise LinkRefused(Refusal.USED, grant)
        return grant
