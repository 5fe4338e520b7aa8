"""The deployment files, checked as far as this machine can (no container engine runs here).

What is checked: the systemd unit with `systemd-analyze verify`; the image's HEALTHCHECK command,
run as written against a real bot and against nothing; the Dockerfile's non-root user and the
packages it copies against pyproject's; the compose file's environment as the bot's own settings
read it (a configuration that start-up would refuse fails here). What is not: building the image
and running the compose file (docs/deployment.md says so too).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from aiohttp import web

from bot.app import create_app
from bot.settings import load_settings
from tests.conftest import make_settings
from tests.support.mock_connector import free_port

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def test_the_systemd_unit_is_valid(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    unit = (ROOT / "deploy" / "trivselsbot.service").read_text()
    # The unit names the installed path; here the command is the checkout's own.
    unit = unit.replace(
        "/opt/trivselsbot/bin/trivselsbot", str(Path(sys.executable).parent / "trivselsbot")
    )
    (tmp_path / "trivselsbot.service").write_text(unit)
    done = subprocess.run(
        [analyze, "verify", str(tmp_path / "trivselsbot.service")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def health_check_command() -> list[str]:
    match = re.search(r"^HEALTHCHECK .*?\\\n\s+CMD (\[.*\])$", DOCKERFILE, re.MULTILINE)
    assert match, "the Dockerfile has a HEALTHCHECK with an exec-form CMD"
    command: list[str] = json.loads(match.group(1))
    return command


async def test_the_image_health_check_asks_healthz(db_path: Path) -> None:
    """The exact command of the Dockerfile's HEALTHCHECK: 0 against a running bot, 1 without."""
    import asyncio

    command = health_check_command()
    assert command[0] == "python"
    port = free_port()
    settings = make_settings(db_path, BOT_BACKGROUND_WORKERS=False, BOT_PORT=port)
    runner = web.AppRunner(create_app(settings))
    await runner.setup()

    async def check(env_port: int) -> int:
        process = await asyncio.create_subprocess_exec(
            sys.executable, *command[1:], env={"BOT_PORT": str(env_port)}
        )
        return await asyncio.wait_for(process.wait(), 30)

    try:
        await web.TCPSite(runner, "127.0.0.1", port).start()
        assert await check(port) == 0
    finally:
        await runner.cleanup()
    assert await check(port) == 1


def test_the_image_runs_as_its_own_user_and_holds_every_package() -> None:
    assert re.search(r"^USER trivselsbot:trivselsbot$", DOCKERFILE, re.MULTILINE)
    assert "--uid 10001" in DOCKERFILE
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = {p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    copied = set(re.findall(r"^COPY (\w+) \1$", DOCKERFILE, re.MULTILINE))
    assert copied == packages
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".env" in ignored and "*.db" in ignored  # no secret, no database in the image


def test_the_image_installs_the_tested_versions_from_the_runtime_lock() -> None:
    """No resolution at build time: the lock's exact, hashed versions, then the project alone."""
    run = " ".join(
        line.strip().rstrip("\\")
        for line in DOCKERFILE.split("RUN python -m venv", 1)[1].split("\n\n")[0].splitlines()
    )
    assert re.search(r"^COPY .*\brequirements-runtime\.lock\b", DOCKERFILE, re.MULTILINE)
    assert re.search(
        r"pip install [^&]*--require-hashes --no-deps\s+-r requirements-runtime\.lock", run
    )
    installs = re.findall(r"pip install ([^&]*)", run)
    assert all("--no-deps" in install for install in installs if "--upgrade pip" not in install)
    assert (ROOT / "requirements-runtime.lock").is_file()


def test_the_compose_file_is_a_configuration_the_bot_accepts() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "bot-1", "bot-2", "worker", "proxy"}
    assert services["worker"]["command"] == ["worker"]
    example = {}
    for line in (ROOT / "deploy" / "trivselsbot.env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            example[key] = value
    filled = {  # what an operator fills in
        **example,
        "MicrosoftAppId": "0f3b7c2e-5a41-4d7e-9c1a-6b2d8e4f1a90",
        "MicrosoftAppTenantId": "11111111-2222-3333-4444-555555555555",
        "MicrosoftAppPassword": "a-client-secret",
        "BOT_ANONYMITY_SECRET": "Zq4-production-secret-0123456789-abcdefXY",
    }
    for name in ("bot-1", "bot-2", "worker"):
        environment = {
            key: str(value).replace("${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}", "pw")
            for key, value in services[name]["environment"].items()
        }
        settings = load_settings(_env_file=None, **{**filled, **environment})
        assert settings.database_url.startswith("postgresql+asyncpg://trivselsbot:pw@postgres:")
        assert settings.metrics == "port" and settings.metrics_port == 9100
    assert services["worker"]["environment"]["HEALTH_PORT"] == "9100"  # the worker's /healthz
    assert "healthcheck" in services["postgres"]
    assert services["bot-1"]["depends_on"]["postgres"]["condition"] == "service_healthy"
