"""A local stand-in for Entra ID's published signing keys, and the tokens Teams would hand a tab.

Serves `/{tenant}/v2.0/.well-known/openid-configuration` and its `jwks_uri` with RSA keys this
module makes, from a thread of its own: the SDK fetches OpenID metadata with blocking `requests`,
so the server must answer while the event loop that asked is blocked. Tokens are shaped like
Teams SSO tokens (v1.0: audience api://<host>/<app id>, issuer sts.windows.net/<tenant>/; v2.0:
audience the app id, issuer <authority><tenant>/v2.0) and signed with a published key, or with
one nobody published (a forged signature).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.support.mock_connector import free_port

APP_ID = "3f2c9a7e-1b4d-4e8f-9a6c-2d7b8e1f0a55"
TENANT_ID = "5b1d7c3e-8a2f-4c6d-9e0b-1f3a5c7e9d21"
OTHER_TENANT_ID = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"
PUBLIC_HOST = "trivsel.test"

SIGNING_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
UNPUBLISHED_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    return {**json.loads(RSAAlgorithm.to_jwk(key.public_key())), "kid": kid, "use": "sig"}


class MockEntra:
    def __init__(self) -> None:
        self.port = free_port()
        self.fetches: list[str] = []
        entra = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                entra.fetches.append(self.path)
                if self.path.endswith("/v2.0/.well-known/openid-configuration"):
                    tenant = self.path.split("/")[1]
                    body = {
                        "issuer": f"{entra.authority}{tenant}/v2.0",
                        "jwks_uri": f"{entra.authority}{tenant}/discovery/v2.0/keys",
                    }
                elif self.path.endswith("/discovery/v2.0/keys"):
                    body = {"keys": [_jwk(SIGNING_KEY, "entra-key")]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def authority(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> MockEntra:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def token(
        self,
        oid: str,
        *,
        version: str = "1.0",
        key: rsa.RSAPrivateKey = SIGNING_KEY,
        kid: str = "entra-key",
        **claims: Any,
    ) -> str:
        """A Teams SSO token for `oid`; claims given as None are left out."""
        now = int(time.time())
        tenant = claims.get("tid", TENANT_ID)
        payload: dict[str, Any] = {
            "aud": f"api://{PUBLIC_HOST}/{APP_ID}" if version == "1.0" else APP_ID,
            "iss": f"https://sts.windows.net/{tenant}/"
            if version == "1.0"
            else f"{self.authority}{tenant}/v2.0",
            "iat": now - 60,
            "nbf": now - 60,
            "exp": now + 3600,
            "tid": tenant,
            "oid": oid,
            "scp": "access_as_user",
            "name": "Test Person",
            "ver": version,
        }
        payload.update(claims)
        payload = {name: value for name, value in payload.items() if value is not None}
        return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})


def tab_settings_values(entra: MockEntra) -> dict[str, Any]:
    """The settings a real installation has for the tab: credentials, tenant, public host."""
    return {
        "BOT_DEV_MODE": False,
        "MicrosoftAppId": APP_ID,
        "MicrosoftAppPassword": "not-a-real-password",
        "MicrosoftAppTenantId": TENANT_ID,
        "BOT_PUBLIC_URL": f"https://{PUBLIC_HOST}",
        "BOT_LOGIN_AUTHORITY": entra.authority,
        "BOT_BACKGROUND_WORKERS": False,
    }
