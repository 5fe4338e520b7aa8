"""The Resultater tab signs people in as Teams does: only a valid Entra ID token of our tenant, for
our app, gets results; everything else is refused with a page text that says what to do.

Tokens are signed with RSA keys the test makes and published by a local stand-in for Entra ID
(tests/support/mock_entra.py); the SDK's own JwtTokenExtractor fetches them from there, as it
fetches the channel's keys for /api/messages.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.tab.page import tab_texts
from dialogs.texts import da
from storage.db.engine import create_engine, create_session_factory
from storage.db.migrate import upgrade
from storage.directory.roles import Roles
from storage.tables.directory import Unit
from tests.conftest import make_settings
from tests.support.mock_entra import (
    APP_ID,
    OTHER_TENANT_ID,
    PUBLIC_HOST,
    TENANT_ID,
    UNPUBLISHED_KEY,
    MockEntra,
    tab_settings_values,
)

HR = "00000000-0000-4000-8000-00000000aaaa"
LEADER = "00000000-0000-4000-8000-00000000bbbb"
EMPLOYEE = "00000000-0000-4000-8000-00000000cccc"


@pytest.fixture(scope="module")
def entra() -> Iterator[MockEntra]:
    server = MockEntra().start()
    yield server
    server.stop()


async def _world(db_path: Path) -> str:
    engine = create_engine(f"sqlite+aiosqlite:///{db_path}")
    await upgrade(engine)
    factory = create_session_factory(engine)
    async with factory.begin() as session:
        unit = Unit(name="Hjemmeplejen Nord", bot_installed=False, teams_team_id="19:a@thread.x")
        session.add(unit)
        await session.flush()
        unit_id = unit.id
    await Roles(factory, []).assign_leader(unit_id, LEADER)
    await engine.dispose()
    return unit_id


@pytest.fixture
async def tab(db_path: Path, entra: MockEntra) -> AsyncIterator[TestClient]:
    await _world(db_path)
    settings = make_settings(db_path, **tab_settings_values(entra), BOT_HR_ADMINS=HR)
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
        yield client


async def me(client: TestClient, authorization: str | None, lang: str = "da") -> tuple[int, dict]:
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = await client.get(f"/tab/api/me?lang={lang}", headers=headers)
    return response.status, await response.json()


async def test_a_valid_token_names_the_person_and_their_roles(
    tab: TestClient, entra: MockEntra
) -> None:
    status, body = await me(tab, f"Bearer {entra.token(HR)}")
    assert status == 200 and body["hr"] is True
    # v2.0 tokens carry the app id as audience and the v2.0 issuer: accepted as well.
    status, body = await me(tab, f"Bearer {entra.token(LEADER, version='2.0')}")
    assert status == 200 and (body["hr"], body["leader"]) == (False, True)
    assert body["start"] == "unit" and body["unit"]  # a leader of one team starts on its page
    assert body["texts"] == tab_texts("da")


HOUR = 3600
BAD: dict[str, tuple[Callable[[MockEntra], str | None], str]] = {
    "no header": (lambda e: None, "no_token"),
    "bearer without token": (lambda e: "Bearer ", "no_token"),
    "basic auth": (lambda e: "Basic dXNlcjpwYXNz", "no_token"),
    "not a jwt": (lambda e: "Bearer not-a-jwt", "bad_token"),
    "expired": (
        lambda e: (
            f"Bearer {e.token(HR, exp=int(time.time()) - HOUR, iat=int(time.time()) - 2 * HOUR)}"
        ),
        "bad_token",
    ),
    "not yet valid": (lambda e: f"Bearer {e.token(HR, nbf=int(time.time()) + HOUR)}", "bad_token"),
    "wrong audience": (
        lambda e: (
            f"Bearer {e.token(HR, aud=f'api://{PUBLIC_HOST}/00000000-0000-0000-0000-000000000000')}"
        ),
        "bad_token",
    ),
    "audience of another host": (
        lambda e: f"Bearer {e.token(HR, aud=f'api://evil.example.com/{APP_ID}')}",
        "bad_token",
    ),
    "no audience": (lambda e: f"Bearer {e.token(HR, aud=None)}", "bad_token"),
    "wrong tenant": (lambda e: f"Bearer {e.token(HR, tid=OTHER_TENANT_ID)}", "other_tenant"),
    "our tenant claimed under another tenant's issuer": (
        lambda e: f"Bearer {e.token(HR, iss=f'https://sts.windows.net/{OTHER_TENANT_ID}/')}",
        "bad_token",
    ),
    "forged signature": (lambda e: f"Bearer {e.token(HR, key=UNPUBLISHED_KEY)}", "bad_token"),
    "unknown key id": (
        lambda e: f"Bearer {e.token(HR, key=UNPUBLISHED_KEY, kid='nope')}",
        "bad_token",
    ),
    "unsigned (alg none)": (
        lambda e: (
            "Bearer "
            + __import__("jwt").encode(
                {"aud": f"api://{PUBLIC_HOST}/{APP_ID}", "tid": TENANT_ID, "oid": HR},
                None,
                algorithm="none",
            )
        ),
        "bad_token",
    ),
    "another scope": (lambda e: f"Bearer {e.token(HR, scp='User.Read')}", "bad_token"),
    "no person": (lambda e: f"Bearer {e.token(None)}", "bad_token"),  # type: ignore[arg-type]
}


@pytest.mark.parametrize(("make", "reason"), list(BAD.values()), ids=list(BAD))
async def test_a_missing_or_bad_token_is_401_with_what_to_do(
    tab: TestClient, entra: MockEntra, make: Callable[[MockEntra], str | None], reason: str
) -> None:
    status, body = await me(tab, make(entra))
    assert status == 401
    assert body == {
        "error": reason,
        "title": da.TEXTS[f"tab.refused.{reason}.title"],
        "message": da.TEXTS[f"tab.refused.{reason}.message"],
    }
    for path in (
        "/tab/api/heatmap",
        "/tab/api/units/x",
        "/tab/api/units/x/results.csv",
        "/tab/api/units/x/med-document?period=2026-10&format=pdf",
    ):
        header = make(entra)
        response = await tab.get(path, headers={"Authorization": header} if header else {})
        assert response.status == 401, path


async def test_the_refusal_speaks_the_viewers_language(tab: TestClient, entra: MockEntra) -> None:
    status, body = await me(tab, f"Bearer {entra.token(HR, tid=OTHER_TENANT_ID)}", lang="en-GB")
    assert status == 401
    assert body["title"] == "You are signed in to another organisation"


async def test_a_valid_token_of_someone_who_leads_nothing_is_told_so(
    tab: TestClient, entra: MockEntra
) -> None:
    status, body = await me(tab, f"Bearer {entra.token(EMPLOYEE)}")
    assert status == 403 and body["error"] == "not_leader"


async def test_the_dev_persons_header_counts_for_nothing_outside_dev_mode(
    tab: TestClient,
) -> None:
    response = await tab.get("/tab/api/me", headers={"X-Trivselsbot-Dev-Person": HR})
    assert response.status == 401
    assert (await tab.get("/tab/api/dev/people")).status == 404


async def test_without_a_public_address_the_tab_says_it_is_not_set_up(
    db_path: Path, entra: MockEntra
) -> None:
    await _world(db_path)
    values = {**tab_settings_values(entra), "BOT_PUBLIC_URL": ""}
    settings = make_settings(db_path, **values, BOT_HR_ADMINS=HR)
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
        status, body = await me(client, f"Bearer {entra.token(HR)}")
    assert status == 503 and body["error"] == "not_configured"


async def test_dev_mode_takes_the_picked_person_instead(db_path: Path) -> None:
    await _world(db_path)
    settings = make_settings(db_path, BOT_HR_ADMINS=HR)
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
        assert (await client.get("/tab/api/me")).status == 401
        response = await client.get("/tab/api/me", headers={"X-Trivselsbot-Dev-Person": LEADER})
        assert response.status == 200 and (await response.json())["leader"] is True
        people = (await (await client.get("/tab/api/dev/people")).json())["people"]
        assert {p["id"]: p["roles"] for p in people} == {
            HR: ["employee", "hr"],
            LEADER: ["employee", "leader"],
        }


async def test_the_page_is_the_bots_own_and_only_teams_may_frame_it(tab: TestClient) -> None:
    response = await tab.get("/tab?locale=en-us&theme=dark")
    assert response.status == 200
    page = await response.text()
    assert '<html lang="en" data-theme="dark">' in page
    assert "http" not in page.split("<body>")[0].replace('"https://', "")  # no CDN, no external
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy
    assert "frame-ancestors 'self' https://teams.microsoft.com" in policy
    for name in ("app.js", "charts.js", "app.css", "teams-js.min.js"):
        asset = await tab.get(f"/tab/static/{name}")
        assert asset.status == 200, name
        assert asset.headers["X-Content-Type-Options"] == "nosniff"
    assert (await tab.get("/tab/static/..%2Fsso.py")).status == 404
    assert (await tab.get("/tab/static/routes.py")).status == 404


async def test_the_med_document_and_the_figures_come_through_the_tab(
    db_path: Path, entra: MockEntra
) -> None:
    """The unit's MED document (bot/documents/, the tab's door) and its figures as CSV, for
    whoever may see the unit; anyone else gets the tab's refusal, a bad request changes nothing."""
    unit = await _world(db_path)
    settings = make_settings(db_path, **tab_settings_values(entra), BOT_HR_ADMINS=HR)
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
        leader = {"Authorization": f"Bearer {entra.token(LEADER)}"}
        response = await client.get(
            f"/tab/api/units/{unit}/med-document?period=2026-10&format=docx", headers=leader
        )
        assert response.status == 200
        assert response.content_type.endswith("wordprocessingml.document")
        assert (await response.read())[:2] == b"PK"
        assert "attachment" in response.headers["Content-Disposition"]
        response = await client.get(f"/tab/api/units/{unit}/results.csv", headers=leader)
        assert response.status == 200 and (await response.read()).startswith(b"\xef\xbb\xbf")
        for bad in ("period=2026-10&format=exe", "period=oktober&format=pdf"):
            response = await client.get(f"/tab/api/units/{unit}/med-document?{bad}", headers=leader)
            assert response.status == 400, bad
        other = {"Authorization": f"Bearer {entra.token('00000000-0000-4000-8000-00000000dddd')}"}
        response = await client.get(
            f"/tab/api/units/{unit}/med-document?period=2026-10&format=pdf", headers=other
        )
        assert response.status == 403
        response = await client.get(
            "/tab/api/units/0123456789abcdef0123456789abcdef/med-document?period=2026-10&format=pdf",
            headers=leader,
        )
        assert response.status == 403 and (await response.json())["error"] == "not_allowed"


async def test_every_view_in_the_tab_is_one_row_in_the_audit_log(
    db_path: Path, entra: MockEntra
) -> None:
    """Heatmap, unit page, CSV and MED document: one row each, naming the viewer's object id and
    the door; a refused request writes none."""
    from sqlalchemy import select

    from storage.db.engine import create_engine, create_session_factory
    from storage.tables.audit import AuditRow

    unit = await _world(db_path)
    settings = make_settings(db_path, **tab_settings_values(entra), BOT_HR_ADMINS=HR)
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
        hr = {"Authorization": f"Bearer {entra.token(HR)}"}
        leader = {"Authorization": f"Bearer {entra.token(LEADER)}"}
        assert (await client.get("/tab/api/heatmap?period=2026-10", headers=hr)).status == 200
        for path in (f"/tab/api/units/{unit}", f"/tab/api/units/{unit}/results.csv"):
            assert (await client.get(path, headers=leader)).status == 200
        document = f"/tab/api/units/{unit}/med-document?period=2026-10&format=pdf"
        assert (await client.get(document, headers=leader)).status == 200
        other = {"Authorization": f"Bearer {entra.token('00000000-0000-4000-8000-00000000dddd')}"}
        assert (await client.get(f"/tab/api/units/{unit}", headers=other)).status == 403
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            rows = list((await session.execute(select(AuditRow).order_by(AuditRow.at))).scalars())
    finally:
        await engine.dispose()
    assert sorted((r.viewer_id, r.via, r.what, r.unit_id) for r in rows) == sorted(
        [
            (HR, "tab", "heatmap", None),
            (LEADER, "tab", "unit_page", unit),
            (LEADER, "tab", "results_export", unit),
            (LEADER, "tab", "med_document", unit),
        ]
    )
