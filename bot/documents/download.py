"""`/documents/{unit_id}/{period}/{format}?link=…`: where a leader's download link leads.

GET shows a page with one button and uses nothing up; the button POSTs, and only that uses the
link and returns the file. Link scanners and chat previews fetch a link before the person does
(Microsoft Defender's Safe Links among them), and a single-use link they fetched would be gone;
they do not press buttons. Every refusal is a short plain-text answer in the link's language (in
both when the link is unreadable), with nothing of the document.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from html import escape
from typing import Any

from aiohttp import web

from bot.documents.export import DocumentExporter, attachment_header
from dialogs.cards.summary import month_label
from dialogs.i18n import Language, t
from storage.errors import DomainError, NotAllowed
from storage.results.download_links import DownloadLinks, Grant, LinkRefused, Refusal

log = logging.getLogger(__name__)
PATH = "/documents/{unit_id}/{period}/{file_format}"
STATUS = {
    Refusal.INVALID: 403,
    Refusal.MISMATCH: 403,
    Refusal.NOT_ALLOWED: 403,
    Refusal.EXPIRED: 410,
    Refusal.USED: 410,
}
SAFE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"


@dataclass(frozen=True)
class Downloads:
    links: DownloadLinks
    exporter: DocumentExporter


DOWNLOADS = web.AppKey("downloads", Downloads)


def _refused(reason: Refusal, grant: Grant | None) -> web.Response:
    key = f"document.refused.{reason.value}"
    text = t(grant.language, key) if grant else f"{t('da', key)}\n\n{t('en', key)}"
    log.info("document.download_refused", extra={"reason": reason.value})
    return web.Response(
        text=text + "\n",
        status=STATUS.get(reason, 403),
        content_type="text/plain",
        charset="utf-8",
        headers=SAFE_HEADERS,
    )


def _page(grant: Grant) -> web.Response:
    """The one button that fetches the file (the form posts to this very address)."""
    language: Language = grant.language
    title = escape(t(language, "document.page_title", month=month_label(grant.period, language)))
    body = escape(t(language, "document.page_body"))
    button = escape(t(language, f"document.get_{grant.format}"))
    html = f"""<!doctype html>
<html lang="{language}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;
color:#1f2933}}h1{{font-size:1.3rem;color:#2f6b9a}}button{{font-size:1rem;padding:.6rem 1.2rem;
background:#2f6b9a;color:#fff;border:0;border-radius:4px;cursor:pointer}}</style></head>
<body><h1>{title}</h1><p>{body}</p>
<form method="post"><button type="submit">{button}</button></form></body></html>
"""
    headers = {**SAFE_HEADERS, "Content-Security-Policy": PAGE_POLICY}
    return web.Response(text=html, content_type="text/html", charset="utf-8", headers=headers)


def _address(request: web.Request) -> tuple[str, str, str, str]:
    info = request.match_info
    return request.query.get("link", ""), info["unit_id"], info["period"], info["file_format"]


async def show_page(request: web.Request) -> web.Response:
    token, unit_id, period, file_format = _address(request)
    try:
        grant = await request.app[DOWNLOADS].links.check(token, unit_id, period, file_format)
    except LinkRefused as error:
        return _refused(error.reason, error.grant)
    return _page(grant)


async def download(request: web.Request) -> web.Response:
    """Use the link up, check the person's access as it is now, and hand over the file."""
    token, unit_id, period, file_format = _address(request)
    downloads = request.app[DOWNLOADS]
    grant: Grant | None = None
    try:
        grant = await downloads.links.redeem(token, unit_id, period, file_format)
        made = await downloads.exporter.for_person(
            grant.person, grant.unit, grant.period, grant.format, grant.language
        )
    except LinkRefused as error:
        return _refused(error.reason, error.grant)
    except NotAllowed:
        return _refused(Refusal.NOT_ALLOWED, grant)
    except DomainError:  # the unit is gone since the link was made
        return _refused(Refusal.NOT_ALLOWED, grant)
    log.info("document.downloaded", extra={"format": made.content_type.rsplit("/", 1)[-1]})
    headers: dict[str, Any] = {**SAFE_HEADERS, "Content-Disposition": attachment_header(made.name)}
    return web.Response(body=made.data, content_type=made.content_type, headers=headers)


def add_download_routes(app: web.Application) -> None:
    app.router.add_get(PATH, show_page)
    app.router.add_post(PATH, download)
