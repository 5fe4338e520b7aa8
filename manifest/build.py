"""Build the Teams app package (the zip an admin uploads to Teams) from the manifest template.

The template holds everything that is the same for every installation; what differs per tenant
(the bot's app id, the version, the organisation's own web pages) is filled in here, so one
checked-in template serves every deployment.

    python -m manifest.build --app-id GUID [--version 1.2.3] [--out manifest/build/trivselsbot.zip]
"""

from __future__ import annotations

import argparse
import copy
import importlib.metadata
import json
import os
import re
import sys
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

MANIFEST_DIR = Path(__file__).resolve().parent
TEMPLATE_PATH = MANIFEST_DIR / "manifest.template.json"
LOCALIZATION_FILES = ("en.json",)
ICON_FILES = ("color.png", "outline.png")
DEFAULT_OUT = MANIFEST_DIR / "build" / "trivselsbot.zip"

RESULTS_TAB = "results"
TAB_NAMES = {"da": "Resultater", "en": "Results"}  # the tab's name in Teams, per language

# Placeholders: organisations are expected to point these at their own pages (--website-url etc.).
DEFAULT_WEBSITE_URL = "https://example.org/trivselsbot"
DEFAULT_PRIVACY_URL = "https://example.org/trivselsbot/privacy"
DEFAULT_TERMS_URL = "https://example.org/trivselsbot/terms"

GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
SEMVER = re.compile(r"^(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)$")
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
# A fixed timestamp makes the zip byte-for-byte reproducible from the same inputs.
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)


class PackageError(ValueError):
    """A package cannot be built; the message is one line that says what to fix."""


def check_app_id(app_id: str | None) -> str:
    """Return the app id if it is a GUID: Teams refuses anything else as id and botId."""
    value = (app_id or "").strip()
    if not value:
        raise PackageError(
            "MicrosoftAppId is not set: pass --app-id GUID or set MicrosoftAppId "
            "to the bot's Azure app registration (client) id"
        )
    if not GUID.fullmatch(value):
        raise PackageError(
            f"app id {value!r} is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx): "
            "use the bot's Azure app registration (client) id"
        )
    return value


def check_version(version: str) -> str:
    """Return the version if it is MAJOR.MINOR.PATCH: Teams only updates an app when it grows."""
    if not SEMVER.fullmatch(version):
        raise PackageError(f"version {version!r} must be MAJOR.MINOR.PATCH, e.g. 1.0.0")
    return version


def check_https(name: str, url: str) -> str:
    """Return the URL if it is https: Teams shows these links to users and requires https."""
    if not re.match(r"^https://[^\s/]+", url):
        raise PackageError(f"{name} {url!r} must be an https:// URL")
    return url


def default_version() -> str:
    """The installed project's version, so the app version follows releases without extra steps."""
    try:
        return importlib.metadata.version("trivselsbot")
    except importlib.metadata.PackageNotFoundError:
        return "0.1.0"


def _substitute(node: Any, values: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {key: _substitute(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_substitute(item, values) for item in node]
    if isinstance(node, str):
        return PLACEHOLDER.sub(lambda m: values[m.group(1)], node)
    return node


def load_template() -> dict[str, Any]:
    """The manifest template as checked in, placeholders and all."""
    template: dict[str, Any] = json.loads(TEMPLATE_PATH.read_text(encoding="utf-8"))
    return template


def render_manifest(
    app_id: str,
    version: str | None = None,
    *,
    website_url: str = DEFAULT_WEBSITE_URL,
    privacy_url: str = DEFAULT_PRIVACY_URL,
    terms_url: str = DEFAULT_TERMS_URL,
    public_url: str = "",
) -> dict[str, Any]:
    """The manifest for one installation; the app id is both the manifest id and the botId.

    With the bot's public address (BOT_PUBLIC_URL) its host is the package's one valid domain, so
    `trivselsbot doctor` can tell a package built for another host from the right one."""
    values = {
        "appId": check_app_id(app_id),
        "version": check_version(version or default_version()),
        "websiteUrl": check_https("website URL", website_url),
        "privacyUrl": check_https("privacy URL", privacy_url),
        "termsOfUseUrl": check_https("terms of use URL", terms_url),
    }
    template = load_template()
    missing = sorted(set(PLACEHOLDER.findall(json.dumps(template))) - values.keys())
    if missing:
        raise PackageError(f"manifest template has unknown placeholders: {', '.join(missing)}")
    rendered: dict[str, Any] = _substitute(copy.deepcopy(template), values)
    if public_url:
        rendered["validDomains"] = [public_host(public_url)]
        rendered.update(results_tab(values["appId"], public_url))
    return rendered


def sso_resource(app_id: str, public_url: str) -> str:
    """The Application ID URI Teams asks Entra ID for the tab's token: the audience the bot
    accepts (bot/tab/sso.py) and the manifest's webApplicationInfo.resource, written once."""
    return f"api://{public_host(public_url)}/{app_id}"


def results_tab(app_id: str, public_url: str) -> dict[str, Any]:
    """The Resultater tab (bot/tab/) and its single sign-on: only with the bot's public address,
    since Teams loads the tab from there. Teams fills in {locale} and {theme}."""
    origin = public_url.rstrip("/")
    return {
        "staticTabs": [
            {
                "entityId": RESULTS_TAB,
                "name": TAB_NAMES["da"],
                "contentUrl": f"{origin}/tab?locale={{locale}}&theme={{theme}}",
                "websiteUrl": f"{origin}/tab",
                "scopes": ["personal"],
            }
        ],
        "webApplicationInfo": {"id": app_id, "resource": sso_resource(app_id, public_url)},
    }


def localization(name: str, manifest: dict[str, Any]) -> bytes:
    """A localization file as the package holds it: with the tab's name when it has the tab."""
    source = (MANIFEST_DIR / name).read_bytes()
    if "staticTabs" not in manifest:
        return source
    texts: dict[str, Any] = json.loads(source.decode("utf-8"))
    texts["staticTabs[0].name"] = TAB_NAMES[name.removesuffix(".json")]
    return manifest_json(texts)


def public_host(public_url: str) -> str:
    """The host name of an https:// address, as validDomains spells it (no scheme, no port)."""
    check_https("public URL", public_url)
    return urlsplit(public_url).hostname or ""


def read_package_manifest(package: Path | str) -> dict[str, Any]:
    """manifest.json from a built package zip (what Teams admins uploaded, or will)."""
    try:
        with zipfile.ZipFile(package) as archive:
            manifest: dict[str, Any] = json.loads(archive.read("manifest.json"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
        raise PackageError(f"{package} is not a Teams app package: {error}") from None
    return manifest


def manifest_json(manifest: dict[str, Any]) -> bytes:
    """UTF-8 without a byte order mark and with æ/ø/å kept literal, as Teams expects."""
    return (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def build_package(
    app_id: str,
    out_path: Path | str = DEFAULT_OUT,
    *,
    version: str | None = None,
    website_url: str = DEFAULT_WEBSITE_URL,
    privacy_url: str = DEFAULT_PRIVACY_URL,
    terms_url: str = DEFAULT_TERMS_URL,
    public_url: str = "",
) -> Path:
    """Write the app package zip (manifest, localization and icons at its root) and return it."""
    manifest = render_manifest(
        app_id,
        version,
        website_url=website_url,
        privacy_url=privacy_url,
        terms_url=terms_url,
        public_url=public_url,
    )
    entries: list[tuple[str, bytes]] = [("manifest.json", manifest_json(manifest))]
    for name in (*LOCALIZATION_FILES, *ICON_FILES):
        source = MANIFEST_DIR / name
        if not source.is_file():
            raise PackageError(f"{source} is missing (icons: python -m manifest.icons)")
        data = localization(name, manifest) if name in LOCALIZATION_FILES else source.read_bytes()
        entries.append((name, data))

    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    partial.replace(out)  # never leave a half-written package where Teams admins look for it
    return out


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m manifest.build", description="Build the Trivselsbot Teams app package."
    )
    parser.add_argument(
        "--app-id", help="the bot's Microsoft app id (GUID); default: env MicrosoftAppId"
    )
    parser.add_argument("--version", help="app version MAJOR.MINOR.PATCH; default: the project's")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="zip to write")
    parser.add_argument(
        "--website-url",
        default=os.environ.get("BOT_WEBSITE_URL") or DEFAULT_WEBSITE_URL,
        help="developer website (env BOT_WEBSITE_URL)",
    )
    parser.add_argument(
        "--privacy-url",
        default=os.environ.get("BOT_PRIVACY_URL") or DEFAULT_PRIVACY_URL,
        help="privacy statement (env BOT_PRIVACY_URL)",
    )
    parser.add_argument(
        "--terms-url",
        default=os.environ.get("BOT_TERMS_URL") or DEFAULT_TERMS_URL,
        help="terms of use (env BOT_TERMS_URL)",
    )
    parser.add_argument(
        "--public-url",
        default=os.environ.get("BOT_PUBLIC_URL") or "",
        help="the bot's public https address, its host becomes validDomains (env BOT_PUBLIC_URL)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """CLI entry: an empty --app-id (as `make` passes an unset variable) falls back to the env."""
    args = _parser().parse_args(argv)
    app_id = args.app_id or os.environ.get("MicrosoftAppId")
    try:
        out = build_package(
            app_id or "",
            args.out,
            version=args.version,
            website_url=args.website_url,
            privacy_url=args.privacy_url,
            terms_url=args.terms_url,
            public_url=args.public_url,
        )
    except PackageError as error:
        print(f"manifest.build: error: {error}", file=sys.stderr)
        return 2
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
