"""The files the tab's page loads, all served by the bot: nothing comes from a CDN at run time.

Our own script, styles and charts live in static/. TeamsJS comes from npm (`@microsoft/teams-js`,
package.json): `make deps-node` copies its UMD build into static/vendor/, so an installed package
carries it; a checkout without that copy serves it straight from node_modules.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC_DIR = Path(__file__).resolve().with_name("static")
ROOT = Path(__file__).resolve().parents[2]
TEAMS_JS = "teams-js.min.js"
TEAMS_JS_IN_NPM = Path("@microsoft/teams-js/dist/umd/MicrosoftTeams.min.js")
OWN_FILES = frozenset({"app.js", "charts.js", "app.css"})
CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


def teams_js_path() -> Path | None:
    """The copied TeamsJS file, else node_modules' own; None when neither is there."""
    for candidate in (STATIC_DIR / "vendor" / TEAMS_JS, ROOT / "node_modules" / TEAMS_JS_IN_NPM):
        if candidate.is_file():
            return candidate
    return None


def static_file(name: str) -> web.StreamResponse:
    """One of the known files by name (no paths: nothing else on the disk can be asked for)."""
    path = teams_js_path() if name == TEAMS_JS else STATIC_DIR / name if name in OWN_FILES else None
    if path is None or not path.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(
        path,
        headers={
            "Content-Type": CONTENT_TYPES[path.suffix],
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
        },
    )
