"""The bot's certificate credential: a PEM or PFX file, or the same from the environment, and the
client assertion (RFC 7523) Entra ID takes in place of a client secret.

Many tenants forbid client secrets for app registrations; a certificate's private key never leaves
the host, and Entra ID checks a short-lived JWT signed with it. The assertion is what MSAL sends:
header `alg` RS256 and `x5t` (the certificate's SHA-1 thumbprint, base64url) so Entra ID finds the
certificate uploaded to the app registration; claims `aud` (the token endpoint), `iss` = `sub` =
the app id, a fresh `jti`, and `nbf`/`iat`/`exp` ten minutes apart.

From the environment (a Key Vault reference, a container secret) the value is either PEM text
(private key and certificate) or base64 of a PFX, which is what Key Vault hands out for a
certificate it keeps.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME_SECONDS = 600  # as MSAL: ten minutes


class CertificateError(ValueError):
    """The certificate cannot be used; one line that says why (never the key)."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class ClientCertificate:
    private_key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    @property
    def thumbprint(self) -> str:
        """SHA-1 of the DER certificate in hex, as the Azure portal lists it."""
        return hashlib.sha1(self.der).hexdigest().upper()  # noqa: S324 - the thumbprint's definition

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def x5t(self) -> str:
        return _b64url(hashlib.sha1(self.der).digest())  # noqa: S324 - the x5t header's definition

    @property
    def not_after(self) -> datetime:
        return self.certificate.not_valid_after_utc

    def private_key_pem(self) -> str:
        """For the SDK's own certificate credentials (roster calls through msal)."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    def assertion(self, client_id: str, audience: str, now: float | None = None) -> str:
        """A signed client assertion for one token request to `audience` (the token endpoint)."""
        issued = int(time.time() if now is None else now)
        claims = {
            "aud": audience,
            "iss": client_id,
            "sub": client_id,
            "jti": str(uuid.uuid4()),
            "nbf": issued,
            "iat": issued,
            "exp": issued + ASSERTION_LIFETIME_SECONDS,
        }
        return jwt.encode(
            claims, self.private_key, algorithm="RS256", headers={"typ": "JWT", "x5t": self.x5t}
        )


def _pem(data: bytes, password: bytes | None) -> ClientCertificate:
    try:
        key = serialization.load_pem_private_key(data, password)
    except (ValueError, TypeError) as error:
        raise CertificateError(f"the PEM holds no usable private key ({error})") from None
    certificates = x509.load_pem_x509_certificates(data) if b"CERTIFICATE-----" in data else []
    return _matching(key, certificates)


def _pfx(data: bytes, password: bytes | None) -> ClientCertificate:
    try:
        key, certificate, extra = pkcs12.load_key_and_certificates(data, password)
    except (ValueError, TypeError) as error:
        raise CertificateError(f"the PFX cannot be opened (wrong password?) ({error})") from None
    if key is None:
        raise CertificateError("the PFX holds no private key")
    return _matching(key, [c for c in (certificate, *extra) if c is not None])


def _matching(key: object, certificates: list[x509.Certificate]) -> ClientCertificate:
    if not isinstance(key, rsa.RSAPrivateKey):
        raise CertificateError(
            "the private key must be RSA (Entra ID signs client assertions RS256)"
        )
    mine = key.public_key().public_numbers()
    for certificate in certificates:
        public = certificate.public_key()
        if isinstance(public, rsa.RSAPublicKey) and public.public_numbers() == mine:
            return ClientCertificate(key, certificate)
    raise CertificateError("no certificate in it belongs to its private key")


def load_certificate(data: bytes, password: str = "") -> ClientCertificate:
    """PEM (key and certificate, any order) or PFX/PKCS#12, told apart by their content."""
    secret = password.encode() or None
    if b"-----BEGIN" in data:
        return _pem(data, secret)
    return _pfx(data, secret)


def certificate_from(path: str, value: str, password: str) -> ClientCertificate | None:
    """BOT_APP_CERTIFICATE_PATH (a file) or BOT_APP_CERTIFICATE (PEM text or base64 PFX)."""
    if path:
        try:
            data = Path(path).expanduser().read_bytes()
        except OSError as error:
            raise CertificateError(f"{path} cannot be read ({error.strerror})") from None
        return load_certificate(data, password)
    if value:
        if "-----BEGIN" in value:
            return load_certificate(value.replace("\\n", "\n").encode(), password)
        try:
            data = base64.b64decode("".join(value.split()), validate=True)
        except (binascii.Error, ValueError):
            raise CertificateError("is neither PEM text nor base64 of a PFX") from None
        return load_certificate(data, password)
    return None


def expired(certificate: ClientCertificate, now: datetime | None = None) -> bool:
    return certificate.not_after <= (now or datetime.now(UTC))
