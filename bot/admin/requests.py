"""What every admin handler uses: its context, its errors, and bodies read and written as JSON."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from bot.admin.rate_limit import AdminRateLimit
from bot.admin.routing import ACTING_AS, ACTING_AS_PATTERN
from bot.documents.export import DocumentExporter
from bot.teams.request_body import MAX_BODY_BYTES, BodyTooLarge, parse_json, read_body
from dialogs.prompt_services import PromptServices
from storage.directory.baselines import Baselines
from storage.directory.hierarchy import Hierarchy
from storage.directory.recipients import Directory
from storage.directory.roles import Roles
from storage.files.issues import Issue, issues_from
from storage.privacy.audit import AuditLog
from storage.question_bank import QuestionBank
from storage.questions.store import QuestionBankStore
from storage.questions.templates import Templates
from storage.results.summaries import Summaries
from storage.values import Role

log = logging.getLogger(__name__)


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
    questions: QuestionBankStore | None = None  # HR's question bank (storage/questions/store.py)
    templates: Templates | None = (
        None  # each unit's pulse template (storage/questions/templates.py)
    )


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


def json_reply(model: BaseModel | list[Any] | dict[str, Any], status: int = 200) -> web.Response:
    if isinstance(model, BaseModel):
        data: Any = model.model_dump(mode="json")
    else:
        data = model
    return web.json_response(data, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False))


async def read_raw(request: web.Request) -> bytes:
    try:
        return await read_body(request)
    except BodyTooLarge:
        raise ApiError(413, f"the body is larger than {MAX_BODY_BYTES} bytes") from None


async def read_json(request: web.Request) -> Any:
    raw = await read_raw(request)
    try:
        return parse_json(raw, nul_ok=True)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "body is not valid JSON") from None


Body = TypeVar("Body", bound=BaseModel)


async def read_model(request: web.Request, model: type[Body]) -> Body:
    """The JSON body as `model`, or a 400 naming every field that is wrong (nothing is changed)."""
    body = await read_json(request)
    try:
        return model.model_validate(body)
    except ValidationError as error:
        raise invalid(issues_from(error)) from None


def invalid(issues: list[Issue]) -> ApiError:
    return ApiError(400, "invalid", issues)


def one_issue(field: str, code: str, message: str) -> ApiError:
    return invalid([Issue(field=field, code=code, message=message)])


def context_of(request: web.Request) -> AdminContext:
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
        raise one_issue(ACTING_AS, "invalid_format", "an Entra ID object id")
    if Role.HR not in await context_of(request).roles.roles_of(value):
        raise one_issue(ACTING_AS, "not_hr", "not an HR administrator (BOT_HR_ADMINS)")
    return value


async def viewer_of(request: web.Request) -> str:
    """Who the audit log names for this call: the HR person, else the admin token's caller."""
    return await acting_as(request) or f"admin-api@{request.get(CLIENT, '?')}"[:120]
