"""HR's admin HTTP API under /admin/: the prompt library and publishing, with a bearer token.

Off unless BOT_ADMIN_TOKEN is set (then every /admin/ path answers 404). The token is compared in
constant time; a missing or wrong token is 401. Bodies are validated by the same storage models as
the chat form and the CLI, so a 400 names the field (and for imports the entry) and nothing is
written. One table of routes feeds both the router and the OpenAPI document (bot/admin/openapi.py),
so the two cannot drift apart. Logs hold the route and the status, never a body.
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot.admin.bodies import (
    AuditList,
    BankExport,
    BankImportBody,
    BankImportYaml,
    BaselineList,
    ErrorBody,
    ImportBody,
    LibraryExport,
    LibraryImport,
    PromptList,
    PublicationList,
    QuestionList,
    RateLimited,
    StateChange,
    UnitList,
)
from bot.admin.guard import accepted_tokens, client_address, guard_route, too_many
from bot.admin.handlers import (
    DOCUMENT_FORMATS,
    DOCUMENT_LANGUAGES,
    FALLBACK_HEADER,
    XLSX,
    cancel_publication,
    change_question_state,
    create_prompt,
    export_prompts,
    export_questions,
    export_results_csv,
    export_results_xlsx,
    get_prompt,
    get_question,
    get_unit_template,
    import_baselines,
    import_prompts,
    import_questions,
    list_audit,
    list_baselines,
    list_prompts,
    list_publications,
    list_questions,
    list_units,
    publish,
    retire_prompt,
    set_unit_template,
    unit_document,
    update_prompt,
)
from bot.admin.openapi import openapi_document
from bot.admin.rate_limit import AdminRateLimit, parse_networks
from bot.admin.requests import ADMIN_RATE_LIMIT
from bot.admin.routing import Handler, Query, Route
from bot.documents.export import CONTENT_TYPES
from bot.settings import Settings
from storage.directory.baseline_scales import SurveyScale
from storage.directory.baselines import BaselineReport
from storage.privacy.audit import MAX_ENTRIES
from storage.prompts.library import ImportResult
from storage.prompts.orders import PublicationIn
from storage.prompts.validation import PromptIn, PromptPatch, PromptView
from storage.prompts.views import PublicationView, PublishResult
from storage.question_bank import Item
from storage.questions.store import BankImportResult
from storage.questions.templates import TemplateIn, UnitTemplateView
from storage.rounds.period_versions import PERIOD_PATTERN
from storage.tables.prompts import PromptState, Theme

log = logging.getLogger(__name__)


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
    Route(
        "GET",
        "/admin/questions",
        list_questions,
        "The question bank: every item (drafts and retired ones too) in rotation order",
        response=QuestionList,
    ),
    Route(
        "GET",
        "/admin/questions/export",
        export_questions,
        "Export the question bank as YAML (items without English are named in "
        f"{FALLBACK_HEADER} and in the file's header: English readers get the Danish)",
        response=BankExport,
        response_media="application/yaml",
    ),
    Route(
        "POST",
        "/admin/questions/import",
        import_questions,
        "Import items, all or nothing (JSON, or the YAML export format); known ids are updated, "
        "an item not named is left as it is; `without_english` names the Danish-only items",
        request=BankImportBody,
        response=BankImportResult,
        yaml_body=BankImportYaml,
    ),
    Route("GET", "/admin/questions/{item_id}", get_question, "One item", response=Item),
    Route(
        "POST",
        "/admin/questions/{item_id}/state",
        change_question_state,
        "Draft, activate or retire an item (retired: never asked again, old rounds still show it)",
        request=StateChange,
        response=Item,
    ),
    Route(
        "GET",
        "/admin/units/{unit_id}/template",
        get_unit_template,
        "The template the unit's pulses are asked from (rotation, fixed or short_form)",
        response=UnitTemplateView,
    ),
    Route(
        "PUT",
        "/admin/units/{unit_id}/template",
        set_unit_template,
        "Pick the unit's template: the default rotation, a fixed set of 3-5 items, or the short form",
        request=TemplateIn,
        response=UnitTemplateView,
    ),
)


def add_admin_routes(app: web.Application, settings: Settings) -> None:
    """Register /admin/ (and its OpenAPI document); all of it answers 404 without a token."""
    token = settings.admin_token.get_secret_value()
    trusted = parse_networks(settings.admin_trusted_proxies)
    app[ADMIN_RATE_LIMIT] = AdminRateLimit(
        settings.admin_rate_per_minute, settings.admin_failed_auth_per_minute
    )
    for route in ROUTES:
        app.router.add_route(
            route.method, route.path, guard_route(route, accepted_tokens(settings), trusted)
        )
    document = openapi_document(ROUTES, ErrorBody, RateLimited)

    async def openapi(request: web.Request) -> web.Response:
        """The API's description is public when the API is on: it holds no data, only shapes."""
        if not token:
            return web.json_response({"error": "the admin API is disabled"}, status=404)
        limit = request.app[ADMIN_RATE_LIMIT]
        client = client_address(request, trusted)
        wait = limit.retry_after(client)
        if wait:
            return too_many(wait)
        limit.allowed(client)
        return web.json_response(document)

    app.router.add_get("/admin/openapi.json", openapi)


def add_guarded_get(app: web.Application, settings: Settings, path: str, handler: Handler) -> None:
    """A GET outside the API's document behind the same token and budgets (/metrics in admin
    mode): one guard, however many doors."""
    route = Route("GET", path, handler, path)
    trusted = parse_networks(settings.admin_trusted_proxies)
    app.router.add_get(path, guard_route(route, accepted_tokens(settings), trusted))
