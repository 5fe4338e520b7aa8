"""The admin API's handlers, one per route: prompts, publishing, units, documents, exports, audit."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any, Literal, cast

from aiohttp import web
from pydantic import ValidationError

from bot.admin.bodies import BaselineList, BaselineView, StateChange
from bot.admin.requests import (
    ApiError,
    acting_as,
    context_of,
    invalid,
    json_reply,
    one_issue,
    read_json,
    read_model,
    read_raw,
    viewer_of,
)
from bot.documents.export import attachment_header
from bot.documents.results_export import Dialect, render
from storage.directory.baseline_scales import SurveyScale, parse_scale
from storage.directory.baselines import InvalidBaselines
from storage.directory.hierarchy import AmbiguousUnit
from storage.errors import InvalidTemplate, UnitNotFound
from storage.files.issues import Issue, issues_from
from storage.privacy.audit import MAX_ENTRIES, AuditWhat, Via
from storage.prompts.file_format import dump_library, parse_library
from storage.prompts.orders import NoActivePrompt, PromptNotActive, PublicationExists, PublicationIn
from storage.prompts.validation import (
    InvalidPrompts,
    PromptExists,
    PromptNotFound,
    PromptPatch,
    validate_entries,
    validate_prompt,
)
from storage.questions.file_format import InvalidBank, dump_bank, without_english
from storage.questions.store import QuestionBankStore
from storage.questions.templates import TemplateIn, TemplateRefused, Templates
from storage.rounds.period_versions import PERIOD_PATTERN
from storage.tables.prompts import PromptState, Theme

log = logging.getLogger(__name__)

DOCUMENT_FORMATS = ("pdf", "docx")
DOCUMENT_LANGUAGES = ("da", "en")
FALLBACK_HEADER = "X-Trivselsbot-Danish-Only"  # the export's items English readers get in Danish


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
                raise one_issue(name, "invalid_choice", f"must be one of {allowed}") from None
    prompts = await context_of(request).prompts.library.list_prompts(**filters)
    return json_reply({"prompts": [p.model_dump(mode="json") for p in prompts]})


async def create_prompt(request: web.Request) -> web.Response:
    try:
        prompt = validate_prompt(await read_json(request))
        created = await context_of(request).prompts.library.create(prompt)
    except InvalidPrompts as error:
        raise invalid(error.issues) from None
    except PromptExists:
        raise ApiError(409, "a prompt with this id exists; use PATCH to change it") from None
    return json_reply(created, 201)


async def get_prompt(request: web.Request) -> web.Response:
    return json_reply(
        await context_of(request).prompts.library.get(request.match_info["prompt_id"])
    )


async def update_prompt(request: web.Request) -> web.Response:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise one_issue("", "wrong_type", "must be a JSON object of the fields to change")
    try:
        patch = PromptPatch.model_validate(body)
        updated = await context_of(request).prompts.library.update(
            request.match_info["prompt_id"], patch
        )
    except ValidationError as error:
        raise invalid(issues_from(error)) from None
    except InvalidPrompts as error:
        raise invalid(error.issues) from None
    return json_reply(updated)


async def retire_prompt(request: web.Request) -> web.Response:
    return json_reply(
        await context_of(request).prompts.library.retire(request.match_info["prompt_id"])
    )


async def import_prompts(request: web.Request) -> web.Response:
    """All or nothing: JSON `{"prompts": [...]}`, or the YAML export format (Content-Type *yaml*)."""
    try:
        if "yaml" in request.headers.get("Content-Type", ""):
            try:
                text = (await read_raw(request)).decode("utf-8")
            except UnicodeDecodeError:
                raise one_issue("", "not_yaml", "body is not UTF-8 text") from None
            prompts = parse_library(text)
        else:
            body = await read_json(request)
            entries = body.get("prompts") if isinstance(body, dict) else None
            if not isinstance(entries, list) or not entries:
                raise one_issue("prompts", "missing", 'expected {"prompts": [ ... ]}')
            prompts = validate_entries(entries)
        result = await context_of(request).prompts.library.import_prompts(prompts)
    except InvalidPrompts as error:
        raise invalid(error.issues) from None
    return json_reply(result)


async def export_prompts(request: web.Request) -> web.Response:
    prompts = await context_of(request).prompts.library.list_prompts()
    return web.Response(text=dump_library(prompts), content_type="application/yaml")


# --- the question bank and templates ------------------------------------------------------------


def _questions(request: web.Request) -> QuestionBankStore:
    store = context_of(request).questions
    if store is None:
        raise ApiError(404, "the question bank is not available here")
    return store


def _templates(request: web.Request) -> Templates:
    templates = context_of(request).templates
    if templates is None:
        raise ApiError(404, "templates are not available here")
    return templates


async def list_questions(request: web.Request) -> web.Response:
    """GET /admin/questions: every item, drafts and retired ones too, in rotation order."""
    items = await _questions(request).items()
    return json_reply({"items": [item.model_dump(mode="json") for item in items]})


async def get_question(request: web.Request) -> web.Response:
    return json_reply(await _questions(request).get(request.match_info["item_id"]))


async def export_questions(request: web.Request) -> web.Response:
    """The YAML export; items without English are named in its header and in a response header."""
    store = _questions(request)
    items = await store.items()
    missing = without_english(items)
    headers = {FALLBACK_HEADER: ", ".join(missing)} if missing else {}
    return web.Response(text=dump_bank(items), content_type="application/yaml", headers=headers)


async def import_questions(request: web.Request) -> web.Response:
    """All or nothing: JSON `{"items": [...]}`, or the YAML export format (Content-Type *yaml*)."""
    store = _questions(request)
    try:
        if "yaml" in request.headers.get("Content-Type", ""):
            try:
                text = (await read_raw(request)).decode("utf-8")
            except UnicodeDecodeError:
                raise one_issue("", "not_yaml", "body is not UTF-8 text") from None
            result = await store.import_yaml(text)
        else:
            body = await read_json(request)
            entries = body.get("items") if isinstance(body, dict) else None
            if not isinstance(entries, list) or not entries:
                raise one_issue("items", "missing", 'expected {"items": [ ... ]}')
            if set(body) - {"items"}:
                raise one_issue("", "unknown_field", 'expected only {"items": [ ... ]}')
            result = await store.import_items(entries)
    except InvalidBank as error:
        raise invalid(list(error.issues)) from None
    return json_reply(result)


async def change_question_state(request: web.Request) -> web.Response:
    """POST /admin/questions/{item_id}/state: draft, activate or retire one item."""
    change = await read_model(request, StateChange)
    try:
        item = await _questions(request).set_state(request.match_info["item_id"], change.state)
    except InvalidBank as error:
        raise invalid(list(error.issues)) from None
    return json_reply(item)


async def get_unit_template(request: web.Request) -> web.Response:
    return json_reply(await _templates(request).for_unit(request.match_info["unit_id"]))


async def set_unit_template(request: web.Request) -> web.Response:
    """PUT /admin/units/{unit_id}/template: the template the unit's pulses are asked from."""
    template = await read_model(request, TemplateIn)
    try:
        view = await _templates(request).set_for_unit(request.match_info["unit_id"], template)
    except TemplateRefused as refused:
        raise one_issue(refused.field, refused.reason, refused.message) from None
    return json_reply(view)


# --- units and publishing ------------------------------------------------------------------------


async def list_units(request: web.Request) -> web.Response:
    units = await context_of(request).directory.installed_units()
    return json_reply({"units": [u.model_dump(mode="json") for u in units]})


async def publish(request: web.Request) -> web.Response:
    context = context_of(request)
    order = await read_model(request, PublicationIn)
    hr = await acting_as(request)  # their chat gets each push's delivery status card
    try:
        result = await context.prompts.publisher.publish(order, context.now(), requested_by=hr)
    except UnitNotFound as error:
        raise one_issue("units", "unknown_unit", f"no unit with id {error}") from None
    except PromptNotFound as error:
        raise one_issue("prompt_id", "unknown_prompt", f"no prompt with id {error}") from None
    except PromptNotActive:
        raise one_issue("prompt_id", "not_active", "only active prompts are published") from None
    except NoActivePrompt:
        raise one_issue("theme", "no_active_prompt", "the theme has no active prompt") from None
    except PublicationExists:
        raise ApiError(409, "this publication id was used already") from None
    except TemplateRefused as refused:
        raise one_issue(f"template.{refused.field}", refused.reason, refused.message) from None
    except InvalidTemplate as error:  # a unit's own template the bank can no longer ask
        raise one_issue("template", "template_not_askable", str(error)) from None
    context.wake()
    log.info("admin.published", extra={"rounds": len(result.rounds)})
    return json_reply(result, 201)


async def list_publications(request: web.Request) -> web.Response:
    everything = request.query.get("all", "").lower() in ("1", "true", "yes")
    views = await context_of(request).prompts.publisher.list_publications(
        active_only=not everything
    )
    return json_reply({"publications": [v.model_dump(mode="json") for v in views]})


async def cancel_publication(request: web.Request) -> web.Response:
    publisher = context_of(request).prompts.publisher
    return json_reply(await publisher.cancel(request.match_info["publication_id"]))


async def unit_document(request: web.Request) -> web.Response:
    """GET /admin/units/{unit_id}/document?period=&format=&language=: the MED document."""
    period = request.query.get("period")
    if period is None:
        raise one_issue("period", "missing", "the month, as YYYY-MM (e.g. 2026-11)")
    if not re.fullmatch(PERIOD_PATTERN, period):
        raise one_issue("period", "invalid", "a month as YYYY-MM (e.g. 2026-11)")
    file_format = request.query.get("format", "pdf")
    language = request.query.get("language", "da")
    for name, value, allowed in (
        ("format", file_format, DOCUMENT_FORMATS),
        ("language", language, DOCUMENT_LANGUAGES),
    ):
        if value not in allowed:
            raise one_issue(name, "invalid_choice", f"must be one of {', '.join(allowed)}")
    made = await context_of(request).documents.for_hr(
        request.match_info["unit_id"],
        period,
        file_format,  # type: ignore[arg-type]
        language,  # type: ignore[arg-type]
        door="admin_api",
        viewer=await viewer_of(request),
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
    context = context_of(request)
    dialect = cast(Dialect, request.query.get("dialect", "excel-da"))
    if dialect not in ("excel-da", "rfc4180"):
        raise one_issue("dialect", "invalid_choice", "must be one of excel-da, rfc4180")
    detail = "xlsx" if file_format == "xlsx" else f"csv {dialect}"
    viewer = await viewer_of(request)
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
        raise one_issue("since", "invalid", "an RFC 3339 date-time with its zone") from None


async def list_audit(request: web.Request) -> web.Response:
    """GET /admin/audit?unit=&since=&limit=: who looked at which results, newest first."""
    context = context_of(request)
    unit_id = None
    if "unit" in request.query:
        try:
            unit_id = (await context.hierarchy.resolve(request.query["unit"])).id
        except (UnitNotFound, AmbiguousUnit):
            raise one_issue("unit", "unknown_unit", "no unit with this id or name") from None
    since = _moment(request.query["since"]) if "since" in request.query else None
    limit = 1000
    if "limit" in request.query:
        text = request.query["limit"]
        if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_ENTRIES:
            raise one_issue("limit", "invalid", f"a whole number from 1 to {MAX_ENTRIES}")
        limit = int(text)
    entries = await context.audit.entries(unit_id, since, limit=limit)
    return json_reply({"entries": [entry.model_dump(mode="json") for entry in entries]})


# --- the route table -----------------------------------------------------------------------------


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
        raise one_issue("scale", "invalid_choice", str(error)) from None
    source = request.query.get("source") or "admin-api"
    try:
        text = (await read_raw(request)).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise one_issue("", "not_csv", "body is not UTF-8 text") from None
    try:
        report = await context_of(request).baselines.import_csv(text, source, scale)
    except InvalidBaselines as error:
        raise invalid([_baseline_issue(problem) for problem in error.problems]) from None
    return json_reply(report)


async def list_baselines(request: web.Request) -> web.Response:
    """GET /admin/baselines?unit=: a unit's baselines as the card shows them (0–100)."""
    context = context_of(request)
    try:
        unit = await context.hierarchy.resolve(request.query.get("unit", ""))
    except (UnitNotFound, AmbiguousUnit):
        raise one_issue("unit", "unknown_unit", "no unit with this id or name") from None
    scores = await context.baselines.baselines_for(unit.id)
    listed = BaselineList(
        unit=unit,
        baselines=[
            BaselineView(dimension=dimension, score=score, source=source)
            for dimension, (score, source) in scores.items()
        ],
    )
    return json_reply(listed)
