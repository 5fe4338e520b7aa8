"""A local stand-in for Entra ID's token endpoint (client-credentials grant only).

Answers POST /{tenant}/oauth2/v2.0/token like login.microsoftonline.com: a numbered access token
with `expires_in`, or an error body for a wrong secret. Records every grant it saw, so tests can
count fetches and check what the bot asked for.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.mock_connector import free_port


@dataclass
class MockTokenEndpoint:
    password: str = "not-a-real-password"
    expires_in: int = 3600
    delay: float = 0.0  # seconds before answering, so concurrent callers overlap
    grants: list[dict[str, Any]] = field(default_factory=list)
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

    async def _token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self.grants.append({"tenant": request.match_info["tenant"], **form})
        if self.delay:
            await asyncio.sleep(self.delay)
        if form.get("grant_type") != "client_credentials" or form.get("client_secret") != (
            self.password
        ):
            return web.json_response(
                {"error": "invalid_client", "error_description": "AADSTS7000215: mock"},
                status=401,
            )
        return web.json_response(
            {
                "token_type": "Bearer",
                "expires_in": self.expires_in,
                "ext_expires_in": self.expires_in,
                "access_token": self.issued(len(self.grants)),
            }
        )
