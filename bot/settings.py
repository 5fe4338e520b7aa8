"""Configuration, read once at start-up from the environment (and an optional .env file)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url

from bot.certificate import CertificateError, ClientCertificate, certificate_from
from storage.anonymity.secrets import AnonymitySecrets
from storage.calendar.quiet_hours import WorkingHours
from storage.comments import DEFAULT_MIN_COMMENT_GROUP_SIZE
from storage.privacy.retention import RetentionPolicy

if TYPE_CHECKING:
    from storage.db.engine import SessionFactory
    from storage.question_bank import QuestionBank
    from storage.results.summaries import Summaries

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/trivselsbot.db"
MESSAGING_PATH = "/api/messages"
# Only ever used with BOT_DEV_MODE=true; start-up refuses it otherwise.
DEV_ONLY_SECRET = "dev-only-secret-never-use-in-production-0123456789"
MIN_SECRET_LENGTH = 32
# "aaaa…" or "abababab…" is 32 characters long and guessable; a random value of 32 characters
# from any usual alphabet has far more than ten distinct characters.
MIN_SECRET_DISTINCT = 10
GENERATE_SECRET = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"


class ConfigurationError(Exception):
    """Raised with one line that names the setting and says what to do."""


class Settings(BaseSettings):
    """Every setting of the bot. Microsoft's standard names for credentials, BOT_* for our own."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    # repr=False: the URL may hold the database password; print `masked_database_url` instead.
    database_url: str = Field(DEFAULT_DATABASE_URL, validation_alias="BOT_DATABASE_URL", repr=False)
    app_id: str = Field("", validation_alias="MicrosoftAppId")
    app_password: SecretStr = Field(SecretStr(""), validation_alias="MicrosoftAppPassword")
    # A certificate instead of the client secret (bot/certificate.py): a PEM or PFX file,
    # or the same in the environment (PEM text, or base64 of a PFX as Key Vault gives it).
    app_certificate_path: str = Field("", validation_alias="BOT_APP_CERTIFICATE_PATH")
    app_certificate: SecretStr = Field(SecretStr(""), validation_alias="BOT_APP_CERTIFICATE")
    app_certificate_password: SecretStr = Field(
        SecretStr(""), validation_alias="BOT_APP_CERTIFICATE_PASSWORD"
    )
    app_type: Literal["SingleTenant", "MultiTenant", "UserAssignedMSI"] = Field(
        "SingleTenant", validation_alias="MicrosoftAppType"
    )
    app_tenant_id: str = Field("", validation_alias="MicrosoftAppTenantId")
    # Where the bot's outbound token comes from (Entra ID); tests point it at a local mock.
    login_authority: str = Field(
        "https://login.microsoftonline.com/", validation_alias="BOT_LOGIN_AUTHORITY"
    )
    # The https address Teams and people's browsers reach this bot at, e.g.
    # https://trivsel.kommune.dk: the Azure Bot's messaging endpoint is it + /api/messages, `make
    # package` names its host in the manifest, and the MED document's download links point here.
    # Empty: dev mode links to http://BOT_HOST:BOT_PORT; elsewhere the document button says to ask HR.
    public_url: str = Field("", validation_alias="BOT_PUBLIC_URL")
    anonymity_secret: SecretStr = Field(SecretStr(""), validation_alias="BOT_ANONYMITY_SECRET")
    # Rotation (storage/anonymity/secrets.py): the secret before BOT_ANONYMITY_SECRET, still
    # accepted for the rounds started under it until they close (`doctor` says when it can go).
    anonymity_secret_previous: SecretStr = Field(
        SecretStr(""), validation_alias="BOT_ANONYMITY_SECRET_PREVIOUS"
    )
    min_group_size: int = Field(5, validation_alias="BOT_MIN_GROUP_SIZE")
    # Comments and reflection texts are shown only from this many answers (storage/comments.py).
    min_comment_group_size: int = Field(
        DEFAULT_MIN_COMMENT_GROUP_SIZE, validation_alias="BOT_MIN_COMMENT_GROUP_SIZE"
    )
    dev_mode: bool = Field(False, validation_alias="BOT_DEV_MODE")
    demo_all_roles: bool = Field(False, validation_alias="BOT_DEMO_ALL_ROLES")
    hr_admins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias="BOT_HR_ADMINS"
    )
    host: str = Field("127.0.0.1", validation_alias="BOT_HOST")
    port: int = Field(3978, ge=1, le=65535, validation_alias="BOT_PORT")
    # The admin API on its own address (e.g. an internal interface the internet does not reach);
    # empty: /admin/ is served next to /api/messages on BOT_HOST:BOT_PORT.
    admin_host: str = Field("", validation_alias="BOT_ADMIN_HOST")
    admin_port: int | None = Field(None, ge=1, le=65535, validation_alias="BOT_ADMIN_PORT")
    # Reverse proxies in front of the admin API whose X-Forwarded-For is believed (addresses or
    # networks, comma-separated); empty: the connecting address is the client, whatever it says.
    admin_trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list, validation_alias="BOT_ADMIN_TRUSTED_PROXIES"
    )
    document_link_minutes: int = Field(5, ge=1, le=30, validation_alias="BOT_DOCUMENT_LINK_MINUTES")
    default_language: Literal["da", "en"] = Field("da", validation_alias="BOT_DEFAULT_LANGUAGE")
    pulse_open_days: int = Field(5, ge=1, le=30, validation_alias="BOT_PULSE_OPEN_DAYS")
    pulse_reminder_hours: int = Field(
        24, ge=0, le=24 * 14, validation_alias="BOT_PULSE_REMINDER_HOURS"
    )
    prompt_open_days: int = Field(7, ge=1, le=30, validation_alias="BOT_PROMPT_OPEN_DAYS")
    # Quiet hours (storage/calendar/quiet_hours.py): pushes, reminders and closing notes land only on
    # working days within these Copenhagen hours, HH:MM-HH:MM; "always" turns them off (the demo).
    working_hours: str = Field("08:00-16:00", validation_alias="BOT_WORKING_HOURS")
    # /metrics in Prometheus' format (bot/operations/metrics.py): "off"; "port" serves it alone on
    # BOT_METRICS_HOST:BOT_METRICS_PORT (an internal address), without a token; "admin" serves it
    # next to /admin/ behind BOT_ADMIN_TOKEN.
    metrics: Literal["off", "port", "admin"] = Field("off", validation_alias="BOT_METRICS")
    metrics_host: str = Field("", validation_alias="BOT_METRICS_HOST")
    metrics_port: int | None = Field(None, ge=1, le=65535, validation_alias="BOT_METRICS_PORT")
    # Bearer token for /admin/ (HR's API); empty: the admin API is off and answers 404.
    admin_token: SecretStr = Field(SecretStr(""), validation_alias="BOT_ADMIN_TOKEN")
    # Accepted too while clients move to BOT_ADMIN_TOKEN (rotation one replica at a time).
    admin_token_previous: SecretStr = Field(
        SecretStr(""), validation_alias="BOT_ADMIN_TOKEN_PREVIOUS"
    )
    # Calls per minute per client address (bot/admin/rate_limit.py); a missing or wrong token
    # counts as 10 calls. Failed token attempts from all addresses together beyond this many a
    # minute are answered slowly (a right token is never held back by them).
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
    # Proactive delivery (bot/delivery/outbox_worker.py). Teams allows about 30 requests/s per app per
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
    # Retention (storage/privacy/retention.py): closed rounds with their counters, comments and
    # reflections, by whole months; participation hashes left past a round's close; delivery
    # records and people who left every team.
    retention_years: int = Field(5, ge=1, le=50, validation_alias="BOT_RETENTION_YEARS")
    participation_grace_hours: int = Field(
        24, ge=1, le=24 * 30, validation_alias="BOT_PARTICIPATION_GRACE_HOURS"
    )
    delivery_retention_days: int = Field(
        90, ge=31, le=3650, validation_alias="BOT_DELIVERY_RETENTION_DAYS"
    )
    # The audit log (storage/privacy/audit.py): who looked at which results, kept this many days.
    audit_retention_days: int = Field(
        395, ge=90, le=3650, validation_alias="BOT_AUDIT_RETENTION_DAYS"
    )
    retention_interval_seconds: float = Field(
        6 * 3600.0, gt=0, le=7 * 24 * 3600, validation_alias="BOT_RETENTION_INTERVAL_SECONDS"
    )
    background_workers: bool = Field(True, validation_alias="BOT_BACKGROUND_WORKERS")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", validation_alias="BOT_LOG_LEVEL"
    )

    @field_validator("admin_token", "admin_token_previous")
    @classmethod
    def _admin_token_long_enough(cls, value: SecretStr) -> SecretStr:
        problem = admin_token_problem(value.get_secret_value())
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("min_group_size")
    @classmethod
    def _k_at_least_three(cls, value: int) -> int:
        if value < 3:
            raise ValueError("must be at least 3: smaller groups make single answers traceable")
        return value

    @field_validator("admin_trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            for part in value:
                try:
                    ipaddress.ip_network(str(part), strict=False)
                except ValueError:
                    raise ValueError(
                        f"{part!r} is not an address or network (e.g. 10.0.0.5 or 10.0.0.0/24)"
                    ) from None
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

    @field_validator("public_url")
    @classmethod
    def _public_url_over_https(cls, value: str) -> str:
        value = value.strip()
        if value and public_url_problem(value):
            raise ValueError(public_url_problem(value))
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "use sqlite+aiosqlite:///path/to/file.db or postgresql+asyncpg://user:pw@host/db"
            )
        # Parsed here, so that a malformed URL is one line without it, not SQLAlchemy's error
        # later, which quotes the whole URL (password and all) in a traceback.
        try:
            url = make_url(value)
            url.port  # noqa: B018 - a port that is not a number fails only when read
        except Exception:  # noqa: BLE001 - ArgumentError, ValueError: all the same to the operator
            raise ValueError(
                "is not a valid URL (postgresql+asyncpg://user:password@host:5432/db, with "
                "special characters in the password percent-encoded)"
            ) from None
        if url.host and "@" in url.host:
            raise ValueError("write @ in the password as %40 (the URL is read up to the first @)")
        return value

    @model_validator(mode="after")
    def _dev_mode_stays_local(self) -> Settings:
        """Dev mode turns authentication off and uses a public secret: it must never be reachable
        by, or configured for, real people."""
        if not self.dev_mode:
            return self
        if self.app_id or self.app_password.get_secret_value() or self.has_certificate:
            raise ValueError(
                "BOT_DEV_MODE=true together with MicrosoftAppId/MicrosoftAppPassword (or a "
                "certificate): dev mode is for the local Playground only; unset BOT_DEV_MODE to "
                "run the real bot"
            )
        hosts = (
            ("BOT_HOST", self.host),
            ("BOT_ADMIN_HOST", self.admin_host),
            ("BOT_METRICS_HOST", self.metrics_host),
        )
        for name, host in hosts:
            if host and not is_loopback(host):
                raise ValueError(
                    f"BOT_DEV_MODE=true with {name}={host}: dev mode accepts unauthenticated "
                    f"requests, so it only listens on 127.0.0.1 (or ::1, localhost); set {name} "
                    "to one of those"
                )
        return self

    @model_validator(mode="after")
    def _credentials_or_dev_mode(self) -> Settings:
        if not self.app_id:
            if not self.dev_mode:
                raise ValueError(
                    "MicrosoftAppId is empty: set the bot's credentials, or BOT_DEV_MODE=true "
                    "for local development without authentication"
                )
        else:
            password = bool(self.app_password.get_secret_value())
            if self.app_type == "UserAssignedMSI" and self.has_certificate:
                raise ValueError(
                    "a certificate (BOT_APP_CERTIFICATE_PATH / BOT_APP_CERTIFICATE) is not used "
                    "with MicrosoftAppType=UserAssignedMSI: unset it"
                )
            if self.app_type != "UserAssignedMSI" and not (password or self.has_certificate):
                raise ValueError(
                    f"MicrosoftAppPassword or a certificate (BOT_APP_CERTIFICATE_PATH or "
                    f"BOT_APP_CERTIFICATE) is required when MicrosoftAppType={self.app_type}"
                )
            if password and self.has_certificate:
                raise ValueError(
                    "set either MicrosoftAppPassword or a certificate, not both (rotate from one "
                    "to the other one replica at a time)"
                )
            if self.app_certificate_path and self.app_certificate.get_secret_value():
                raise ValueError("set BOT_APP_CERTIFICATE_PATH or BOT_APP_CERTIFICATE, not both")
            if self.has_certificate:
                try:
                    self.client_certificate()
                except CertificateError as error:
                    name = (
                        "BOT_APP_CERTIFICATE_PATH"
                        if self.app_certificate_path
                        else "BOT_APP_CERTIFICATE"
                    )
                    raise ValueError(f"{name}: {error}") from None
            if self.app_type in ("SingleTenant", "UserAssignedMSI") and not self.app_tenant_id:
                raise ValueError(
                    f"MicrosoftAppTenantId is required when MicrosoftAppType={self.app_type}"
                )
        if self.min_comment_group_size < self.min_group_size:
            raise ValueError(
                f"BOT_MIN_COMMENT_GROUP_SIZE ({self.min_comment_group_size}) must be at least "
                f"BOT_MIN_GROUP_SIZE ({self.min_group_size}): words identify a person sooner "
                "than numbers do"
            )
        if not self.anonymity_secret.get_secret_value() and self.dev_mode:
            self.anonymity_secret = SecretStr(DEV_ONLY_SECRET)
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
        if self.admin_port is not None and self.admin_port == self.port:
            raise ValueError(
                "BOT_ADMIN_PORT must differ from BOT_PORT (leave it empty to serve /admin/ on "
                "BOT_PORT)"
            )
        if self.admin_host and self.admin_port is None:
            raise ValueError("BOT_ADMIN_HOST needs BOT_ADMIN_PORT: set the port the admin API uses")
        if self.metrics == "port" and self.metrics_port is None:
            raise ValueError("BOT_METRICS=port needs BOT_METRICS_PORT: the port /metrics uses")
        if self.metrics_port is not None and self.metrics_port in (self.port, self.admin_port):
            raise ValueError("BOT_METRICS_PORT must differ from BOT_PORT and BOT_ADMIN_PORT")
        if self.metrics != "port" and (self.metrics_port is not None or self.metrics_host):
            raise ValueError(
                "BOT_METRICS_PORT and BOT_METRICS_HOST are used only with BOT_METRICS=port"
            )
        if self.metrics == "admin" and not self.admin_token.get_secret_value():
            raise ValueError(
                "BOT_METRICS=admin serves /metrics behind BOT_ADMIN_TOKEN, which is empty: set "
                "it, or use BOT_METRICS=port with BOT_METRICS_PORT"
            )
        if self.demo_all_roles and not self.dev_mode:
            raise ValueError(
                "BOT_DEMO_ALL_ROLES=true is only allowed together with BOT_DEV_MODE=true"
            )
        return self

    @model_validator(mode="after")
    def _anonymity_secret_strong(self) -> Settings:
        problem = anonymity_secret_problem(self.anonymity_secret.get_secret_value(), self.dev_mode)
        previous = self.anonymity_secret_previous.get_secret_value()
        if not problem and previous:
            problem = anonymity_secret_problem(
                previous, self.dev_mode, "BOT_ANONYMITY_SECRET_PREVIOUS"
            )
        if problem:
            raise ValueError(problem)
        return self

    @model_validator(mode="after")
    def _previous_secrets_differ(self) -> Settings:
        previous = self.anonymity_secret_previous.get_secret_value()
        if previous and previous == self.anonymity_secret.get_secret_value():
            raise ValueError(
                "BOT_ANONYMITY_SECRET_PREVIOUS equals BOT_ANONYMITY_SECRET: set the new secret in "
                "BOT_ANONYMITY_SECRET and the old one in BOT_ANONYMITY_SECRET_PREVIOUS"
            )
        old_token = self.admin_token_previous.get_secret_value()
        if old_token and not self.admin_token.get_secret_value():
            raise ValueError("BOT_ADMIN_TOKEN_PREVIOUS needs BOT_ADMIN_TOKEN (the new token)")
        if old_token and old_token == self.admin_token.get_secret_value():
            raise ValueError("BOT_ADMIN_TOKEN_PREVIOUS equals BOT_ADMIN_TOKEN: set the old one")
        return self

    @property
    def anonymity_secrets(self) -> AnonymitySecrets:
        """What every service that keys participation or seals answers is built with."""
        previous = self.anonymity_secret_previous.get_secret_value()
        return AnonymitySecrets(self.anonymity_secret.get_secret_value(), previous or None)

    @property
    def has_certificate(self) -> bool:
        return bool(self.app_certificate_path or self.app_certificate.get_secret_value())

    def client_certificate(self) -> ClientCertificate | None:
        """The certificate credential, read from its file or the environment (None: none set)."""
        return certificate_from(
            self.app_certificate_path,
            self.app_certificate.get_secret_value(),
            self.app_certificate_password.get_secret_value(),
        )

    def summaries(
        self, factory: SessionFactory, bank: QuestionBank, now: Callable[[], datetime]
    ) -> Summaries:
        """The release as configured (k and the comment threshold), for the app and the CLI alike."""
        from storage.results.summaries import Summaries

        return Summaries(
            factory,
            bank,
            self.min_group_size,
            now,
            min_comment_group_size=self.min_comment_group_size,
        )

    @property
    def quiet_hours(self) -> WorkingHours:
        """The send-time policy every service that messages people is built with."""
        return WorkingHours.parse(self.working_hours)

    @property
    def public_base_url(self) -> str | None:
        """Where download links point: BOT_PUBLIC_URL, in dev mode the bot's own address."""
        if self.public_url:
            return self.public_url
        if self.dev_mode:
            host = f"[{self.host.strip('[]')}]" if ":" in self.host else self.host
            return f"http://{host}:{self.port}"
        return None

    @property
    def document_link_lifetime(self) -> timedelta:
        return timedelta(minutes=self.document_link_minutes)

    @property
    def retention_policy(self) -> RetentionPolicy:
        return RetentionPolicy(
            years=self.retention_years,
            participation_grace=timedelta(hours=self.participation_grace_hours),
            delivery_days=self.delivery_retention_days,
            audit_days=self.audit_retention_days,
        )

    @property
    def messaging_endpoint(self) -> str:
        """What the Azure Bot registration's messaging endpoint must say ("" without BOT_PUBLIC_URL)."""
        return f"{self.public_url}{MESSAGING_PATH}" if self.public_url else ""

    @property
    def masked_database_url(self) -> str:
        """The database URL fit for a banner or a log line: the password shown as ***."""
        return mask_url(self.database_url)

    @property
    def authentication_enabled(self) -> bool:
        """Empty app id turns off the SDK's authentication entirely: only ever in dev mode."""
        return bool(self.app_id)


def mask_url(url: str) -> str:
    """A database URL without its password (SQLAlchemy's own rendering); junk is hidden whole."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL may still hold a password
        return "<database URL not shown>"


def is_loopback(host: str) -> bool:
    """Only the machine itself reaches these: 127.0.0.0/8, ::1 and the name localhost."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False  # another name, "0.0.0.0" is an address: neither is loopback


def public_url_problem(url: str) -> str | None:
    """The public address must be https (Teams calls nothing else) and a bare origin: the bot
    answers at /api/messages under it, and a path would be a second place to keep in step."""
    parsed = urlsplit(url)
    if parsed.scheme != "https" or not parsed.hostname:
        return "must be an https:// address, e.g. https://trivsel.example.org"
    if parsed.path.rstrip("/") or parsed.query or parsed.fragment:
        return (
            "must be the origin only (https://host[:port]); the messaging endpoint is it + "
            f"{MESSAGING_PATH}"
        )
    return None


def anonymity_secret_problem(
    secret: str, dev_mode: bool = False, name: str = "BOT_ANONYMITY_SECRET"
) -> str | None:
    """What is wrong with an anonymity secret, or None. The one policy start-up and `doctor` apply.

    The secret keys every participation hash: a known or guessable one lets whoever holds the
    database test "did this person answer?" offline."""
    if not secret:
        if dev_mode:
            return None
        return (
            f"{name} is empty: set a random value of at least 32 characters "
            f"(e.g. `{GENERATE_SECRET}`)"
        )
    if secret == DEV_ONLY_SECRET and not dev_mode:
        return (
            f"{name} is the built-in dev-mode secret, which is public: set a random "
            f"value of your own (e.g. `{GENERATE_SECRET}`)"
        )
    if len(secret) < MIN_SECRET_LENGTH:
        return (
            f"{name} must be at least {MIN_SECRET_LENGTH} characters long "
            f"(e.g. `{GENERATE_SECRET}`)"
        )
    if len(set(secret)) < MIN_SECRET_DISTINCT and not dev_mode:
        return (
            f"{name} has fewer than {MIN_SECRET_DISTINCT} distinct characters, so it "
            f"can be guessed: set a random value (e.g. `{GENERATE_SECRET}`)"
        )
    return None


def admin_token_problem(token: str) -> str | None:
    """What is wrong with the admin API's token, or None (empty: the API is off, which is fine)."""
    if token and (len(token) < 32 or token != token.strip()):
        return "must be at least 32 characters without surrounding spaces, or empty"
    if token and len(set(token)) < MIN_SECRET_DISTINCT:
        return (
            f"has fewer than {MIN_SECRET_DISTINCT} distinct characters, so it can be guessed: "
            f"set a random value (e.g. `{GENERATE_SECRET}`)"
        )
    return None


_ALIASES = {
    name: (field.validation_alias if isinstance(field.validation_alias, str) else name)
    for name, field in Settings.model_fields.items()
}


class UncheckedSecretsSettings(Settings):
    """Everything checked but the strength of the anonymity secret and the admin token: `doctor`
    reports those as checks of their own (with the same policy functions), next to the rest."""

    @field_validator("admin_token", "admin_token_previous")
    @classmethod
    def _admin_token_long_enough(cls, value: SecretStr) -> SecretStr:
        return value

    @model_validator(mode="after")
    def _anonymity_secret_strong(self) -> UncheckedSecretsSettings:
        return self


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning pydantic's report into one line that names the setting."""
    return _load(Settings, overrides)


def load_settings_unchecked_secrets(**overrides: object) -> Settings:
    """As load_settings, leaving the secrets' strength to `doctor` (never for running the bot)."""
    return _load(UncheckedSecretsSettings, overrides)


def _load(kind: type[Settings], overrides: dict[str, object]) -> Settings:
    try:
        return kind(**overrides)  # type: ignore[arg-type]  # pydantic checks each value
    except ValidationError as error:
        first = error.errors()[0]
        location = ".".join(str(part) for part in first["loc"])
        setting = _ALIASES.get(location, location)
        message = first["msg"].removeprefix("Value error, ")
        if setting:
            raise ConfigurationError(f"Invalid configuration: {setting}: {message}") from None
        raise ConfigurationError(f"Invalid configuration: {message}") from None
