"""The Resultater tab's HTTP face: the page, its assets and the JSON API it reads.

GET /tab is the page Teams loads (the static tab's contentUrl); it holds no data. The page asks
Teams for a token and calls /tab/api/* with it; each call is authenticated (bot/tab/sso.py), the
person's roles decide which units they may see, and what comes back is storage/results/tab's view model,
which is built only from the release. In dev mode (never with credentials, only on loopback) a
person picker stands in for Teams: the page sends the chosen AAD object id instead of a token.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.documents.export import DocumentExporter, attachment_header
from bot.settings import Settings
from bot.tab.assets import static_file
from bot.tab.audit import record_tab_view
from bot.tab.page import render_page, tab_texts
from bot.tab.results_csv import results_csv
from bot.tab.sso import Refused, TabIdentity, TabTokens
from dialogs.i18n import Language, language_for, t
from storage.directory.hierarchy import Hierarchy
from storage.directory.roles import Roles
from storage.errors import DomainError, NotAllowed
from storage.privacy.audit import AuditLog
from storage.question_bank import QuestionBank
from storage.results.tab.reader import ResultsTab, Visible
from storage.values import Role

log = logging.getLogger(__name__)

DEV_PERSON_HEADER = "X-Trivselsbot-Dev-Person"  # dev mode only: the person the picker chose
NO_STORE = {"Cache-Control": "no-store"}


@dataclass
class TabContext:
    """What the tab's handlers need; made with the app's services when the app starts."""

    results: ResultsTab
    roles: Roles
    hierarchy: Hierarchy
    tokens: TabTokens
    bank: QuestionBank
    documents: DocumentExporter  # the MED document (bot/documents/), through the tab's door
    audit: AuditLog  # who looked at what: every view is recorded before it is returned


TAB = web.AppKey("tab", TabContext)


@dataclass(frozen=True)
class Viewer:
    identity: TabIdentity
    roles: frozenset[Role]
    visible: Visible
    language: Language


def _language(request: web.Request, settings: Settings) -> Language:
    return language_for(request.query.get("lang"), settings.default_language)


def refusal(reason: str, language: Language, status: int) -> web.Response:
    """A refusal the page shows as it is: what happened and what to do, in the viewer's language."""
    return web.json_response(
        {
            "error": reason,
            "title": t(language, f"tab.refused.{reason}.title"),
            "message": t(language, f"tab.refused.{reason}.message"),
        },
        status=status,
        headers=NO_STORE,
    )


STATUS = {"not_configured": 503, "no_token": 401, "bad_token": 401, "other_tenant": 401}


async def _viewer(request: web.Request, settings: Settings) -> Viewer | web.Response:
    context = request.app[TAB]
    language = _language(request, settings)
    if settings.dev_mode:
        chosen = request.headers.get(DEV_PERSON_HEADER, "").strip()
        if not chosen or len(chosen) > 100:
            return refusal("dev_no_person", language, 401)
        identity = TabIdentity(aad_object_id=chosen)
    else:
        try:
            identity = await context.tokens.identify(request.headers.get("Authorization", ""))
        except Refused as refused:
            log.warning("tab.refused", extra={"reason": refused.reason, "check": refused.check})
            return refusal(refused.reason, language, STATUS[refused.reason])
    roles = await context.roles.roles_of(identity.aad_object_id)
    if Role.HR not in roles and Role.LEADER not in roles:
        return refusal("not_leader", language, 403)
    visible = await context.results.visible(identity.aad_object_id, Role.HR in roles)
    return Viewer(identity, roles, visible, language)


Handler = Callable[[web.Request, Viewer], Awaitable[web.StreamResponse]]


def _authenticated(settings: Settings, handler: Handler) -> Any:
    async def handle(request: web.Request) -> web.StreamResponse:
        viewer = await _viewer(request, settings)
        if isinstance(viewer, web.Response):
            return viewer
        try:
            return await handler(request, viewer)
        except NotAllowed:
            return refusal("not_allowed", viewer.language, 403)

    return handle


def add_tab_routes(app: web.Application, settings: Settings) -> None:
    """Mount the tab next to /api/messages (bot/app.py); TAB is set when the app starts."""

    async def page(request: web.Request) -> web.Response:
        language = language_for(request.query.get("locale"), settings.default_language)
        return render_page(
            language, request.query.get("theme", "default"), dev_mode=settings.dev_mode
        )

    async def asset(request: web.Request) -> web.StreamResponse:
        return static_file(request.match_info["name"])

    async def me(request: web.Request, viewer: Viewer) -> web.Response:
        visible = viewer.visible
        only_team = len(visible.units) == 1 and visible.units[0].teams_team_id is not None
        return web.json_response(
            {
                "hr": Role.HR in viewer.roles,
                "leader": Role.LEADER in viewer.roles,
                "start": "unit" if only_team else "heatmap",
                "unit": visible.units[0].id if only_team else None,
                "has_units": bool(visible.units),
                "texts": tab_texts(viewer.language),
            },
            headers=NO_STORE,
        )

    async def heatmap(request: web.Request, viewer: Viewer) -> web.Response:
        view = await request.app[TAB].results.heatmap(
            viewer.visible,
            viewer.language,
            period=request.query.get("period") or None,
            root=request.query.get("unit") or None,
        )
        await record_tab_view(
            request.app[TAB].audit,
            viewer.identity,
            "heatmap",
            request.query.get("unit"),
            view.period,
        )
        return web.json_response(view.as_json(), headers=NO_STORE)

    async def unit(request: web.Request, viewer: Viewer) -> web.Response:
        unit_id = request.match_info["unit_id"]
        view = await request.app[TAB].results.unit_page(viewer.visible, unit_id, viewer.language)
        await record_tab_view(request.app[TAB].audit, viewer.identity, "unit", unit_id, None)
        return web.json_response(view.as_json(), headers=NO_STORE)

    async def download(request: web.Request, viewer: Viewer) -> web.Response:
        unit_id = request.match_info["unit_id"]
        view = await request.app[TAB].results.unit_page(viewer.visible, unit_id, viewer.language)
        await record_tab_view(request.app[TAB].audit, viewer.identity, "results_csv", unit_id, None)
        return results_csv(view, request.app[TAB].bank, viewer.language)

    async def med_document(request: web.Request, viewer: Viewer) -> web.Response:
        """The unit's MED document for a month, made as the download link makes it (access
        checked again by the exporter, which is also where a document export is recorded)."""
        unit_id = request.match_info["unit_id"]
        file_format = request.query.get("format", "")
        if file_format not in ("docx", "pdf"):
            return web.json_response({"error": "format must be docx or pdf"}, status=400)
        try:
            made = await request.app[TAB].documents.for_person(
                viewer.identity.aad_object_id,
                unit_id,
                request.query.get("period", ""),
                "docx" if file_format == "docx" else "pdf",
                viewer.language,
                door="tab",
            )
        except NotAllowed:
            raise  # 403 in the viewer's words (_authenticated)
        except DomainError as error:  # a malformed month
            return web.json_response({"error": error.code}, status=400)
        return web.Response(
            body=made.data,
            content_type=made.content_type,
            headers={**NO_STORE, "Content-Disposition": attachment_header(made.name)},
        )

    async def dev_people(request: web.Request) -> web.Response:
        """Dev mode only (404 otherwise): who the picker offers, with the roles they have."""
        if not settings.dev_mode:
            raise web.HTTPNotFound()
        context = request.app[TAB]
        found = {p.aad_object_id: p.name for p in await context.hierarchy.known_people()}
        for admin in settings.hr_admins:
            found.setdefault(admin, None)
        people = []
        for aad, name in found.items():
            roles = await context.roles.roles_of(aad)
            people.append({"id": aad, "name": name or aad, "roles": sorted(r.value for r in roles)})
        # HR and leaders first: they are whom the tab is for.
        people.sort(key=lambda p: (p["roles"] == ["employee"], str(p["name"]).casefold(), p["id"]))
        return web.json_response({"people": people}, headers=NO_STORE)

    app.router.add_get("/tab", page)
    app.router.add_get("/tab/static/{name}", asset)
    app.router.add_get("/tab/api/me", _authenticated(settings, me))
    app.router.add_get("/tab/api/heatmap", _authenticated(settings, heatmap))
    app.router.add_get("/tab/api/units/{unit_id}", _authenticated(settings, unit))
    app.router.add_get("/tab/api/units/{unit_id}/results.csv", _authenticated(settings, download))
    app.router.add_get(
        "/tab/api/units/{unit_id}/med-document", _authenticated(settings, med_document)
    )
    app.router.add_get("/tab/api/dev/people", dev_people)
