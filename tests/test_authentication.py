"""With an app id configured, every unauthenticated request is refused with 401 and changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from storage.models import Recipient
from tests.conftest import make_settings
from tests.support import activities as A
from tests.support.mock_connector import MockConnector
from tests.test_bot_turns import rows


@pytest.fixture
async def secured(db_path) -> AsyncIterator[TestClient]:
    settings = make_settings(
        db_path,
        BOT_DEV_MODE=False,
        MicrosoftAppId="00000000-0000-0000-0000-0000000000aa",
        MicrosoftAppPassword="not-a-real-password",
        MicrosoftAppTenantId="11111111-1111-1111-1111-111111111111",
    )
    assert settings.authentication_enabled
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
        yield client


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer",
        "Bearer not-a-jwt",
        "Basic dXNlcjpwYXNz",
        # A well-formed JWT with an unsigned ("none") algorithm and the right audience.
        "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0."
        "eyJpc3MiOiJodHRwczovL2FwaS5ib3RmcmFtZXdvcmsuY29tIiwiYXVkIjoiMDAwMDAwMDAtMDAwMC0wMDAw"
        "LTAwMDAtMDAwMDAwMDAwMGFhIn0.",
    ],
)
async def test_unauthenticated_requests_get_401_and_change_nothing(
    secured: TestClient, connector: MockConnector, db_path, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = await secured.post(
        "/api/messages", json=A.personal_install(connector.url, 1), headers=headers
    )
    assert response.status == 401
    assert await rows(db_path, Recipient) == []
    assert connector.sent == []
