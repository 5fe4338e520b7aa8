"""Configuration: wrong settings stop start-up with one line that names the setting."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.settings import ConfigurationError, load_settings

SECRET = "s" * 40


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for key in (
        "MicrosoftAppId",
        "MicrosoftAppPassword",
        "MicrosoftAppType",
        "MicrosoftAppTenantId",
    ):
        monkeypatch.delenv(key, raising=False)
    for key in list(__import__("os").environ):
        if key.startswith("BOT_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)  # no stray .env


def error_for(monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigurationError) as raised:
        load_settings()
    message = str(raised.value)
    assert "\n" not in message
    return message


def test_defaults_in_dev_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_DEV_MODE", "true")
    settings = load_settings()
    assert settings.min_group_size == 5
    assert settings.app_type == "SingleTenant"
    assert settings.database_url == "sqlite+aiosqlite:///./data/trivselsbot.db"
    assert settings.default_language == "da"
    assert not settings.authentication_enabled


def test_the_comment_threshold_defaults_to_seven(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_DEV_MODE", "true")
    assert load_settings().min_comment_group_size == 7
    monkeypatch.setenv("BOT_MIN_GROUP_SIZE", "8")
    monkeypatch.setenv("BOT_MIN_COMMENT_GROUP_SIZE", "8")  # equal to k is allowed
    assert load_settings().min_comment_group_size == 8


def test_a_comment_threshold_below_k_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    message = error_for(monkeypatch, BOT_DEV_MODE="true", BOT_MIN_COMMENT_GROUP_SIZE="4")
    assert message.startswith(
        "Invalid configuration: BOT_MIN_COMMENT_GROUP_SIZE (4) must be at least "
        "BOT_MIN_GROUP_SIZE (5)"
    )


def test_raising_k_above_the_default_comment_threshold_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    message = error_for(monkeypatch, BOT_DEV_MODE="true", BOT_MIN_GROUP_SIZE="9")
    assert "BOT_MIN_COMMENT_GROUP_SIZE (7) must be at least BOT_MIN_GROUP_SIZE (9)" in message


def test_no_credentials_without_dev_mode_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    message = error_for(monkeypatch, BOT_ANONYMITY_SECRET=SECRET)
    assert "MicrosoftAppId" in message and "BOT_DEV_MODE" in message


def test_k_below_three_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    message = error_for(monkeypatch, BOT_DEV_MODE="true", BOT_MIN_GROUP_SIZE="2")
    assert message.startswith("Invalid configuration: BOT_MIN_GROUP_SIZE:")
    assert "at least 3" in message


def test_single_tenant_needs_tenant_id(monkeypatch: pytest.MonkeyPatch) -> None:
    message = error_for(
        monkeypatch, MicrosoftAppId="app", MicrosoftAppPassword="pw", BOT_ANONYMITY_SECRET=SECRET
    )
    assert "MicrosoftAppTenantId" in message


def test_password_required(monkeypatch: pytest.MonkeyPatch) -> None:
    message = error_for(monkeypatch, MicrosoftAppId="app", BOT_ANONYMITY_SECRET=SECRET)
    assert "MicrosoftAppPassword" in message


def test_bad_app_type_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    message = error_for(monkeypatch, BOT_DEV_MODE="true", MicrosoftAppType="Anything")
    assert "MicrosoftAppType" in message


def test_anonymity_secret_required_and_long(monkeypatch: pytest.MonkeyPatch) -> None:
    creds = {"MicrosoftAppId": "app", "MicrosoftAppPassword": "pw", "MicrosoftAppTenantId": "t"}
    assert "BOT_ANONYMITY_SECRET" in error_for(monkeypatch, **creds)
    assert "at least 32" in error_for(monkeypatch, BOT_ANONYMITY_SECRET="short")


def test_production_credentials_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {
        "MicrosoftAppId": "app",
        "MicrosoftAppPassword": "pw",
        "MicrosoftAppTenantId": "t",
        "BOT_ANONYMITY_SECRET": SECRET,
        "BOT_HR_ADMINS": "aad-1, aad-2",
    }.items():
        monkeypatch.setenv(key, value)
    settings = load_settings()
    assert settings.authentication_enabled
    assert settings.hr_admins == ["aad-1", "aad-2"]


def test_unknown_database_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    message = error_for(monkeypatch, BOT_DEV_MODE="true", BOT_DATABASE_URL="mysql://x")
    assert "BOT_DATABASE_URL" in message


def test_demo_roles_only_in_dev_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    creds = {"MicrosoftAppId": "app", "MicrosoftAppPassword": "pw", "MicrosoftAppTenantId": "t"}
    message = error_for(
        monkeypatch, BOT_ANONYMITY_SECRET=SECRET, BOT_DEMO_ALL_ROLES="true", **creds
    )
    assert "BOT_DEMO_ALL_ROLES" in message


def test_dotenv_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    (tmp_path / ".env").write_text("BOT_DEV_MODE=true\nBOT_MIN_GROUP_SIZE=7\n")
    assert load_settings().min_group_size == 7


def test_cli_refuses_to_start_with_one_clear_line(tmp_path) -> None:
    env = {"PATH": "/usr/bin:/bin", "BOT_DEV_MODE": "true", "BOT_MIN_GROUP_SIZE": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Invalid configuration: BOT_MIN_GROUP_SIZE: must be at least 3: smaller groups make "
        "single answers traceable"
    )


def test_cli_dev_mode_says_so_loudly(tmp_path) -> None:
    """Start for real in dev mode and read the banner; stopped by its own pid."""
    import os
    import signal
    import time

    from tests.support.mock_connector import free_port

    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "BOT_DEV_MODE": "true",
        "BOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        seen = ""
        while time.monotonic() < deadline and "listening" not in seen:
            line = process.stderr.readline()
            if not line:
                break
            seen += line
        assert "DEV MODE" in seen and "NOT authenticated" in seen
        assert "listening" in seen
    finally:
        os.kill(process.pid, signal.SIGINT)
        process.wait(timeout=20)
    assert process.returncode == 0
