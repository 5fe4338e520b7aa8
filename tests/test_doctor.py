"""`trivselsbot doctor`: a production configuration passes every check, and each check fails on its
own when only its part is wrong, with a line that says what to do.

The bot's own token comes from a local stand-in for Entra ID (tests/support/mock_token.py) on
127.0.0.1; the database is a real SQLite file migrated with the app's own migrations; the package is
built by the same code as `make package`.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic import command

from bot.operations.doctor import CHECK_NAMES, Status, run_checks
from bot.settings import DEV_ONLY_SECRET
from manifest.build import build_package
from storage.db.engine import create_engine
from storage.db.migrate import alembic_config, upgrade
from tests.support.mock_connector import free_port
from tests.support.mock_token import MockTokenEndpoint

APP_ID = "0f3b7c2e-5a41-4d7e-9c1a-6b2d8e4f1a90"
OTHER_APP_ID = "9a3b7c2e-5a41-4d7e-9c1a-6b2d8e4f1a91"
TENANT = "11111111-2222-3333-4444-555555555555"
PUBLIC_URL = "https://trivsel.example.org"
SECRET = "Zq4-production-secret-0123456789-abcdefXY"
ADMIN_TOKEN = "hr-admin-token-0123456789-abcdefghijkLMN"


@pytest.fixture
async def token_endpoint() -> AsyncIterator[MockTokenEndpoint]:
    mock = await MockTokenEndpoint().start()
    yield mock
    await mock.stop()


@pytest.fixture
async def production(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, token_endpoint: MockTokenEndpoint
) -> dict[str, str]:
    """A configuration fit to go live: every variable in the environment, nothing from a .env."""
    for key in list(os.environ):
        if key.startswith(("BOT_", "Microsoft")):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    database = tmp_path / "bot.db"
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    await upgrade(engine)
    await engine.dispose()
    env = {
        "MicrosoftAppId": APP_ID,
        "MicrosoftAppPassword": token_endpoint.password,
        "MicrosoftAppTenantId": TENANT,
        "BOT_LOGIN_AUTHORITY": token_endpoint.authority,
        "BOT_ANONYMITY_SECRET": SECRET,
        "BOT_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "BOT_PUBLIC_URL": PUBLIC_URL,
        "BOT_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    build_package(APP_ID, tmp_path / "trivselsbot.zip", public_url=PUBLIC_URL)
    return env


def failing(results: list) -> dict[str, str]:
    return {result.name: result.line() for result in results if not result.passed}


async def test_a_production_configuration_passes_every_check(
    production: dict[str, str], tmp_path: Path, token_endpoint: MockTokenEndpoint
) -> None:
    results = await run_checks(tmp_path / "trivselsbot.zip")
    assert [result.name for result in results] == list(CHECK_NAMES)
    assert failing(results) == {}, failing(results)
    lines = [result.line() for result in results]
    assert any("obtained from 127.0.0.1" in line and "valid 60 min" in line for line in lines)
    assert any(f"{PUBLIC_URL}/api/messages" in line for line in lines)
    # The token was asked for as the bot asks: client credentials, for the configured tenant.
    assert token_endpoint.grants[-1]["tenant"] == TENANT
    assert token_endpoint.grants[-1]["client_id"] == APP_ID
    # No secret is ever printed.
    assert not any(SECRET in line or ADMIN_TOKEN in line for line in lines)


async def _downgrade(database_url: str, revision: str) -> None:
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(
            lambda sync: command.downgrade(alembic_config(sync), revision)  # noqa: B023
        )
    await engine.dispose()


def _package_for(tmp_path: Path, app_id: str, public_url: str) -> None:
    build_package(app_id, tmp_path / "trivselsbot.zip", public_url=public_url)


CASES = {
    "database file missing": (
        "database",
        {"BOT_DATABASE_URL": "sqlite+aiosqlite:///{tmp}/nowhere/bot.db"},
        "the file does not exist -> run `trivselsbot migrate`",
    ),
    "database unreachable": (
        "database",
        {"BOT_DATABASE_URL": "postgresql+asyncpg://bot:pw@127.0.0.1:{port}/bot"},
        "does not answer",
    ),
    "weak secret": (
        "anonymity secret",
        {"BOT_ANONYMITY_SECRET": "a" * 40},
        "fewer than 10 distinct characters",
    ),
    "built-in secret": (
        "anonymity secret",
        {"BOT_ANONYMITY_SECRET": DEV_ONLY_SECRET},
        "built-in dev-mode secret",
    ),
    "wrong client secret": (
        "bot token",
        {"MicrosoftAppPassword": "an-old-expired-secret"},
        "refused the client secret (token endpoint: 401 invalid_client) -> check MicrosoftAppId",
    ),
    "login authority unreachable": (
        "bot token",
        {"BOT_LOGIN_AUTHORITY": "http://127.0.0.1:{port}/"},
        "could not be reached (token endpoint: ClientConnectorError) -> allow outbound https",
    ),
    "no public URL": ("public endpoint", {"BOT_PUBLIC_URL": ""}, "BOT_PUBLIC_URL is not set"),
    "package for another host": (
        "public endpoint",
        {"BOT_PUBLIC_URL": "https://bot.other.example"},
        "the package names ['trivsel.example.org'], BOT_PUBLIC_URL names ['bot.other.example']",
    ),
    "guessable admin token": (
        "admin token",
        {"BOT_ADMIN_TOKEN": "ab" * 20},
        "fewer than 10 distinct characters",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_each_check_fails_on_its_own(
    case: str, production: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    name, env, expected = CASES[case]
    for key, value in env.items():
        monkeypatch.setenv(key, value.format(tmp=tmp_path, port=free_port()))
    results = await run_checks(tmp_path / "trivselsbot.zip")
    assert list(failing(results)) == [name], failing(results)
    assert expected in failing(results)[name]


async def test_a_database_behind_the_release_says_to_migrate(
    production: dict[str, str], tmp_path: Path
) -> None:
    await _downgrade(production["BOT_DATABASE_URL"], "0009")
    results = await run_checks(tmp_path / "trivselsbot.zip")
    assert list(failing(results)) == ["database"]
    assert "at revision 0009, this release needs" in failing(results)["database"]
    assert "-> run `trivselsbot migrate`" in failing(results)["database"]


async def test_a_package_for_another_app_or_none_at_all_is_found(
    production: dict[str, str], tmp_path: Path
) -> None:
    _package_for(tmp_path, OTHER_APP_ID, PUBLIC_URL)
    results = await run_checks(tmp_path / "trivselsbot.zip")
    assert list(failing(results)) == ["public endpoint"]
    assert (
        f"is for app {OTHER_APP_ID}, the bot runs as {APP_ID}"
        in failing(results)["public endpoint"]
    )
    results = await run_checks(tmp_path / "missing.zip")
    assert "no app package at" in failing(results)["public endpoint"]


async def test_invalid_settings_fail_first_and_the_rest_is_not_checked(
    production: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BOT_SEND_RATE_PER_SECOND", "100")
    results = await run_checks(tmp_path / "trivselsbot.zip")
    assert results[0].status is Status.FAIL
    assert "BOT_SEND_RATE_PER_SECOND" in results[0].line()
    assert {result.status for result in results[1:]} == {Status.SKIPPED}
    monkeypatch.delenv("BOT_SEND_RATE_PER_SECOND")
    monkeypatch.setenv("BOT_DEV_MODE", "true")
    for key in ("MicrosoftAppId", "MicrosoftAppPassword"):
        monkeypatch.delenv(key)
    results = await run_checks(tmp_path / "trivselsbot.zip")
    assert (
        "BOT_DEV_MODE=true: incoming requests are not authenticated" in failing(results)["settings"]
    )


async def test_the_command_prints_one_line_per_check_and_exits_1_on_a_failure(
    production: dict[str, str], tmp_path: Path
) -> None:
    """The real command in its own process, against the same stand-in for Entra ID."""
    trivselsbot = Path(sys.executable).with_name("trivselsbot")

    async def doctor(**env: str) -> tuple[int, list[str]]:
        process = await asyncio.create_subprocess_exec(
            str(trivselsbot),
            "doctor",
            "--package",
            str(tmp_path / "trivselsbot.zip"),
            env={**os.environ, **env},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, _err = await asyncio.wait_for(process.communicate(), 60)
        return process.returncode or 0, out.decode().splitlines()

    code, lines = await doctor()
    assert code == 0, lines
    assert len(lines) == len(CHECK_NAMES) + 1 and lines[-1] == "7 of 7 checks passed"
    code, lines = await doctor(BOT_ADMIN_TOKEN="short")
    assert code == 1
    assert [line.split("]")[0] for line in lines[:-1]] == ["[ok"] * 6 + ["[FAIL"]
