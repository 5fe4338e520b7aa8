"""Certificate credentials: the bot's own token from Entra ID with a signed client assertion.

Certificates made here (RSA, self-signed, as `az ad app credential reset --create-cert` or Key Vault
make them) are registered with a local stand-in for Entra ID (tests/support/mock_token.py), which
checks each assertion as Entra ID does: the certificate named by `x5t`, the RS256 signature, the
audience, issuer and subject, and a lifetime of at most ten minutes. PEM and PFX, from a file and
from the environment; a certificate the app registration does not know is refused; start-up refuses
what cannot work, in one line; `doctor` says which certificate it used and until when it is valid.
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from bot.certificate import ASSERTION_TYPE, ClientCertificate, load_certificate
from bot.connector.tokens import TokenUnavailable, token_source
from bot.operations.doctor import check_bot_token
from bot.settings import ConfigurationError, Settings, load_settings
from bot.teams.adapter import create_adapter
from tests.support.mock_token import MockTokenEndpoint

APP_ID = "0f3b7c2e-5a41-4d7e-9c1a-6b2d8e4f1a90"
TENANT = "11111111-2222-3333-4444-555555555555"
SECRET = "Zq4-production-secret-0123456789-abcdefXY"
NOW = datetime.now(UTC)  # certificates are checked against the real clock, as Entra ID does


def make_certificate(days: int = 365, start_days_ago: int = 1) -> ClientCertificate:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "trivselsbot")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=start_days_ago))
        .not_valid_after(NOW + timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    return ClientCertificate(key, certificate)


CERTIFICATE = make_certificate()
STRANGER = make_certificate()  # a certificate nobody uploaded to the app registration


def pem(certificate: ClientCertificate) -> bytes:
    return certificate.private_key_pem().encode() + certificate.certificate.public_bytes(
        serialization.Encoding.PEM
    )


def pfx(certificate: ClientCertificate, password: bytes | None) -> bytes:
    encryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return pkcs12.serialize_key_and_certificates(
        b"trivselsbot", certificate.private_key, certificate.certificate, None, encryption
    )


@pytest.fixture
async def authority() -> AsyncIterator[MockTokenEndpoint]:
    mock = await MockTokenEndpoint(certificates={CERTIFICATE.x5t: CERTIFICATE.certificate}).start()
    yield mock
    await mock.stop()


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in list(os.environ):
        if key.startswith(("BOT_", "Microsoft")):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


def settings_with(authority: MockTokenEndpoint, **env: str) -> Settings:
    return load_settings(
        _env_file=None,
        MicrosoftAppId=APP_ID,
        MicrosoftAppTenantId=TENANT,
        BOT_ANONYMITY_SECRET=SECRET,
        BOT_LOGIN_AUTHORITY=authority.authority,
        **env,
    )


async def fetch(settings: Settings) -> str | None:
    async with aiohttp.ClientSession() as session:
        return await token_source(settings, lambda: session).token()


@pytest.mark.parametrize("form", ["pem file", "pfx file", "pem in env", "pfx in env"])
async def test_a_certificate_gets_the_token_with_a_verified_client_assertion(
    form: str, authority: MockTokenEndpoint, tmp_path: Path
) -> None:
    password = "pfx-passw0rd" if "pfx" in form else ""
    data = pfx(CERTIFICATE, password.encode()) if "pfx" in form else pem(CERTIFICATE)
    if "file" in form:
        path = tmp_path / ("bot.pfx" if "pfx" in form else "bot.pem")
        path.write_bytes(data)
        env = {"BOT_APP_CERTIFICATE_PATH": str(path)}
    else:  # PEM text as is; a PFX as base64, which is what a Key Vault reference gives
        text = data.decode() if "pem" in form else base64.b64encode(data).decode()
        env = {"BOT_APP_CERTIFICATE": text}
    settings = settings_with(authority, BOT_APP_CERTIFICATE_PASSWORD=password, **env)

    assert await fetch(settings) == "mock-token-1"
    (grant,) = authority.grants
    assert authority.refusals == []
    assert "client_secret" not in grant
    assert grant["client_assertion_type"] == ASSERTION_TYPE
    assert grant["tenant"] == TENANT and grant["client_id"] == APP_ID
    header = jwt.get_unverified_header(grant["client_assertion"])
    assert header["alg"] == "RS256" and header["x5t"] == CERTIFICATE.x5t
    claims = jwt.decode(grant["client_assertion"], options={"verify_signature": False})
    assert claims["aud"] == f"{authority.authority}{TENANT}/oauth2/v2.0/token"
    assert claims["exp"] - claims["nbf"] == 600


async def test_the_app_sends_with_the_certificate_token(
    authority: MockTokenEndpoint, tmp_path: Path
) -> None:
    """The adapter the app uses: its outbound token comes from the certificate."""
    (tmp_path / "bot.pem").write_bytes(pem(CERTIFICATE))
    settings = settings_with(authority, BOT_APP_CERTIFICATE_PATH=str(tmp_path / "bot.pem"))
    connectors = create_adapter(settings).connectors
    await connectors.open()
    try:
        assert await connectors.tokens.token() == "mock-token-1"
        assert await connectors.tokens.token() == "mock-token-1"  # cached, one grant
    finally:
        await connectors.close()
    assert len(authority.grants) == 1 and "client_assertion" in authority.grants[0]


async def test_a_certificate_the_app_registration_does_not_know_is_refused(
    authority: MockTokenEndpoint, tmp_path: Path
) -> None:
    (tmp_path / "other.pem").write_bytes(pem(STRANGER))
    settings = settings_with(authority, BOT_APP_CERTIFICATE_PATH=str(tmp_path / "other.pem"))
    with pytest.raises(TokenUnavailable) as refused:
        await fetch(settings)
    assert refused.value.answered and "401 invalid_client" in refused.value.reason
    assert authority.refusals == ["AADSTS700027: no certificate with this x5t is registered"]
    line = (await check_bot_token(settings)).line()
    assert line.startswith("[FAIL] bot token: 127.0.0.1")
    assert f"refused the certificate {STRANGER.thumbprint}" in line
    assert "-> upload this certificate" in line


def forged(**changes: object) -> tuple[dict[str, str], str]:
    """An assertion as the bot makes it, with claims or header changed, signed by `signer`."""
    signer = changes.pop("signer", CERTIFICATE)
    assert isinstance(signer, ClientCertificate)
    issued = int(time.time())
    claims = {"iss": APP_ID, "sub": APP_ID, "jti": "j", "nbf": issued, "iat": issued}
    claims["exp"] = issued + 600
    claims.update(changes)
    return claims, jwt.encode(
        claims, signer.private_key, algorithm="RS256", headers={"x5t": CERTIFICATE.x5t}
    )


@pytest.mark.parametrize(
    ("changes", "refusal"),
    [
        ({"signer": STRANGER}, "AADSTS700027: the signature does not verify"),
        ({"aud": "https://login.microsoftonline.com/other/oauth2/v2.0/token"}, "wrong audience"),
        ({"exp": int(time.time()) - 5}, "the assertion has expired"),
        ({"exp": int(time.time()) + 3600}, "valid for too long"),
        ({"iss": "someone-else"}, "iss and sub must be the client id"),
    ],
)
async def test_the_stand_in_checks_what_entra_id_checks(
    changes: dict[str, object], refusal: str, authority: MockTokenEndpoint
) -> None:
    """The checks above are only worth something if the stand-in refuses a bad assertion."""
    url = f"{authority.authority}{TENANT}/oauth2/v2.0/token"
    changes.setdefault("aud", url)
    _claims, assertion = forged(**changes)
    form = {
        "grant_type": "client_credentials",
        "client_id": APP_ID,
        "scope": "https://api.botframework.com/.default",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion,
    }
    async with aiohttp.ClientSession() as session, session.post(url, data=form) as response:
        assert response.status == 401
    assert refusal in authority.refusals[-1]


async def test_doctor_names_the_certificate_and_refuses_an_expired_one(
    authority: MockTokenEndpoint, tmp_path: Path
) -> None:
    (tmp_path / "bot.pem").write_bytes(pem(CERTIFICATE))
    settings = settings_with(authority, BOT_APP_CERTIFICATE_PATH=str(tmp_path / "bot.pem"))
    line = (await check_bot_token(settings)).line()
    until = CERTIFICATE.not_after.date().isoformat()
    assert line.startswith(
        f"[ok] bot token: obtained from 127.0.0.1:{authority.port} with the certificate "
        f"{CERTIFICATE.thumbprint} (valid until {until})"
    )
    old = make_certificate(days=-1, start_days_ago=30)
    (tmp_path / "old.pem").write_bytes(pem(old))
    settings = settings_with(authority, BOT_APP_CERTIFICATE_PATH=str(tmp_path / "old.pem"))
    line = (await check_bot_token(settings)).line()
    assert "has expired -> make a new certificate" in line


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"MicrosoftAppPassword": "pw", "BOT_APP_CERTIFICATE_PATH": "{pem}"},
            "set either MicrosoftAppPassword or a certificate, not both",
        ),
        ({"BOT_APP_CERTIFICATE_PATH": "{tmp}/missing.pem"}, "BOT_APP_CERTIFICATE_PATH: "),
        ({"BOT_APP_CERTIFICATE": "not a certificate"}, "neither PEM text nor base64 of a PFX"),
        (
            {"BOT_APP_CERTIFICATE": "{pfx}", "BOT_APP_CERTIFICATE_PASSWORD": "wrong"},
            "the PFX cannot be opened (wrong password?)",
        ),
        ({}, "MicrosoftAppPassword or a certificate"),
    ],
)
def test_start_up_refuses_a_certificate_that_cannot_work(
    env: dict[str, str], message: str, tmp_path: Path
) -> None:
    (tmp_path / "bot.pem").write_bytes(pem(CERTIFICATE))
    values = {
        "pem": str(tmp_path / "bot.pem"),
        "tmp": str(tmp_path),
        "pfx": base64.b64encode(pfx(CERTIFICATE, b"right")).decode(),
    }
    with pytest.raises(ConfigurationError) as refused:
        load_settings(
            _env_file=None,
            MicrosoftAppId=APP_ID,
            MicrosoftAppTenantId=TENANT,
            BOT_ANONYMITY_SECRET=SECRET,
            **{key: value.format(**values) for key, value in env.items()},
        )
    assert message in str(refused.value) and "\n" not in str(refused.value)
    assert "PRIVATE KEY" not in str(refused.value)


def test_pem_in_either_order_and_a_key_without_its_certificate() -> None:
    certificate_pem = CERTIFICATE.certificate.public_bytes(serialization.Encoding.PEM)
    reordered = certificate_pem + CERTIFICATE.private_key_pem().encode()
    assert load_certificate(reordered).thumbprint == CERTIFICATE.thumbprint
    with pytest.raises(ValueError, match="no certificate in it belongs to its private key"):
        load_certificate(STRANGER.private_key_pem().encode() + certificate_pem)
