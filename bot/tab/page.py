"""The tab's one HTML page: a shell with the texts in the viewer's language; the data comes later.

Teams loads it as the static tab's contentUrl with `?locale={locale}&theme={theme}`, so the first
paint is already in the right language and colours. It carries no figure and needs no sign-in;
the script asks Teams for a token and reads the API (bot/tab/routes.py). A strict Content Security
Policy keeps it to the bot's own files and lets only Teams (and Microsoft 365) frame it.
"""

from __future__ import annotations

import html
import json

from aiohttp import web

from dialogs.i18n import LANGUAGES, Language, t

THEMES = ("default", "dark", "contrast")
# Where Teams runs the tab (web, desktop and mobile all frame it from these).
FRAME_ANCESTORS = (
    "https://teams.microsoft.com",
    "https://*.teams.microsoft.com",
    "https://teams.live.com",
    "https://*.cloud.microsoft",
    "https://*.office.com",
    "https://*.microsoft365.com",
)
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",  # TeamsJS's own look-up of valid origins falls back to its list
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'self' " + " ".join(FRAME_ANCESTORS),
    ]
)
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
SHARED_KEYS = ("date.months",)  # texts of the bot the page uses too


def tab_texts(language: Language) -> dict[str, str]:
    """Every text the page shows: the tab's own, the four themes' names, the month names."""
    texts = LANGUAGES[language]
    return {
        key: value
        for key, value in texts.items()
        if key.startswith(("tab.", "theme.")) or key in SHARED_KEYS
    }


def _json_for_script(value: object) -> str:
    """JSON that cannot end (or otherwise bend) its <script> element: no `<` in it at all."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")


def render_page(language: Language, theme: str, *, dev_mode: bool) -> web.Response:
    theme = theme if theme in THEMES else "default"
    config = {"lang": language, "theme": theme, "dev": dev_mode, "texts": tab_texts(language)}
    body = f"""<!doctype html>
<html lang="{language}" data-theme="{theme}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(t(language, "tab.title"))} · Trivselsbot</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/tab/static/app.css">
<script type="application/json" id="tab-config">{_json_for_script(config)}</script>
<script src="/tab/static/teams-js.min.js" defer></script>
<script src="/tab/static/charts.js" defer></script>
<script src="/tab/static/app.js" defer></script>
</head>
<body>
<a class="skip" href="#main">{html.escape(t(language, "tab.skip"))}</a>
<header class="top">
<p class="brand">{html.escape(t(language, "tab.title"))}</p>
<nav id="crumbs" aria-label="{html.escape(t(language, "tab.crumbs"))}"></nav>
</header>
<main id="main" tabindex="-1"><p class="status" role="status">{html.escape(t(language, "tab.loading"))}</p></main>
<noscript><p class="status">{html.escape(t(language, "tab.noscript"))}</p></noscript>
</body>
</html>
"""
    return web.Response(text=body, content_type="text/html", charset="utf-8", headers=PAGE_HEADERS)
