"""schemathesis against the admin API's own OpenAPI document, served by the real app.

The app runs on a free loopback port (tests/support/served_app.py) with a SQLite file and a
team installed; schemathesis reads /admin/openapi.json from it and generates requests for every
operation from the document: with the token, every response must be no 5xx and conform to the
document (status code, content type, headers, body schema); without it, every operation is
401 (or 404 when the generated path misses the route) and the database does not change.
The rate limit is raised out of the way here; tests/test_admin_rate_limit.py covers it.

SCHEMATHESIS_EXAMPLES (environment) scales the examples per operation for a longer run.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from bot.admin.routes import ROUTES
from bot.app import create_app
from storage.db.engine import create_engine, create_session_factory
from storage.db.migrate import upgrade
from tests.conftest import make_settings
from tests.support.db_inspection import tables
from tests.support.pulse_fixtures import team_with_members
from tests.support.served_app import ServedApp

TOKEN = "admin-token-0123456789-0123456789-abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EXAMPLES = max(1, int(12 * float(os.environ.get("SCHEMATHESIS_EXAMPLES", "1"))))
CASES: dict[str, int] = {}


async def _seed(db_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{db_path}")
    try:
        await upgrade(engine)
        await team_with_members(create_session_factory(engine), "19:api@thread.tacv2", range(1, 6))
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def admin_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServedApp, Path]]:
    db_path = tmp_path_factory.mktemp("schemathesis") / "admin.db"
    asyncio.run(_seed(db_path))
    settings_ = make_settings(
        db_path,
        BOT_ADMIN_TOKEN=TOKEN,
        BOT_BACKGROUND_WORKERS=False,
        BOT_ADMIN_RATE_PER_MINUTE=100_000,
        BOT_ADMIN_FAILED_AUTH_PER_MINUTE=100_000,
    )
    served = ServedApp(create_app(settings_)).start()
    try:
        yield served, db_path
    finally:
        served.stop()
        print("\nschemathesis cases run:", CASES)


@pytest.fixture(scope="module")
def admin_schema(admin_server: tuple[ServedApp, Path]) -> Any:
    served, _ = admin_server
    # The token is added to every call here; schemathesis leaving it out on purpose ("negative"
    # security parameters) would only test the rate limit's and the 401 path's cousin below.
    config = schemathesis.config.SchemathesisConfig.from_dict(
        {"generation": {"with-security-parameters": False}}
    )
    return schemathesis.openapi.from_url(f"{served.url}/admin/openapi.json", config=config)


# A body can be valid by the document and still name a unit or prompt that does not exist (or a
# prompt that is not active), repeat an id within one import, or an X-Trivselsbot-As header can
# name someone who is not an HR administrator: no schema can say which ids exist, who is HR, or
# that items are unique by one field, so such a 400 is right. Only then is the check
# "schema-valid requests are accepted" left out; every other check still runs.
# A CSV body (the baselines import) is a string to the document: which of its lines are right
# (known units and dimensions, a score on the stated scale, no line twice) no schema can say.
REFERENCE_ISSUES = {
    "invalid_baseline",
    "unknown_unit",
    "unknown_prompt",
    "not_active",
    "no_active_prompt",
    "duplicate_id",
    "not_hr",
    # The question bank: an import is checked against the bank it joins (an asked item keeps its
    # meaning, one active short-form item per dimension, one follow-up, enough to rotate), and a
    # template names items that must be in it and active; no schema knows what is there.
    "unknown_item",
    "asked_item_changed",
    "one_active_per_place",
    "rotation_too_small",
    "short_form_incomplete",
    "template_not_askable",
}


def _refers_to_what_is_not_there(response: Any) -> bool:
    issues = response.json().get("issues") or [{}]
    return all(issue.get("code") in REFERENCE_ISSUES for issue in issues)


# schemathesis' own pytest integration (from_fixture) does not run on pytest 9; its strategies
# are driven by hypothesis here instead, one test per operation and generation mode.
LABELS = [f"{route.method} {route.path}" for route in ROUTES]
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)


# Only operations with a query or a body can be sent something the document forbids (their path
# parameters are any string): the others get valid requests only.
MODES = [
    (f"{route.method} {route.path}", mode)
    for route in ROUTES
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode is GenerationMode.POSITIVE or route.query or route.request
]


@pytest.mark.parametrize(("label", "mode"), MODES)
def test_every_operation_conforms_to_the_document(
    label: str, mode: GenerationMode, admin_schema: Any, admin_server: Any
) -> None:
    served, _ = admin_server
    operation = admin_schema.find_operation_by_label(label)
    assert operation is not None, label

    @SETTINGS
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: Any) -> None:
        CASES[f"with token, {mode.value}"] = CASES.get(f"with token, {mode.value}", 0) + 1
        response = case.call(base_url=served.url, headers=AUTH)
        excluded = []
        if response.status_code == 400 and _refers_to_what_is_not_there(response):
            excluded = [positive_data_acceptance]
        case.validate_response(
            response,
            excluded_checks=excluded,
            headers=AUTH,
            transport_kwargs={"base_url": served.url, "headers": AUTH},
        )

    check()


@pytest.mark.parametrize("label", LABELS)
def test_without_the_token_every_operation_is_401_and_changes_nothing(
    label: str, admin_schema: Any, admin_server: Any
) -> None:
    served, db_path = admin_server
    operation = admin_schema.find_operation_by_label(label)
    before = tables(db_path)

    @settings(SETTINGS, max_examples=max(2, EXAMPLES // 3))
    @given(case=operation.as_strategy())
    def check(case: Any) -> None:
        CASES["without token"] = CASES.get("without token", 0) + 1
        for headers in ({}, {"Authorization": "Bearer " + "x" * len(TOKEN)}):
            response = case.call(base_url=served.url, headers=headers)
            assert response.status_code in (401, 404), (response.status_code, response.text)
            if response.status_code == 401:
                (challenge,) = response.headers["www-authenticate"]  # lowercase keys, lists
                assert challenge.startswith("Bearer")

    check()
    assert tables(db_path) == before
