"""A local stand-in for Entra ID's token endpoint (client-credentials grant only).

Answers POST /{tenant}/oauth2/v2.0/token like login.microsoftonline.com: a numbered access token
with `expires_in`, or an error body for a wrong secret. Records every grant it saw, so tests can
count fetches and check what the bot asked for.

Certificates: a client assertion (RFC 7523) is checked as Entra ID checks it. Its `x5t` header
must name a certificate registered in `certificates` (thumbprint → certificate, as uploaded to
the app registration), its RS256 signature must verify with that certificate's public key, `aud`
must be this token endpoint's URL, `iss` and `sub` the client id, and `nbf`/`exp` must hold now
and span at most ten minutes. Each refusal answers 401 with the AADSTS code Entra ID uses.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from cryptography import x509

from tests.support.mock_connector import free_port

MAX_ASSERTION_SECONDS = 600
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass
class MockTokenEndpoint:
    password: str = "not-a-real-password"
    # More client secrets the app registration has (Entra ID keeps several during a rotation).
    passwords: set[str] = field(default_factory=set)
    certificates: dict[str, x509.Certificate] = field(default_factory=dict)  # x5t → certificate
    expires_in: int = 3600
    delay: float = 0.0  # seconds before answering, so concurrent callers overlap
    grants: list[dict[str, Any]] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)  # why each assertion was refused
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def authority(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def issued(self, n: int) -> str:
        return f"mock-token-{n}"

    async def start(self) -> MockTokenEndpoint:
        app = web.Application()
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        self.port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    def _assertion_problem(self, request: web.Request, form: dict[str, Any]) -> str | None:
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            return "AADSTS50027: client_assertion_type is not jwt-bearer"
        assertion = str(form["client_assertion"])
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError:
            return "AADSTS50027: not a JWT"
        certificate = self.certificates.get(str(header.get("x5t")))
        if certificate is None:
            return "AADSTS700027: no certificate with this x5t is registered"
        audience = str(request.url.with_query(None))
        try:
            claims = jwt.decode(
                assertion,
                certificate.public_key(),  # type: ignore[arg-type]
                algorithms=["RS256"],
                audience=audience,
                options={"require": ["aud", "iss", "sub", "exp", "nbf", "jti"]},
            )
        except jwt.InvalidSignatureError:
            return "AADSTS700027: the signature does not verify"
        except jwt.InvalidAudienceError:
            return "AADSTS700024: wrong audience"
        except jwt.ExpiredSignatureError:
            return "AADSTS700024: the assertion has expired"
        except jwt.PyJWTError as error:
            return f"AADSTS50027: {type(error).__name__}"
        client = form.get("client_id")
        if claims["iss"] != client or claims["sub"] != client:
            return "AADSTS700021: iss and sub must be the client id"
        if int(claims["exp"]) - int(claims["nbf"]) > MAX_ASSERTION_SECONDS:
            return "AADSTS700024: the assertion is valid for too long"
        if int(claims["nbf"]) > time.time() + 60:
            return "AADSTS700024: the assertion is not valid yet"
        return None

    async def _token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self.grants.append({"tenant": request.match_info["tenant"], **form})
        if self.delay:
            await asyncio.sleep(self.delay)
        if form.get("grant_type") != "client_credentials":
            return _refused("unsupported_grant_type", "AADSTS70003: mock")
        if "client_assertion" in form:
            problem = self._assertion_problem(request, form)
            if problem:
                self.refusals.append(problem)
                return _refused("invalid_client", problem)
        elif form.get("client_secret") not in {self.password, *self.passwords}:
            return _refused("invalid_client", "AADSTS7000215: mock")
        return web.json_response(
            {
                "token_type": "Bearer",
                "expires_in": self.expires_in,
                "ext_expires_in": self.expires_in,
                "access_token": self.issued(len(self.grants)),
            }
        )


def _refused(error: str, description: str) -> web.Response:
    return web.json_response({"error": error, "error_description": description}, status=401)
