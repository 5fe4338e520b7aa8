"""The admin API's question bank and templates over real HTTP, in the running app."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.admin.routes import FALLBACK_HEADER
from bot.app import RUNTIME, create_app
from tests.conftest import make_settings
from tests.support.clock import Clock
from tests.support.pulse_fixtures import NOW, team_with_members
from tests.test_admin_api import AUTH, TOKEN, call

DANISH_ONLY = {
    "id": "tk9",
    "dimension": "trust_colleagues",
    "state": "draft",
    "text": {"da": "Vi siger tak til hinanden for hjælpen."},
}


@pytest.fixture
async def api(db_path) -> AsyncIterator[TestClient]:
    settings = make_settings(db_path, BOT_ADMIN_TOKEN=TOKEN, BOT_BACKGROUND_WORKERS=False)
    async with TestClient(TestServer(create_app(settings, now=Clock(NOW)), host="127.0.0.1")) as c:
        yield c


async def test_the_bank_is_seeded_on_start_and_round_trips_byte_identical(api) -> None:
    status, body = await call(api, "GET", "/admin/questions")
    assert status == 200
    ids = [item["id"] for item in body["items"]]
    assert ids[:2] == ["tk1", "tk2"] and {"kf_tl", "kf_tk", "kf_rf", "kf_sa", "fu1"} <= set(ids)
    first = await api.get("/admin/questions/export", headers=AUTH)
    exported = await first.read()
    assert FALLBACK_HEADER not in first.headers  # every shipped item has English
    status, result = await call(
        api,
        "POST",
        "/admin/questions/import",
        data=exported,
        headers={"Content-Type": "application/yaml"},
    )
    assert status == 200 and result["created"] == result["updated"] == 0
    again = await (await api.get("/admin/questions/export", headers=AUTH)).read()
    assert again == exported


async def test_danish_only_items_are_named_to_hr_and_english_readers_get_danish(api) -> None:
    status, result = await call(api, "POST", "/admin/questions/import", {"items": [DANISH_ONLY]})
    assert status == 200
    assert result == {"created": 1, "updated": 0, "unchanged": 0, "without_english": ["tk9"]}
    response = await api.get("/admin/questions/export", headers=AUTH)
    assert response.headers[FALLBACK_HEADER] == "tk9"
    assert "English readers see the Danish): tk9" in await response.text()
    status, item = await call(api, "POST", "/admin/questions/tk9/state", {"state": "active"})
    assert status == 200 and item["state"] == "active"
    bank = api.server.app[RUNTIME].services.bank  # the live bank every service reads
    assert bank.item("tk9").text.get("en") == "Vi siger tak til hinanden for hjælpen."


async def test_a_bad_yaml_import_names_line_item_and_field_and_writes_nothing(api) -> None:
    before = await (await api.get("/admin/questions/export", headers=AUTH)).read()
    body = (
        "version: 1\n"
        "items:\n"
        "  - id: tk9\n"
        "    dimension: trust_colleagues\n"
        "    text: {da: 'Ny.'}\n"
        "  - id: kf_x\n"
        "    use: short_form\n"
        "    dimension: wellbeing\n"
        "    scale: degree\n"
        "    text: {da: 'Hvordan?'}\n"
    )
    status, result = await call(
        api,
        "POST",
        "/admin/questions/import",
        data=body.encode(),
        headers={"Content-Type": "application/yaml"},
    )
    assert status == 400
    (issue,) = result["issues"]
    assert (issue["line"], issue["item"], issue["entry"], issue["field"], issue["code"]) == (
        8,
        "kf_x",
        2,
        "dimension",
        "short_form_rule",
    )
    after = await (await api.get("/admin/questions/export", headers=AUTH)).read()
    assert after == before  # tk9, which was fine, did not go in either


async def test_hr_picks_a_units_template_and_a_publications(api) -> None:
    factory = api.server.app[RUNTIME].factory
    unit = await team_with_members(factory, "19:tpl@thread.tacv2", range(1, 6))
    path = f"/admin/units/{unit}/template"
    status, view = await call(api, "GET", path)
    assert status == 200 and view["template"] == {"kind": "rotation", "items": []}
    status, view = await call(api, "PUT", path, {"kind": "short_form"})
    assert status == 200 and view["template"]["kind"] == "short_form"
    status, refused = await call(api, "PUT", path, {"kind": "fixed", "items": ["tk1", "tl1", "x"]})
    assert status == 400 and refused["issues"][0]["code"] == "unknown_item"
    order = {
        "content": "pulse",
        "units": [unit],
        "template": {"kind": "fixed", "items": ["tk2", "rf3", "tr1"]},
    }
    status, published = await call(api, "POST", "/admin/publications", order)
    assert status == 201
    rounds = api.server.app[RUNTIME].services.rounds
    assert (await rounds.get(published["rounds"][0]["round_id"])).items == ["tk2", "rf3", "tr1"]
