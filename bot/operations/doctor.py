"""`trivselsbot doctor`: the configuration checked as production would use it, before going live.

One line per check, and for a failed one what to do. Nothing is changed: the database is read, not
migrated; the token is fetched and thrown away. The policies are the ones start-up applies
(bot/settings.py), called here rather than written again, so `doctor` and `run` never disagree.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
from sqlalchemy.engine import make_url

from bot.certificate import expired
from bot.connector.tokens import ClientCredentialTokens, TokenUnavailable, token_source
from bot.settings import (
    ConfigurationError,
    Settings,
    admin_token_problem,
    anonymity_secret_problem,
    load_settings_unchecked_secrets,
)
from manifest.build import DEFAULT_OUT, PackageError, read_package_manifest, render_manifest
from storage.anonymity.secrets import secret_use
from storage.db.engine import create_engine, create_session_factory, is_sqlite_file
from storage.db.migrate import current_revision, head_revision, known_revision

NETWORK_TIMEOUT_SECONDS = 15.0


class Status(enum.Enum):
    OK = "ok"
    FAIL = "FAIL"
    SKIPPED = "skip"


@dataclass(frozen=True)
class Check:
    """One check's outcome; `fix` says what to do when it did not pass."""

    name: str
    status: Status
    detail: str
    fix: str = ""

    @property
    def passed(self) -> bool:
        return self.status is Status.OK

    def line(self) -> str:
        text = f"[{self.status.value}] {self.name}: {self.detail}"
        return f"{text} -> {self.fix}" if self.fix and not self.passed else text


def ok(name: str, detail: str) -> Check:
    return Check(name, Status.OK, detail)


def fail(name: str, detail: str, fix: str) -> Check:
    return Check(name, Status.FAIL, detail, fix)


def check_settings() -> tuple[Settings | None, Check]:
    """Every setting but the two secrets' strength (their own checks below)."""
    try:
        settings = load_settings_unchecked_secrets()
    except ConfigurationError as error:
        return None, fail(
            "settings", str(error), "correct it in the environment (or .env) and run doctor again"
        )
    if settings.dev_mode:
        return settings, fail(
            "settings",
            "BOT_DEV_MODE=true: incoming requests are not authenticated",
            "unset BOT_DEV_MODE and set MicrosoftAppId, MicrosoftAppTenantId and a credential",
        )
    database = make_url(settings.database_url).get_backend_name()
    return settings, ok(
        "settings", f"valid ({settings.app_type}, {database}, k={settings.min_group_size})"
    )


def check_anonymity_secret(settings: Settings) -> Check:
    """Production's policy, whatever BOT_DEV_MODE says: doctor asks "is this fit to go live?"."""
    problem = anonymity_secret_problem(settings.anonymity_secret.get_secret_value())
    previous = settings.anonymity_secret_previous.get_secret_value()
    if not problem and previous:
        problem = anonymity_secret_problem(previous, name="BOT_ANONYMITY_SECRET_PREVIOUS")
    if problem:
        return fail("anonymity secret", problem, "set it in the environment or the key vault")
    return ok("anonymity secret", "set, long and random enough, not the built-in one")


def check_admin_token(settings: Settings) -> Check:
    token = settings.admin_token.get_secret_value()
    if not token:
        return ok("admin token", "not set: the admin API is off")
    problem = admin_token_problem(token)
    if problem:
        return fail("admin token", f"BOT_ADMIN_TOKEN {problem}", "set a random value or unset it")
    return ok("admin token", "set, long and random enough")


def _database_error(error: BaseException) -> str:
    """The driver's own words (never the URL, which may hold the password), on one line."""
    orig = getattr(error, "orig", None) or error
    words = str(orig).strip().splitlines()[0] if str(orig).strip() else ""
    return f"{type(orig).__name__}: {words[:160]}" if words else type(orig).__name__


def _file_exists(path: str) -> bool:
    return Path(path).expanduser().is_file()


async def check_database(settings: Settings) -> Check:
    name, masked = "database", settings.masked_database_url
    url = make_url(settings.database_url)
    if is_sqlite_file(url) and not _file_exists(str(url.database)):
        return fail(
            name,
            f"{masked}: the file does not exist",
            "run `trivselsbot migrate` to create it, or correct BOT_DATABASE_URL",
        )
    engine = create_engine(settings.database_url)
    try:
        async with asyncio.timeout(NETWORK_TIMEOUT_SECONDS):
            current = await current_revision(engine)
    except Exception as error:  # noqa: BLE001 - any failure to reach it is the finding
        return fail(
            name,
            f"{masked} does not answer ({_database_error(error)})",
            "check that the server runs and BOT_DATABASE_URL's host, port, user, password and "
            "database name (and the firewall between)",
        )
    finally:
        await engine.dispose()
    head = head_revision()
    if current == head:
        return ok(name, f"{masked} answers, schema at revision {current} (this release's newest)")
    if current is None:
        return fail(name, f"{masked} has no schema", "run `trivselsbot migrate`")
    if not all(known_revision(part) for part in current.split(",")):
        return fail(
            name,
            f"{masked} is at revision {current}, which this release does not know",
            "a newer release migrated it: run that release, or restore a backup made with this one",
        )
    return fail(
        name,
        f"{masked} is at revision {current}, this release needs {head}",
        "run `trivselsbot migrate` (the bot also migrates when it starts)",
    )


async def check_previous_secret(settings: Settings) -> Check:
    """During a rotation: which open rounds still need the previous secret, and when they close."""
    name = "previous secret"
    secrets = settings.anonymity_secrets
    if secrets.previous is None:
        return ok(name, "none set (no rotation under way)")
    url = make_url(settings.database_url)
    if is_sqlite_file(url) and not _file_exists(str(url.database)):
        return fail(name, "cannot tell: the database file does not exist", "see the database check")
    engine = create_engine(settings.database_url)
    try:
        async with asyncio.timeout(NETWORK_TIMEOUT_SECONDS):
            use = await secret_use(create_session_factory(engine), secrets)
    except Exception as error:  # noqa: BLE001 - the database check says why
        return fail(name, f"cannot tell: {_database_error(error)}", "fix the database check first")
    finally:
        await engine.dispose()
    if use.unknown:
        return fail(
            name,
            f"{use.unknown} open round(s) are keyed by neither BOT_ANONYMITY_SECRET nor "
            "BOT_ANONYMITY_SECRET_PREVIOUS: their answers cannot be counted at close",
            "put the secret they were started under back (as BOT_ANONYMITY_SECRET_PREVIOUS) "
            "until they close",
        )
    if use.previous:
        until = use.previous_until.isoformat(timespec="minutes") if use.previous_until else "?"
        return ok(
            name,
            f"still needed by {use.previous} open round(s) until the last closes at {until} "
            "(UTC): keep BOT_ANONYMITY_SECRET_PREVIOUS until then",
        )
    return ok(
        name,
        "no open round uses BOT_ANONYMITY_SECRET_PREVIOUS any more: it can be removed (one "
        "replica at a time), and the old secret destroyed",
    )


def _credential_kind(settings: Settings) -> str:
    if settings.app_type == "UserAssignedMSI":
        return "managed identity"
    return "certificate" if settings.has_certificate else "client secret"


def _token_fix(settings: Settings) -> str:
    if settings.app_type == "UserAssignedMSI":
        return (
            "assign the user-assigned identity to this host and set MicrosoftAppId to its client id"
        )
    if settings.has_certificate:
        return (
            "upload this certificate (its public part) to the app registration's Certificates & "
            "secrets, and check MicrosoftAppId and MicrosoftAppTenantId"
        )
    return (
        "check MicrosoftAppId, MicrosoftAppTenantId and MicrosoftAppPassword (client secrets "
        "expire: make a new one under the app registration's Certificates & secrets)"
    )


async def check_bot_token(settings: Settings) -> Check:
    """The token the bot sends with every message: fetched once, as the running bot would."""
    name = "bot token"
    if not settings.app_id:
        return fail(name, "MicrosoftAppId is empty", "set the bot's app registration id")
    authority = urlsplit(settings.login_authority).netloc
    kind = _credential_kind(settings)
    certificate = settings.client_certificate()
    if certificate is not None:
        until = certificate.not_after.date().isoformat()
        kind = f"certificate {certificate.thumbprint} (valid until {until})"
        if expired(certificate):
            return fail(
                name,
                f"the {kind} has expired",
                "make a new certificate, upload it to the app registration and configure it here",
            )
    async with aiohttp.ClientSession() as session:
        source = token_source(settings, lambda: session)
        try:
            async with asyncio.timeout(NETWORK_TIMEOUT_SECONDS):
                token = await source.token()
        except (TokenUnavailable, TimeoutError) as error:
            if isinstance(error, TokenUnavailable) and error.answered:
                return fail(
                    name, f"{authority} refused the {kind} ({error.reason})", _token_fix(settings)
                )
            reason = error.reason if isinstance(error, TokenUnavailable) else "no answer in time"
            return fail(
                name,
                f"{authority} could not be reached ({reason})",
                "allow outbound https to it (firewall, proxy) and check BOT_LOGIN_AUTHORITY",
            )
    if not token:
        return fail(name, f"{authority} gave no token", _token_fix(settings))
    lifetime = ""
    if isinstance(source, ClientCredentialTokens) and source.lifetime_seconds:
        lifetime = f", valid {int(source.lifetime_seconds // 60)} min"
    return ok(
        name, f"obtained from {authority} with the {kind} for app {settings.app_id}{lifetime}"
    )


def check_public_endpoint(settings: Settings, package: Path) -> Check:
    """BOT_PUBLIC_URL, the app id and the package Teams admins upload must name the same bot."""
    name = "public endpoint"
    rebuild = (
        "rebuild it with `MicrosoftAppId=<app id> BOT_PUBLIC_URL=<url> make package` and upload "
        "it in the Teams admin center"
    )
    if not settings.public_url:
        return fail(
            name,
            "BOT_PUBLIC_URL is not set",
            "set it to the https address Teams reaches the bot at (the Azure Bot's messaging "
            "endpoint is that + /api/messages)",
        )
    try:
        expected = render_manifest(settings.app_id, public_url=settings.public_url)
    except PackageError as error:
        return fail(name, str(error), "set MicrosoftAppId to the app registration's client id")
    if not package.is_file():
        return fail(name, f"no app package at {package}", rebuild)
    try:
        built = read_package_manifest(package)
    except PackageError as error:
        return fail(name, str(error), rebuild)
    bot_ids = {str(bot.get("botId")) for bot in built.get("bots") or [] if isinstance(bot, dict)}
    if built.get("id") != settings.app_id or bot_ids != {settings.app_id}:
        return fail(
            name,
            f"the package {package} is for app {built.get('id')}, the bot runs as {settings.app_id}",
            rebuild,
        )
    if built.get("validDomains") != expected["validDomains"]:
        return fail(
            name,
            f"the package names {built.get('validDomains') or 'no host'}, BOT_PUBLIC_URL names "
            f"{expected['validDomains']}",
            rebuild,
        )
    return ok(
        name,
        f"messaging endpoint {settings.messaging_endpoint}; {package.name} is for app "
        f"{settings.app_id} on {expected['validDomains'][0]}",
    )


def _skipped(name: str) -> Check:
    return Check(name, Status.SKIPPED, "not checked: the settings are not valid")


CHECK_NAMES = (
    "settings",
    "database",
    "anonymity secret",
    "previous secret",
    "bot token",
    "public endpoint",
    "admin token",
)


async def run_checks(package: Path = DEFAULT_OUT) -> list[Check]:
    """Every check, in the order an operator fixes them; each runs whatever the others found."""
    settings, first = check_settings()
    if settings is None:
        return [first, *(_skipped(name) for name in CHECK_NAMES[1:])]
    return [
        first,
        await check_database(settings),
        check_anonymity_secret(settings),
        await check_previous_secret(settings),
        await check_bot_token(settings),
        check_public_endpoint(settings, package),
        check_admin_token(settings),
    ]


def doctor(package: Path = DEFAULT_OUT, out: Callable[[str], None] = print) -> int:
    """Print every check's line; 0 only when all passed."""
    results = asyncio.run(run_checks(package))
    for result in results:
        out(result.line())
    failed = [result.name for result in results if not result.passed]
    out(f"{len(results) - len(failed)} of {len(results)} checks passed")
    return 0 if not failed else 1
