"""Configuration, read once at start-up from the environment (and an optional .env file)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from storage.quiet_hours import WorkingHours
from storage.retention import RetentionPolicy

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/trivselsbot.db"
# Only ever used with BOT_DEV_MODE=true; start-up refuses it otherwise.
DEV_ONLY_SECRET = "dev-only-secret-never-use-in-production-0123456789"


class ConfigurationError(Exception):
    """Raised with one line that names the setting and says what to do."""


class Settings(BaseSettings):
    """Every setting of the bot. Microsoft's standard names for credentials, BOT_* for our own."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    database_url: str = Field(DEFAULT_DATABASE_URL, validation_alias="BOT_DATABASE_URL")
    app_id: str = Field("", validation_alias="MicrosoftAppId")
    app_password: SecretStr = Field(SecretStr(""), validation_alias="MicrosoftAppPassword")
    app_type: Literal["SingleTenant", "MultiTenant", "UserAssignedMSI"] = Field(
        "SingleTenant", validation_alias="MicrosoftAppType"
    )
    app_tenant_id: str = Field("", validation_alias="MicrosoftAppTenantId")
    # Where the bot's outbound token comes from (Entra ID); tests point it at a local mock.
    login_authority: str = Field(
        "https://login.microsoftonline.com/", validation_alias="BOT_LOGIN_AUTHORITY"
    )
    anonymity_secret: SecretStr = Field(SecretStr(""), validation_alias="BOT_ANONYMITY_SECRET")
    min_group_size: int = Field(5, validation_alias="BOT_MIN_GROUP_SIZE")
    dev_mode: bool = Field(False, validation_alias="BOT_DEV_MODE")
    demo_all_roles: bool = Field(False, validation_alias="BOT_DEMO_ALL_ROLES")
    hr_admins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias="BOT_HR_ADMINS"
    )
    host: str = Field("127.0.0.1", validation_alias="BOT_HOST")
    port: int = Field(3978, ge=1, le=65535, validation_alias="BOT_PORT")
    default_language: Literal["da", "en"] = Field("da", validation_alias="BOT_DEFAULT_LANGUAGE")
    pulse_open_days: int = Field(5, ge=1, le=30, validation_alias="BOT_PULSE_OPEN_DAYS")
    pulse_reminder_hours: int = Field(
        24, ge=0, le=24 * 14, validation_alias="BOT_PULSE_REMINDER_HOURS"
    )
    prompt_open_days: int = Field(7, ge=1, le=30, validation_alias="BOT_PROMPT_OPEN_DAYS")
    # Quiet hours (storage/quiet_hours.py): pushes, reminders and closing notes land only on
    # working days within these Copenhagen hours, HH:MM-HH:MM; "always" turns them off (the demo).
    working_hours: str = Field("08:00-16:00", validation_alias="BOT_WORKING_HOURS")
    # Bearer token for /admin/ (HR's API); empty: the admin API is off and answers 404.
    admin_token: SecretStr = Field(SecretStr(""), validation_alias="BOT_ADMIN_TOKEN")
    # Calls per minute per client address (bot/admin_rate_limit.py); a missing or wrong token
    # counts as 10 calls. Failed token attempts from all addresses together: at most this many.
    admin_rate_per_minute: int = Field(
        120, ge=1, le=100_000, validation_alias="BOT_ADMIN_RATE_PER_MINUTE"
    )
    admin_failed_auth_per_minute: int = Field(
        30, ge=1, le=100_000, validation_alias="BOT_ADMIN_FAILED_AUTH_PER_MINUTE"
    )
    scheduler_interval_seconds: float = Field(
        30.0, gt=0, le=3600, validation_alias="BOT_SCHEDULER_INTERVAL_SECONDS"
    )
    outbox_poll_seconds: float = Field(1.0, gt=0, le=60, validation_alias="BOT_OUTBOX_POLL_SECONDS")
    # Proactive delivery (bot/outbox_worker.py). Teams allows about 30 requests/s per app per
    # tenant; more than that is refused outside dev mode (where tests and benchmarks use a mock).
    send_rate_per_second: float = Field(
        25.0, gt=0, le=2000, validation_alias="BOT_SEND_RATE_PER_SECOND"
    )
    send_concurrency: int = Field(8, ge=1, le=32, validation_alias="BOT_SEND_CONCURRENCY")
    send_timeout_seconds: float = Field(
        10.0, gt=0, le=120, validation_alias="BOT_SEND_TIMEOUT_SECONDS"
    )
    send_retry_base_seconds: float = Field(
        2.0, gt=0, le=600, validation_alias="BOT_SEND_RETRY_BASE_SECONDS"
    )
    send_throttle_pause_seconds: float = Field(
        60.0, gt=0, le=3600, validation_alias="BOT_SEND_THROTTLE_PAUSE_SECONDS"
    )
    outbox_lease_seconds: float = Field(
        30.0, gt=0, le=600, validation_alias="BOT_OUTBOX_LEASE_SECONDS"
    )
    delivery_status_seconds: float = Field(
        5.0, gt=0, le=300, validation_alias="BOT_DELIVERY_STATUS_SECONDS"
    )
    # Retention (storage/retention.py): closed rounds with their counters, comments and
    # reflections, by whole months; participation hashes left past a round's close; delivery
    # records and people who left every team.
    retention_years: int = Field(5, ge=1, le=50, validation_alias="BOT_RETENTION_YEARS")
    participation_grace_hours: int = Field(
        24, ge=1, le=24 * 30, validation_alias="BOT_PARTICIPATION_GRACE_HOURS"
    )
    delivery_retention_days: int = Field(
        90, ge=31, le=3650, validation_alias="BOT_DELIVERY_RETENTION_DAYS"
    )
    retention_interval_seconds: float = Field(
        6 * 3600.0, gt=0, le=7 * 24 * 3600, validation_alias="BOT_RETENTION_INTERVAL_SECONDS"
    )
    background_workers: bool = Field(True, validation_alias="BOT_BACKGROUND_WORKERS")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", validation_alias="BOT_LOG_LEVEL"
    )

    @field_validator("admin_token")
    @classmethod
    def _admin_token_long_enough(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value()
        if token and (len(token) < 32 or token != token.strip()):
            raise ValueError("must be at least 32 characters without surrounding spaces, or empty")
        return value

    @field_validator("min_group_size")
    @classmethod
    def _k_at_least_three(cls, value: int) -> int:
        if value < 3:
            raise ValueError("must be at least 3: smaller groups make single answers traceable")
        return value

    @field_validator("working_hours")
    @classmethod
    def _working_hours(cls, value: str) -> str:
        return str(WorkingHours.parse(value))

    @field_validator("hr_admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("login_authority")
    @classmethod
    def _authority_over_https(cls, value: str) -> str:
        local = value.startswith(("http://127.0.0.1:", "http://localhost:"))
        if not (value.startswith("https://") or local):
            raise ValueError("must be an https:// URL (http only for 127.0.0.1 or localhost)")
        return value

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "use sqlite+aiosqlite:///path/to/file.db or postgresql+asyncpg://user:pw@host/db"
            )
        return value

    @model_validator(mode="after")
    def _credentials_or_dev_mode(self) -> Settings:
        if not self.app_id:
            if not self.dev_mode:
                raise ValueError(
                    "MicrosoftAppId is empty: set the bot's credentials, or BOT_DEV_MODE=true "
                    "for local development without authentication"
                )
        else:
            if self.app_type != "UserAssignedMSI" and not self.app_password.get_secret_value():
                raise ValueError(
                    f"MicrosoftAppPassword is required when MicrosoftAppType={self.app_type}"
                )
            if self.app_type in ("SingleTenant", "UserAssignedMSI") and not self.app_tenant_id:
                raise ValueError(
                    f"MicrosoftAppTenantId is required when MicrosoftAppType={self.app_type}"
                )
        secret = self.anonymity_secret.get_secret_value()
        if not secret:
            if not self.dev_mode:
                raise ValueError(
                    "BOT_ANONYMITY_SECRET is empty: set a random value of at least 32 characters "
                    "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
                )
            self.anonymity_secret = SecretStr(DEV_ONLY_SECRET)
        elif len(secret) < 32:
            raise ValueError("BOT_ANONYMITY_SECRET must be at least 32 characters long")
        if self.send_rate_per_second > 30 and not self.dev_mode:
            raise ValueError(
                "BOT_SEND_RATE_PER_SECOND above 30 would exceed what Teams allows per app per "
                "tenant (only a mock connector in dev mode may take more)"
            )
        if self.outbox_lease_seconds < 2 * self.send_timeout_seconds + 1:
            raise ValueError(
                "BOT_OUTBOX_LEASE_SECONDS must be more than twice BOT_SEND_TIMEOUT_SECONDS, so a "
                "send started under a lease ends before another worker may take it over"
            )
        if self.demo_all_roles and not self.dev_mode:
            raise ValueError(
                "BOT_DEMO_ALL_ROLES=true is only allowed together with BOT_DEV_MODE=true"
            )
        return self

    @property
    def quiet_hours(self) -> WorkingHours:
        """The send-time policy every service that messages people is built with."""
        return WorkingHours.parse(self.working_hours)

    @property
    def retention_policy(self) -> RetentionPolicy:
        return RetentionPolicy(
            years=self.retention_years,
            participation_grace=timedelta(hours=self.participation_grace_hours),
            delivery_days=self.delivery_retention_days,
        )

    @property
    def authentication_enabled(self) -> bool:
        """Empty app id turns off the SDK's authentication entirely: only ever in dev mode."""
        return bool(self.app_id)


_ALIASES = {
    name: (field.validation_alias if isinstance(field.validation_alias, str) else name)
    for name, field in Settings.model_fields.items()
}


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning pydantic's report into one line that names the setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        location = ".".join(str(part) for part in first["loc"])
        setting = _ALIASES.get(location, location)
        message = first["msg"].removeprefix("Value error, ")
        if setting:
            raise ConfigurationError(f"Invalid configuration: {setting}: {message}") from None
        raise ConfigurationError(f"Invalid configuration: {message}") from None
