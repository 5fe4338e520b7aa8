"""Configuration: wrong settings stop start-up with one line that names the setting."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.settings import ConfigurationError, load_settings

SECRET = "Zq4-production-secret-0123456789-abcdefXY"
CREDS = {"MicrosoftAppId": "app", "MicrosoftAppPassword": "pw", "MicrosoftAppTenantId": "t"}


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


# --- dev mode never meets real people (issue 13) --------------------------------------------------


@pytest.mark.parametrize(
    "credentials",
    [{"MicrosoftAppId": "app"}, {"MicrosoftAppPassword": "pw"}, CREDS],
    ids=["app id", "password", "all credentials"],
)
def test_dev_mode_with_credentials_is_refused(
    monkeypatch: pytest.MonkeyPatch, credentials: dict[str, str]
) -> None:
    """Dev mode with real credentials used to run with the public built-in secret, every person
    as HR (BOT_DEMO_ALL_ROLES) and no send cap, against the real tenant."""
    message = error_for(
        monkeypatch, BOT_DEV_MODE="true", BOT_ANONYMITY_SECRET=SECRET, **credentials
    )
    assert "BOT_DEV_MODE" in message and "unset BOT_DEV_MODE" in message


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.1.2.3", "bot.example.dk", "192.168.0.1"])
def test_dev_mode_on_a_non_loopback_address_is_refused(
    monkeypatch: pytest.MonkeyPatch, host: str
) -> None:
    message = error_for(monkeypatch, BOT_DEV_MODE="true", BOT_HOST=host)
    assert f"BOT_HOST={host}" in message and "127.0.0.1" in message
    message = error_for(monkeypatch, BOT_DEV_MODE="true", BOT_HOST="127.0.0.1", BOT_ADMIN_HOST=host)
    assert f"BOT_ADMIN_HOST={host}" in message


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_dev_mode_on_loopback_is_accepted(monkeypatch: pytest.MonkeyPatch, host: str) -> None:
    monkeypatch.setenv("BOT_DEV_MODE", "true")
    monkeypatch.setenv("BOT_HOST", host)
    assert load_settings().host == host


def test_the_cli_refuses_dev_mode_on_every_interface(tmp_path) -> None:
    """`trivselsbot run --host 0.0.0.0` in dev mode: one line, exit 2, nothing listens."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--host", "0.0.0.0"],
        env={"PATH": "/usr/bin:/bin", "BOT_DEV_MODE": "true"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith(
        "Invalid configuration: BOT_DEV_MODE=true with BOT_HOST"
    )
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_built_in_secret_is_refused_outside_dev_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.settings import DEV_ONLY_SECRET

    message = error_for(monkeypatch, BOT_ANONYMITY_SECRET=DEV_ONLY_SECRET, **CREDS)
    assert "built-in" in message and "secrets.token_urlsafe" in message


@pytest.mark.parametrize(
    "secret",
    ["a" * 64, "ab" * 32, "012345678" * 5, "short-but-varied-1234"],
    ids=["one character", "two characters", "nine digits", "shorter than 32"],
)
def test_weak_secrets_are_refused_outside_dev_mode(
    monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    message = error_for(monkeypatch, BOT_ANONYMITY_SECRET=secret, **CREDS)
    assert message.startswith("Invalid configuration: BOT_ANONYMITY_SECRET")
    assert "secrets.token_urlsafe" in message


def test_a_random_secret_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    import secrets

    from tests.conftest import TEST_SECRET

    for secret in (secrets.token_urlsafe(32), secrets.token_hex(16), TEST_SECRET):
        monkeypatch.setenv("BOT_ANONYMITY_SECRET", secret)
        for key, value in CREDS.items():
            monkeypatch.setenv(key, value)
        assert load_settings().anonymity_secret.get_secret_value() == secret


def test_the_database_password_is_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not in the settings' repr (a traceback or a debug log), not in the dev banner."""
    from bot.process.dev_runner import banner
    from bot.settings import mask_url

    url = "postgresql+asyncpg://bot:S3cret-pw%40x@db.internal:5432/trivsel"
    monkeypatch.setenv("BOT_DEV_MODE", "true")
    monkeypatch.setenv("BOT_DATABASE_URL", url)
    settings = load_settings()
    assert settings.database_url == url
    for shown in (repr(settings), str(settings), settings.masked_database_url, banner(1, 2, url)):
        assert "S3cret" not in shown
    assert "postgresql+asyncpg://bot:***@db.internal:5432/trivsel" in banner(1, 2, url)
    assert mask_url("not a url at all :// x") == "<database URL not shown>"


def test_admin_address_settings_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "BOT_ADMIN_PORT must differ" in error_for(
        monkeypatch, BOT_DEV_MODE="true", BOT_PORT="4000", BOT_ADMIN_PORT="4000"
    )
    monkeypatch.delenv("BOT_ADMIN_PORT")
    assert "BOT_ADMIN_HOST needs BOT_ADMIN_PORT" in error_for(
        monkeypatch, BOT_DEV_MODE="true", BOT_ADMIN_HOST="127.0.0.1"
    )
    message = error_for(monkeypatch, BOT_DEV_MODE="true", BOT_ADMIN_TRUSTED_PROXIES="10.0.0.1, x")
    assert "BOT_ADMIN_TRUSTED_PROXIES" in message and "'x'" in message
    monkeypatch.delenv("BOT_ADMIN_HOST")
    monkeypatch.setenv("BOT_ADMIN_TRUSTED_PROXIES", "10.0.0.1, fd00::/8")
    assert load_settings().admin_trusted_proxies == ["10.0.0.1", "fd00::/8"]


def test_a_guessable_admin_token_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    message = error_for(monkeypatch, BOT_DEV_MODE="true", BOT_ADMIN_TOKEN="ab" * 20)
    assert message.startswith("Invalid configuration: BOT_ADMIN_TOKEN: has fewer than 10")


@pytest.mark.parametrize(
    "url",
    ["postgresql+asyncpg://bot:S3cret@db:notaport/x", "postgresql+asyncpg://bot:S3c@ret@db/x"],
    ids=["bad port", "unencoded @"],
)
def test_a_malformed_database_url_is_refused_without_echoing_it(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    """SQLAlchemy's own error (at the first connection) quotes the whole URL, password and all;
    and an unencoded @ in the password would leave part of it outside the masked field."""
    message = error_for(monkeypatch, BOT_DEV_MODE="true", BOT_DATABASE_URL=url)
    assert message.startswith("Invalid configuration: BOT_DATABASE_URL:")
    assert "S3c" not in message
