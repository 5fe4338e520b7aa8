"""The admin API over real HTTP: the token, clear 400s that name the field, all-or-nothing, OpenAPI."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.admin.routes import ROUTES
from bot.app import RUNTIME, create_app
from storage.db.engine import create_session_factory
from tests.conftest import make_settings
from tests.support.clock import Clock
from tests.support.pulse_fixtures import NOW, team_with_members

TOKEN = "admin-token-0123456789-0123456789-abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NEW = {
    "id": "api-one",
    "theme": "digitale_muligheder",
    "text": {"da": "Hvilket værktøj hjælper dig mest?", "en": "Which tool helps you most?"},
}


@pytest.fixture
async def api(db_path) -> AsyncIterator[TestClient]:
    settings = make_settings(db_path, BOT_ADMIN_TOKEN=TOKEN, BOT_BACKGROUND_WORKERS=False)
    # The app's clock, not the real one: when a schedule first runs (and so its UTC offset,
    # +01:00 in winter, +02:00 in summer) follows from the day the app thinks it is.
    app = create_app(settings, now=Clock(NOW))  # Monday 23 November 2026, 10:00 in Copenhagen
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


async def call(
    client: TestClient, method: str, path: str, body: Any = None, **kwargs: Any
) -> tuple[int, Any]:
    headers = {**AUTH, **kwargs.pop("headers", {})}
    if body is not None and "data" not in kwargs:
        kwargs["json"] = body
    response = await client.request(method, path, headers=headers, **kwargs)
    text = await response.text()
    try:
        return response.status, json.loads(text)
    except ValueError:
        return response.status, text


async def library(client: TestClient) -> list[dict[str, Any]]:
    status, body = await call(client, "GET", "/admin/prompts")
    assert status == 200
    return body["prompts"]


async def test_without_a_token_configured_the_api_is_off(db_path) -> None:
    settings = make_settings(db_path, BOT_BACKGROUND_WORKERS=False)
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
        for path in ("/admin/prompts", "/admin/openapi.json"):
            response = await client.get(path, headers=AUTH)
            assert response.status == 404
            assert await response.json() == {"error": "the admin API is disabled"}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": TOKEN},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic " + TOKEN},
        {"Authorization": "Bearer " + TOKEN[:-1] + "X"},
        {"Authorization": "Bearer " + TOKEN + "X"},
    ],
)
async def test_a_missing_or_wrong_token_is_401_and_changes_nothing(api, headers) -> None:
    before = await library(api)
    for method, path in (("GET", "/admin/prompts"), ("POST", "/admin/prompts")):
        response = await api.request(method, path, headers=headers, json=NEW)
        assert response.status == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "error" in await response.json()
    assert await library(api) == before


async def test_create_get_update_retire(api) -> None:
    status, created = await call(api, "POST", "/admin/prompts", NEW)
    assert status == 201 and created["state"] == "active" and created["origin"] == "hr"
    assert (await call(api, "POST", "/admin/prompts", NEW))[0] == 409
    status, got = await call(api, "GET", "/admin/prompts/api-one")
    assert status == 200 and got == created
    patch = {"rating": {"da": "Hvor godt?", "en": "How well?"}, "state": "draft"}
    status, updated = await call(api, "PATCH", "/admin/prompts/api-one", patch)
    assert status == 200 and updated["rating"] == patch["rating"] and updated["state"] == "draft"
    status, retired = await call(api, "POST", "/admin/prompts/api-one/retire")
    assert status == 200 and retired["state"] == "retired"
    status, drafts = await call(api, "GET", "/admin/prompts?state=retired")
    assert [p["id"] for p in drafts["prompts"]] == ["api-one"]
    assert (await call(api, "GET", "/admin/prompts/nope"))[0] == 404
    assert (await call(api, "PATCH", "/admin/prompts/nope", {"state": "active"}))[0] == 404
    status, body = await call(api, "GET", "/admin/prompts?theme=kaffe")
    assert status == 400 and body["issues"][0]["field"] == "theme"


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "/admin/prompts", {**NEW, "text": {"en": "only English"}}, "text.da"),
        ("POST", "/admin/prompts", {**NEW, "theme": "kaffe"}, "theme"),
        ("POST", "/admin/prompts", {**NEW, "rating": {"da": "kun dansk"}}, "rating.en"),
        ("POST", "/admin/prompts", {**NEW, "colour": "red"}, "colour"),
        ("POST", "/admin/prompts", {**NEW, "id": "Has Spaces"}, "id"),
        ("POST", "/admin/prompts", ["not", "an", "object"], ""),
        ("PATCH", "/admin/prompts/borger-regel", {"text": {"da": "", "en": "x"}}, "text.da"),
        ("PATCH", "/admin/prompts/borger-regel", {"state": "gone"}, "state"),
        ("PATCH", "/admin/prompts/borger-regel", {}, ""),
        ("POST", "/admin/publications", {"content": "prompt", "units": ["all"]}, ""),
        ("POST", "/admin/publications", {"content": "pulse", "units": []}, "units"),
        (
            "POST",
            "/admin/publications",
            {"content": "pulse", "units": ["all"], "schedule": {"every_days": 3}},
            "schedule.every_days",
        ),
        (
            "POST",
            "/admin/publications",
            {"content": "prompt", "prompt_id": "nope", "units": ["all"]},
            "prompt_id",
        ),
        ("POST", "/admin/publications", {"content": "pulse", "units": ["nope"]}, "units"),
    ],
)
async def test_bad_payloads_are_400_naming_the_field_and_change_nothing(
    api, db_path, method, path, body, field
) -> None:
    before = await library(api)
    status, answer = await call(api, method, path, body)
    assert status == 400, answer
    assert answer["error"] == "invalid"
    assert field in [issue["field"] for issue in answer["issues"]], answer
    assert await library(api) == before
    status, publications = await call(api, "GET", "/admin/publications?all=true")
    assert publications == {"publications": []}


@pytest.mark.parametrize("raw", [b"{not json", b"", b"\xff\xfe", b"prompts: [1]"])
async def test_a_body_that_is_not_json_is_400(api, raw: bytes) -> None:
    for path in ("/admin/prompts", "/admin/prompts/import", "/admin/publications"):
        status, body = await call(
            api, "POST", path, data=raw, headers={"Content-Type": "application/json"}
        )
        assert (status, body) == (400, {"error": "body is not valid JSON"})


async def test_import_is_all_or_nothing(api) -> None:
    before = await library(api)
    good = {**NEW, "id": "api-two"}
    bad = {**NEW, "id": "api-three", "text": {"da": "Kun dansk"}}
    status, body = await call(api, "POST", "/admin/prompts/import", {"prompts": [good, bad, good]})
    assert status == 400
    assert [(i["entry"], i["field"], i["code"]) for i in body["issues"]] == [
        (2, "text.en", "missing"),
        (3, "id", "duplicate_id"),
    ]
    assert await library(api) == before
    status, body = await call(api, "POST", "/admin/prompts/import", {"prompts": [good]})
    assert (status, body) == (200, {"created": 1, "updated": 0})
    assert len(await library(api)) == len(before) + 1


async def test_export_and_import_as_yaml(api) -> None:
    status, exported = await call(api, "GET", "/admin/prompts/export")
    assert status == 200 and exported.startswith("# Trivselsbot prompt library")
    yaml_headers = {"Content-Type": "application/yaml"}
    status, body = await call(
        api, "POST", "/admin/prompts/import", data=exported.encode(), headers=yaml_headers
    )
    assert status == 200 and body["created"] == 0 and body["updated"] >= 20
    broken = exported.replace("theme: staerk_fortaelling", "theme: kaffe", 1)
    status, body = await call(
        api, "POST", "/admin/prompts/import", data=broken.encode(), headers=yaml_headers
    )
    assert status == 400
    (issue,) = body["issues"]
    assert (
        issue["field"] == "theme"
        and issue["line"] == broken.splitlines().index("  theme: kaffe") + 1
    )


async def test_publishing_through_the_api(api) -> None:
    factory = create_session_factory(api.server.app[RUNTIME].engine)
    unit = await team_with_members(factory, "19:api", range(1, 6), "API-teamet")
    status, units = await call(api, "GET", "/admin/units")
    assert status == 200 and [u["name"] for u in units["units"]] == ["API-teamet"]
    order = {"content": "prompt", "prompt_id": "borger-lettere", "units": [unit]}
    status, result = await call(api, "POST", "/admin/publications", order)
    assert status == 201 and result["scheduled_for"] is None
    assert [(r["unit_name"], r["eligible_count"]) for r in result["rounds"]] == [("API-teamet", 5)]
    planned = {
        "content": "theme",
        "theme": "staerk_fortaelling",
        "units": ["all"],
        "delivery": "channel",
        "schedule": {"every_days": 14, "weekday": 0, "time": "08:30"},
    }
    status, result = await call(api, "POST", "/admin/publications", planned)
    # The first Monday 08:30 after Monday 23 November 10:00: a week later, in winter time.
    assert status == 201 and result["scheduled_for"] == "2026-11-30T08:30:00+01:00"
    status, listing = await call(api, "GET", "/admin/publications")
    (view,) = listing["publications"]
    status, cancelled = await call(api, "DELETE", f"/admin/publications/{view['id']}")
    assert status == 200 and cancelled["active"] is False
    assert (await call(api, "DELETE", "/admin/publications/nope"))[0] == 404
    status, retired = await call(api, "POST", "/admin/prompts/borger-regel/retire")
    status, body = await call(
        api, "POST", "/admin/publications", {**order, "prompt_id": "borger-regel"}
    )
    assert status == 400 and body["issues"][0]["code"] == "not_active"


async def test_the_openapi_document_describes_every_route(api) -> None:
    response = await api.get("/admin/openapi.json")
    assert response.status == 200
    document = json.loads(await response.text())
    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for route in ROUTES:
        operation = document["paths"][route.path][route.method.lower()]
        assert {str(route.status), "400", "401"} <= set(operation["responses"])
        for name in re.findall(r"{(\w+)}", route.path):
            assert name in [p["name"] for p in operation["parameters"]]
    registered = {
        (r.method, r.resource.canonical)
        for r in api.server.app.router.routes()
        if r.resource is not None and r.resource.canonical.startswith("/admin/")
    }
    described = {
        (method.upper(), path) for path, ops in document["paths"].items() for method in ops
    }
    openapi = {("GET", "/admin/openapi.json"), ("HEAD", "/admin/openapi.json")}
    assert registered - openapi == described
    schemas = document["components"]["schemas"]
    refs = re.findall(r'"\$ref": "#/components/schemas/(\w+)"', json.dumps(document))
    assert refs and all(ref in schemas for ref in refs)
    assert set(schemas["PromptIn"]["properties"]) == {"id", "theme", "text", "rating", "state"}
    theme = schemas["Theme"]["enum"]
    assert theme == [
        "blik_for_borgeren",
        "digitale_muligheder",
        "attraktiv_arbejdsplads",
        "staerk_fortaelling",
    ]


async def test_the_admin_api_can_listen_on_its_own_address(db_path) -> None:
    """BOT_ADMIN_PORT: /admin/ only there, /api/messages only on BOT_PORT, /healthz on both; the
    sockets are the ones `trivselsbot run` listens on."""
    from aiohttp import ClientSession, web

    from bot.app import create_app, listening_sockets
    from tests.support.mock_connector import free_port

    port, admin_port = free_port(), free_port()
    settings = make_settings(
        db_path,
        BOT_ADMIN_TOKEN=TOKEN,
        BOT_BACKGROUND_WORKERS=False,
        BOT_PORT=port,
        BOT_ADMIN_HOST="127.0.0.1",
        BOT_ADMIN_PORT=admin_port,
    )
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    try:
        for sock in listening_sockets(settings):
            await web.SockSite(runner, sock).start()
        bot, admin = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{admin_port}"
        async with ClientSession() as session:

            async def status(url: str, method: str = "GET") -> int:
                async with session.request(method, url, headers=AUTH, json={}) as response:
                    return response.status

            assert await status(f"{admin}/admin/prompts") == 200
            assert await status(f"{admin}/admin/openapi.json") == 200
            assert await status(f"{bot}/admin/prompts") == 404
            assert await status(f"{bot}/admin/openapi.json") == 404
            assert await status(f"{admin}/api/messages", "POST") == 404
            assert await status(f"{bot}/api/messages", "POST") == 400  # served: {} is no activity
            assert await status(f"{bot}/healthz") == await status(f"{admin}/healthz") == 200
    finally:
        await runner.cleanup()
