"""HR's admin HTTP API under /admin/: the prompt library and publishing, with a bearer token.

Off unless BOT_ADMIN_TOKEN is set (then every /admin/ path answers 404). The token is compared in
constant time; a missing or wrong token is 401. Bodies are validated by the same storage models as
the chat form and the CLI, so a 400 names the field (and for imports the entry) and nothing is
written. One table of routes feeds both the router and the OpenAPI document (bot/admin_openapi.py),
so the two cannot drift apart. Logs hold the route and the status, never a body.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, cast

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.admin_openapi import ACTING_AS, ACTING_AS_PATTERN
from bot.admin_rate_limit import AdminRateLimit, forwarded_client, parse_networks
from bot.documents.export import CONTENT_TYPES, DocumentExporter, attachment_header
from bot.request_body import MAX_BODY_BYTES, BodyTooLarge, parse_json, read_body
from bot.results_export import Dialect, render
from bot.settings import Settings
from dialogs.prompt_services import PromptServices
from storage.audit import MAX_ENTRIES, AuditEntry, AuditLog, AuditWhat, Via
from storage.baseline_scales import SurveyScale, parse_scale
from storage.baselines import BaselineReport, Baselines, InvalidBaselines
from storage.directory import Directory
from storage.errors import DomainError, UnitNotFound
from storage.hierarchy import AmbiguousUnit, Hierarchy
from storage.period_versions import PERIOD_PATTERN
from storage.prompt_models import PromptState, Theme
from storage.prompts import (
    ID_PATTERN,
    ImportResult,
    InvalidPrompts,
    Issue,
    PromptExists,
    PromptIn,
    PromptNotFound,
    PromptPatch,
    PromptView,
    dump_library,
    issues_from,
    parse_library,
    validate_entries,
    validate_prompt,
)
from storage.publishing import (
    NoActivePrompt,
    PromptNotActive,
    PublicationExists,
    PublicationIn,
    PublicationNotFound,
    PublicationView,
    PublishResult,
)
from storage.question_bank import QuestionBank
from storage.roles import Roles
from storage.summaries import Summaries
from storage.values import Role, UnitInfo

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
DOCUMENT_FORMATS = ("pdf", "docx")
DOCUMENT_LANGUAGES = ("da", "en")


@dataclass(frozen=True)
class AdminContext:
    """What the API's handlers use; set by the app's runtime once the database is up."""

    prompts: PromptServices
    directory: Directory
    now: Callable[[], datetime]
    wake: Callable[[], None]  # something was queued: the outbox worker looks now
    documents: DocumentExporter  # any unit's MED document (bot/documents/export.py)
    roles: Roles  # who is HR (X-Trivselsbot-As names an HR administrator)
    hierarchy: Hierarchy
    summaries: Summaries  # released results for the exports, never more than the cards show
    audit: AuditLog  # who looked at what: every export is recorded before it is served
    bank: QuestionBank  # dimension names in the exported files
    baselines: Baselines  # the last big survey's scores per unit (the CLI's `baseline import`)


ADMIN = web.AppKey("admin", AdminContext)
# Replaceable before the app starts (tests give it a clock they move by hand).
ADMIN_RATE_LIMIT = web.AppKey("admin_rate_limit", AdminRateLimit)


class ApiError(Exception):
    """Raised inside a handler, turned into a JSON error response once, at the edge."""

    def __init__(self, status: int, error: str, issues: list[Issue] | None = None) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.issues = issues or []

    def response(self) -> web.Response:
        body: dict[str, Any] = {"error": self.error}
        if self.issues:
            body["issues"] = [issue.model_dump() for issue in self.issues]
        return web.json_response(body, status=self.status)


def _json(model: BaseModel | list[Any] | dict[str, Any], status: int = 200) -> web.Response:
    if isinstance(model, BaseModel):
        data: Any = model.model_dump(mode="json")
    else:
        data = model
    return web.json_response(data, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False))


async def _read(request: web.Request) -> bytes:
    try:
        return await read_body(request)
    except BodyTooLarge:
        raise ApiError(413, f"the body is larger than {MAX_BODY_BYTES} bytes") from None


async def _body(request: web.Request) -> Any:
    raw = await _read(request)
    try:
        return parse_json(raw, nul_ok=True)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "body is not valid JSON") from None


def _invalid(issues: list[Issue]) -> ApiError:
    return ApiError(400, "invalid", issues)


def _one_issue(field: str, code: str, message: str) -> ApiError:
    return _invalid([Issue(field=field, code=code, message=message)])


def _context(request: web.Request) -> AdminContext:
    return request.app[ADMIN]


CLIENT = web.RequestKey("admin_client", str)


async def acting_as(request: web.Request) -> str | None:
    """The HR person the caller says they are (their Entra ID object id), checked against
    BOT_HR_ADMINS; None when the header is not sent. The token proves the caller is HR's; the
    header says which HR person, for the audit log and the delivery status card."""
    value = request.headers.get(ACTING_AS)
    if value is None:
        return None
    if not re.fullmatch(ACTING_AS_PATTERN, value):
        raise _one_issue(ACTING_AS, "invalid_format", "an Entra ID object id")
    if Role.HR not in await _context(request).roles.roles_of(value):
        raise _one_issue(ACTING_AS, "not_hr", "not an HR administrator (BOT_HR_ADMINS)")
    return value


async def _viewer(request: web.Request) -> str:
    """Who the audit log names for this call: the HR person, else the admin token's caller."""
    return await acting_as(request) or f"admin-api@{request.get(CLIENT, '?')}"[:120]


# --- prompts -------------------------------------------------------------------------------------


async def list_prompts(request: web.Request) -> web.Response:
    """GET /admin/prompts?theme=&state="""
    filters: dict[str, Any] = {}
    for name, kind in (("theme", Theme), ("state", PromptState)):
        value = request.query.get(name)
        if value is not None:  # given but empty is a mistake too, not "no filter"
            try:
                filters[name] = kind(value)
            except ValueError:
                allowed = ", ".join(member.value for member in kind)
                raise _one_issue(name, "invalid_choice", f"must be one of {allowed}") from None
    prompts = await _context(request).prompts.library.list_prompts(**filters)
    return _json({"prompts": [p.model_dump(mode="json") for p in prompts]})


async def create_prompt(request: web.Request) -> web.Response:
    try:
        prompt = validate_prompt(await _body(request))
        created = await _context(request).prompts.library.create(prompt)
    except InvalidPrompts as error:
        raise _invalid(error.issues) from None
    except PromptExists:
        raise ApiError(409, "a prompt with this id exists; use PATCH to change it") from None
    return _json(created, 201)


async def get_prompt(request: web.Request) -> web.Response:
    return _json(await _context(request).prompts.library.get(request.match_info["prompt_id"]))


async def update_prompt(request: web.Request) -> web.Response:
    body = await _body(request)
    if not isinstance(body, dict):
        raise _one_issue("", "wrong_type", "must be a JSON object of the fields to change")
    try:
        patch = PromptPatch.model_validate(body)
        updated = await _context(request).prompts.library.update(
            request.match_info["prompt_id"], patch
        )
    except ValidationError as error:
        raise _invalid(issues_from(error)) from None
    except InvalidPrompts as error:
        raise _invalid(error.issues) from None
    return _json(updated)


async def retire_prompt(request: web.Request) -> web.Response:
    return _json(await _context(request).prompts.library.retire(request.match_info["prompt_id"]))


async def import_prompts(request: web.Request) -> web.Response:
    """All or nothing: JSON `{"prompts": [...]}`, or the YAML export format (Content-Type *yaml*)."""
    try:
        if "yaml" in request.headers.get("Content-Type", ""):
            try:
                text = (await _read(request)).decode("utf-8")
            except UnicodeDecodeError:
                raise _one_issue("", "not_yaml", "body is not UTF-8 text") from None
            prompts = parse_library(text)
        else:
            body = await _body(request)
            entries = body.get("prompts") if isinstance(body, dict) else None
            if not isinstance(entries, list) or not entries:
                raise _one_issue("prompts", "missing", 'expected {"prompts": [ ... ]}')
            prompts = validate_entries(entries)
        result = await _context(request).prompts.library.import_prompts(prompts)
    except InvalidPrompts as error:
        raise _invalid(error.issues) from None
    return _json(result)


async def export_prompts(request: web.Request) -> web.Response:
    prompts = await _context(request).prompts.library.list_prompts()
    return web.Response(text=dump_library(prompts), content_type="application/yaml")


# --- units and publishing ------------------------------------------------------------------------


async def list_units(request: web.Request) -> web.Response:
    units = await _context(request).directory.installed_units()
    return _json({"units": [u.model_dump(mode="json") for u in units]})


async def publish(request: web.Request) -> web.Response:
    context = _context(request)
    body = await _body(request)
    try:
        order = PublicationIn.model_validate(body)
    except ValidationError as error:
        raise _invalid(issues_from(error)) from None
    hr = await acting_as(request)  # their chat gets each push's delivery status card
    try:
        result = await context.prompts.publisher.publish(order, context.now(), requested_by=hr)
    except UnitNotFound as error:
        raise _one_issue("units", "unknown_unit", f"no unit with id {error}") from None
    except PromptNotFound as error:
        raise _one_issue("prompt_id", "unknown_prompt", f"no prompt with id {error}") from None
    except PromptNotActive:
        raise _one_issue("prompt_id", "not_active", "only active prompts are published") from None
    except NoActivePrompt:
        raise _one_issue("theme", "no_active_prompt", "the theme has no active prompt") from None
    except PublicationExists:
        raise ApiError(409, "this publication id was used already") from None
    context.wake()
    log.info("admin.published", extra={"rounds": len(result.rounds)})
    return _json(result, 201)


async def list_publications(request: web.Request) -> web.Response:
    everything = request.query.get("all", "").lower() in ("1", "true", "yes")
    views = await _context(request).prompts.publisher.list_publications(active_only=not everything)
    return _json({"publications": [v.model_dump(mode="json") for v in views]})


async def cancel_publication(request: web.Request) -> web.Response:
    publisher = _context(request).prompts.publisher
    return _json(await publisher.cancel(request.match_info["publication_id"]))


async def unit_document(request: web.Request) -> web.Response:
    """GET /admin/units/{unit_id}/document?period=&format=&language=: the MED document."""
    period = request.query.get("period")
    if period is None:
        raise _one_issue("period", "missing", "the month, as YYYY-MM (e.g. 2026-11)")
    if not re.fullmatch(PERIOD_PATTERN, period):
        raise _one_issue("period", "invalid", "a month as YYYY-MM (e.g. 2026-11)")
    file_format = request.query.get("format", "pdf")
    language = request.query.get("language", "da")
    for name, value, allowed in (
        ("format", file_format, DOCUMENT_FORMATS),
        ("language", language, DOCUMENT_LANGUAGES),
    ):
        if value not in allowed:
            raise _one_issue(name, "invalid_choice", f"must be one of {', '.join(allowed)}")
    made = await _context(request).documents.for_hr(
        request.match_info["unit_id"],
        period,
        file_format,  # type: ignore[arg-type]
        language,  # type: ignore[arg-type]
        door="admin_api",
        viewer=await _viewer(request),
    )
    return web.Response(
        body=made.data,
        content_type=made.content_type,
        headers={"Content-Disposition": attachment_header(made.name), "Cache-Control": "no-store"},
    )


# --- results and who looked at them -------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _export(request: web.Request, file_format: Literal["csv", "xlsx"]) -> web.Response:
    """Every released figure of every unit, as the CLI exports it; in the audit log first."""
    context = _context(request)
    dialect = cast(Dialect, request.query.get("dialect", "excel-da"))
    if dialect not in ("excel-da", "rfc4180"):
        raise _one_issue("dialect", "invalid_choice", "must be one of excel-da, rfc4180")
    detail = "xlsx" if file_format == "xlsx" else f"csv {dialect}"
    viewer = await _viewer(request)
    await context.audit.record(viewer, None, AuditWhat.RESULTS_EXPORT, detail, via=Via.ADMIN_API)
    units = [unit.id for unit in await context.hierarchy.units_visible_to(None, True)]
    rows = await context.summaries.export_rows(units)
    data = render(rows, context.bank, file_format, dialect)
    if file_format == "xlsx":
        return web.Response(body=data, content_type=XLSX)
    return web.Response(body=data, content_type="text/csv", charset="utf-8")


async def export_results_csv(request: web.Request) -> web.Response:
    return await _export(request, "csv")


async def export_results_xlsx(request: web.Request) -> web.Response:
    return await _export(request, "xlsx")


def _moment(text: str) -> datetime:
    """An RFC 3339 date-time with its zone, in UTC (a naive one would mean the server's zone)."""
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None or moment.utcoffset() is None or "T" not in text.upper():
            raise ValueError(text)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise _one_issue("since", "invalid", "an RFC 3339 date-time with its zone") from None


async def list_audit(request: web.Request) -> web.Response:
    """GET /admin/audit?unit=&since=&limit=: who looked at which results, newest first."""
    context = _context(request)
    unit_id = None
    if "unit" in request.query:
        try:
            unit_id = (await context.hierarchy.resolve(request.query["unit"])).id
        except (UnitNotFound, AmbiguousUnit):
            raise _one_issue("unit", "unknown_unit", "no unit with this id or name") from None
    since = _moment(request.query["since"]) if "since" in request.query else None
    limit = 1000
    if "limit" in request.query:
        text = request.query["limit"]
        if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_ENTRIES:
            raise _one_issue("limit", "invalid", f"a whole number from 1 to {MAX_ENTRIES}")
        limit = int(text)
    entries = await context.audit.entries(unit_id, since, limit=limit)
    return _json({"entries": [entry.model_dump(mode="json") for entry in entries]})


# --- baselines from the last big survey ----------------------------------------------------------


def _baseline_issue(problem: str) -> Issue:
    """ "line 3: field 'score': …" as an issue with its line and field."""
    found = re.match(r"line (\d+): (?:field '(\w+)': )?", problem)
    return Issue(
        line=int(found.group(1)) if found else None,
        field=(found.group(2) or "") if found else "",
        code="invalid_baseline",
        message=problem,
    )


async def import_baselines(request: web.Request) -> web.Response:
    """POST /admin/baselines/import?scale=&source=: the CLI's CSV as the body, all or nothing;
    scores on the stated scale are kept converted to the card's 0–100."""
    try:
        scale = parse_scale(request.query.get("scale", SurveyScale.HUNDRED.value))
    except ValueError as error:
        raise _one_issue("scale", "invalid_choice", str(error)) from None
    source = request.query.get("source") or "admin-api"
    try:
        text = (await _read(request)).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _one_issue("", "not_csv", "body is not UTF-8 text") from None
    try:
        report = await _context(request).baselines.import_csv(text, source, scale)
    except InvalidBaselines as error:
        raise _invalid([_baseline_issue(problem) for problem in error.problems]) from None
    return _json(report)


class BaselineView(BaseModel):
    dimension: str
    score: float  # on the card's 0–100
    source: str


class BaselineList(BaseModel):
    unit: UnitInfo
    baselines: list[BaselineView]


async def list_baselines(request: web.Request) -> web.Response:
    """GET /admin/baselines?unit=: a unit's baselines as the card shows them (0–100)."""
    context = _context(request)
    try:
        unit = await context.hierarchy.resolve(request.query.get("unit", ""))
    except (UnitNotFound, AmbiguousUnit):
        raise _one_issue("unit", "unknown_unit", "no unit with this id or name") from None
    scores = await context.baselines.baselines_for(unit.id)
    listed = BaselineList(
        unit=unit,
        baselines=[
            BaselineView(dimension=dimension, score=score, source=source)
            for dimension, (score, source) in scores.items()
        ],
    )
    return _json(listed)


# --- the route table -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """A query parameter; `choices` are the only values it takes (documented as an enum)."""

    name: str
    description: str
    choices: tuple[str, ...] = ()
    required: bool = False
    pattern: str | None = None
    schema: tuple[tuple[str, Any], ...] = ()  # more of its JSON schema (format, type, bounds)


@dataclass(frozen=True)
class Route:
    """One endpoint: how it is routed and how the OpenAPI document describes it."""

    method: str
    path: str
    handler: Handler
    summary: str
    request: type[BaseModel] | str | None = None  # a model, or a media type for raw bodies
    response: type[BaseModel] | str | None = None
    status: int = 200
    query: tuple[Query, ...] = ()
    response_media: str = "application/json"
    yaml_body: type[BaseModel] | None = None  # also takes this as YAML (the export format)
    files: tuple[str, ...] = ()  # answers with a file of one of these media types
    acting_as: bool = False  # takes the X-Trivselsbot-As header (which HR person calls)


class PromptList(BaseModel):
    prompts: list[PromptView]


class ImportEntry(PromptIn):
    """An imported prompt must say its id: importing again updates it instead of duplicating."""

    id: str = Field(pattern=ID_PATTERN)  # type: ignore[assignment]


class ImportBody(BaseModel):
    prompts: list[ImportEntry] = Field(min_length=1)


class LibraryExport(BaseModel):
    """The YAML export: what `trivselsbot prompts import` and the import here read back."""

    version: Literal[1]
    prompts: list[PromptIn]


class LibraryImport(BaseModel):
    """The YAML import: the export format, every prompt with its id."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1] | None = None
    prompts: list[ImportEntry] = Field(min_length=1)


class UnitList(BaseModel):
    units: list[UnitInfo]


class PublicationList(BaseModel):
    publications: list[PublicationView]


class AuditList(BaseModel):
    entries: list[AuditEntry]


class ErrorBody(BaseModel):
    error: str
    issues: list[Issue] = []


class RateLimited(BaseModel):
    error: str
    retry_after: int


ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/admin/prompts",
        list_prompts,
        "List prompts in theme order",
        response=PromptList,
        query=(
            Query("theme", "only this theme", tuple(theme.value for theme in Theme)),
            Query("state", "only this state", tuple(state.value for state in PromptState)),
        ),
    ),
    Route(
        "POST",
        "/admin/prompts",
        create_prompt,
        "Create a prompt (an id is made when none is given)",
        request=PromptIn,
        response=PromptView,
        status=201,
    ),
    Route(
        "GET",
        "/admin/prompts/export",
        export_prompts,
        "Export the library as YAML",
        response=LibraryExport,
        response_media="application/yaml",
    ),
    Route(
        "POST",
        "/admin/prompts/import",
        import_prompts,
        "Import prompts, all or nothing (JSON, or the YAML export format); known ids are updated",
        request=ImportBody,
        response=ImportResult,
        yaml_body=LibraryImport,
    ),
    Route("GET", "/admin/prompts/{prompt_id}", get_prompt, "One prompt", response=PromptView),
    Route(
        "PATCH",
        "/admin/prompts/{prompt_id}",
        update_prompt,
        "Change some fields of a prompt (`rating: null` removes the rating question)",
        request=PromptPatch,
        response=PromptView,
    ),
    Route(
        "POST",
        "/admin/prompts/{prompt_id}/retire",
        retire_prompt,
        "Retire a prompt: kept for history, never published again",
        response=PromptView,
    ),
    Route(
        "GET",
        "/admin/units",
        list_units,
        "Units (teams) the bot is installed in",
        response=UnitList,
    ),
    Route(
        "GET",
        "/admin/units/{unit_id}/document",
        unit_document,
        "The unit's MED document for a month (released results only): DOCX or PDF",
        query=(
            Query("period", "the month, YYYY-MM", required=True, pattern=PERIOD_PATTERN),
            Query("format", "pdf (the default) or docx", DOCUMENT_FORMATS),
            Query("language", "da (the default) or en", DOCUMENT_LANGUAGES),
        ),
        files=tuple(CONTENT_TYPES.values()),
        acting_as=True,
    ),
    Route(
        "POST",
        "/admin/publications",
        publish,
        "Publish a prompt, the next prompt of a theme, or a pulse: now, once later, or on a cadence",
        request=PublicationIn,
        response=PublishResult,
        status=201,
        acting_as=True,
    ),
    Route(
        "GET",
        "/admin/publications",
        list_publications,
        "Scheduled publications (all=true: also finished ones)",
        response=PublicationList,
        query=(Query("all", "true (or 1, yes): include finished and cancelled publications"),),
    ),
    Route(
        "DELETE",
        "/admin/publications/{publication_id}",
        cancel_publication,
        "Cancel a schedule; rounds already open run to their end",
        response=PublicationView,
    ),
    Route(
        "GET",
        "/admin/results.csv",
        export_results_csv,
        "Every released figure as CSV (never more than the cards show); in the audit log",
        response="text/csv",
        response_media="text/csv",
        query=(
            Query(
                "dialect",
                "excel-da (the default: ';', decimal commas, BOM) or rfc4180 (for scripts)",
                ("excel-da", "rfc4180"),
            ),
        ),
        acting_as=True,
    ),
    Route(
        "GET",
        "/admin/results.xlsx",
        export_results_xlsx,
        "Every released figure as an Excel workbook; in the audit log",
        response=XLSX,
        response_media=XLSX,
        acting_as=True,
    ),
    Route(
        "POST",
        "/admin/baselines/import",
        import_baselines,
        "Import the last big survey's baselines (CSV unit,dimension,score[,source][,scale]), all "
        "or nothing; scores on the stated scale are kept converted to the card's 0-100",
        request="text/csv",
        response=BaselineReport,
        query=(
            Query(
                "scale",
                "the survey's scale (default 0-100); a 'scale' column overrides it per line",
                tuple(scale.value for scale in SurveyScale),
            ),
            Query("source", "where the scores come from (default admin-api)"),
        ),
    ),
    Route(
        "GET",
        "/admin/baselines",
        list_baselines,
        "A unit's baselines, on the card's 0-100",
        response=BaselineList,
        query=(Query("unit", "the unit: id, Teams team id or name", required=True),),
    ),
    Route(
        "GET",
        "/admin/audit",
        list_audit,
        "Who looked at which results (views and exports), newest first",
        response=AuditList,
        query=(
            Query("unit", "a unit (id, Teams team id or name): its rows and every-unit exports"),
            Query("since", "from this moment on", schema=(("format", "date-time"),)),
            Query(
                "limit",
                f"at most this many rows (1-{MAX_ENTRIES}, default 1000)",
                schema=(("type", "integer"), ("minimum", 1), ("maximum", MAX_ENTRIES)),
            ),
        ),
    ),
)

NOT_FOUND: dict[type[DomainError], str] = {
    PromptNotFound: "no such prompt",
    PublicationNotFound: "no such publication",
    UnitNotFound: "no such unit",
}


def _digest(token: str) -> bytes:
    """Both sides are hashed first, so the comparison takes the same time whatever the length.

    Header values come in as str with undecodable bytes kept as surrogates; they are encoded
    back the same way rather than raising on them."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).digest()


def token_matches(given: str, expected: str) -> bool:
    return hmac.compare_digest(_digest(given), _digest(expected))


def _too_many(retry_after: int) -> web.Response:
    return web.json_response(
        {
            "error": f"too many requests: wait {retry_after} seconds, then try again "
            "(a missing or wrong token counts as ten requests)",
            "retry_after": retry_after,
        },
        status=429,
        headers={"Retry-After": str(retry_after)},
    )


Networks = tuple[Any, ...]


def _client(request: web.Request, trusted: Networks) -> str:
    """The connecting address, or the one a trusted proxy (BOT_ADMIN_TRUSTED_PROXIES) forwarded.

    X-Forwarded-For from anyone else is ignored: a stranger who could name any address would get a
    fresh budget per request, and could spend someone else's."""
    return forwarded_client(request.remote, request.headers.get("X-Forwarded-For"), trusted)


def _unknown_query(request: web.Request, route: Route) -> ApiError | None:
    """A misspelt parameter would otherwise be ignored silently (e.g. ?them=… lists everything)."""
    known = {query.name for query in route.query}
    unknown = sorted(set(request.query) - known)
    if not unknown:
        return None
    allowed = ", ".join(sorted(known)) or "none"
    return _one_issue(unknown[0], "unknown_parameter", f"query parameters taken here: {allowed}")


async def _refused_token(
    limit: AdminRateLimit, client: str, error: str, challenge: str
) -> web.Response:
    """401, held back while failures from everywhere are over their shared budget (429 when too
    many are held already): slower guessing, never a lock on the right token."""
    delay = limit.failed(client)
    if not await limit.hold(delay):
        return _too_many(max(1, math.ceil(delay)))
    return web.json_response({"error": error}, status=401, headers={"WWW-Authenticate": challenge})


def _accepted(settings: Settings) -> tuple[str, str]:
    """The token and, while clients move to it, the previous one (rotation, replica by replica)."""
    return settings.admin_token.get_secret_value(), settings.admin_token_previous.get_secret_value()


def _any_matches(given: str, tokens: tuple[str, str]) -> bool:
    """Both compared every time, so the time taken does not tell which one matched."""
    current, previous = tokens
    first = token_matches(given, current)
    second = token_matches(given, previous or current)
    return first or (bool(previous) and second)


def _guarded(route: Route, tokens: tuple[str, str], trusted: Networks) -> Handler:
    """Disabled → 404; the address over its own rate limit → 429 (before the token is looked at);
    no or wrong bearer token → 401 (slowed while failures everywhere are many); typed errors →
    their JSON status."""

    token = tokens[0]

    async def guarded(request: web.Request) -> web.StreamResponse:
        if not token:
            return web.json_response({"error": "the admin API is disabled"}, status=404)
        limit = request.app[ADMIN_RATE_LIMIT]
        client = _client(request, trusted)
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        wait = limit.retry_after(client)
        if wait:
            response = _too_many(wait)
        elif scheme.lower() != "bearer" or not given.strip():
            response = await _refused_token(
                limit, client, "missing bearer token", 'Bearer realm="trivselsbot-admin"'
            )
        elif not _any_matches(given.strip(), tokens):
            response = await _refused_token(
                limit, client, "invalid token", 'Bearer error="invalid_token"'
            )
        else:
            limit.allowed(client)
            request[CLIENT] = client
            try:
                unknown = _unknown_query(request, route)
                if unknown:
                    raise unknown
                response = await route.handler(request)
            except ApiError as error:
                response = error.response()
            except DomainError as error:
                message = next(
                    (m for kind, m in NOT_FOUND.items() if isinstance(error, kind)), None
                )
                response = web.json_response(
                    {"error": message or error.code}, status=404 if message else 400
                )
        log.info(
            "admin.request",
            extra={"method": request.method, "route": route.path, "status": response.status},
        )
        return response

    return guarded


def add_admin_routes(app: web.Application, settings: Settings) -> None:
    """Register /admin/ (and its OpenAPI document); all of it answers 404 without a token."""
    from bot.admin_openapi import openapi_document

    token = settings.admin_token.get_secret_value()
    trusted = parse_networks(settings.admin_trusted_proxies)
    app[ADMIN_RATE_LIMIT] = AdminRateLimit(
        settings.admin_rate_per_minute, settings.admin_failed_auth_per_minute
    )
    for route in ROUTES:
        app.router.add_route(
            route.method, route.path, _guarded(route, _accepted(settings), trusted)
        )
    document = openapi_document(ROUTES, ErrorBody, RateLimited)

    async def openapi(request: web.Request) -> web.Response:
        """The API's description is public when the API is on: it holds no data, only shapes."""
        if not token:
            return web.json_response({"error": "the admin API is disabled"}, status=404)
        limit = request.app[ADMIN_RATE_LIMIT]
        client = _client(request, trusted)
        wait = limit.retry_after(client)
        if wait:
            return _too_many(wait)
        limit.allowed(client)
        return web.json_response(document)

    app.router.add_get("/admin/openapi.json", openapi)


def add_guarded_get(app: web.Application, settings: Settings, path: str, handler: Handler) -> None:
    """A GET outside the API's document behind the same token and budgets (/metrics in admin
    mode): one guard, however many doors."""
    route = Route("GET", path, handler, path)
    trusted = parse_networks(settings.admin_trusted_proxies)
    app.router.add_get(path, _guarded(route, _accepted(settings), trusted))
