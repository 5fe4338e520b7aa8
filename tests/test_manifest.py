"""The Teams app package: valid against Microsoft's own schemas (offline), icons Teams accepts,
and a build command that refuses a bad app id instead of producing a package Teams rejects."""

from __future__ import annotations

import copy
import json
import re
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from manifest import build, icons
from manifest.build import PackageError, build_package, render_manifest

ROOT = Path(__file__).resolve().parents[1]
MANIFEST_DIR = ROOT / "manifest"
VALIDATOR = ROOT / "tests" / "js" / "validate_manifest.mjs"
LIBRARY = ROOT / "node_modules" / "@microsoft" / "app-manifest"
TEST_APP_ID = "0f3b7c2e-5a41-4d7e-9c1a-6b2d8e4f1a90"
PACKAGE_FILES = {"manifest.json", "en.json", "color.png", "outline.png"}


# --- offline schema validation through npm @microsoft/app-manifest ------------------------------


def run_validator(*files: Path) -> subprocess.CompletedProcess[str]:
    """Run the node validator; its absence is a failure, never a silent pass."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: the manifest cannot be validated")
    if not (LIBRARY / "package.json").is_file():
        pytest.fail(f"{LIBRARY} is missing: run `npm ci` in {ROOT}")
    return subprocess.run(
        [node, str(VALIDATOR), *map(str, files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def write_package_dir(
    directory: Path, manifest: dict[str, Any], en: dict[str, Any] | None = None
) -> Path:
    """Lay out manifest.json next to en.json, as they sit at the root of the zip."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "manifest.json"
    path.write_bytes(build.manifest_json(manifest))
    en_text = (
        json.dumps(en, ensure_ascii=False, indent=2)
        if en is not None
        else (MANIFEST_DIR / "en.json").read_text(encoding="utf-8")
    )
    (directory / "en.json").write_text(en_text, encoding="utf-8")
    return path


def english() -> dict[str, Any]:
    en: dict[str, Any] = json.loads((MANIFEST_DIR / "en.json").read_text(encoding="utf-8"))
    return en


@pytest.mark.parametrize("public_url", ["", "https://trivsel.example.org"])
def test_rendered_manifest_and_english_localization_are_valid_offline(
    tmp_path: Path, public_url: str
) -> None:
    manifest = render_manifest(TEST_APP_ID, "1.2.3", public_url=public_url)
    if public_url:  # the host `trivselsbot doctor` compares with BOT_PUBLIC_URL
        assert manifest["validDomains"] == ["trivsel.example.org"]
    path = write_package_dir(tmp_path, manifest)

    result = run_validator(path)

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[0:2] for line in lines] == [
        ["OK", str(path)],
        ["OK", str(tmp_path / "en.json")],
    ]
    # The schemas really came from the package's bundled files, not from the network.
    used = re.findall(r"from (\S+MicrosoftTeams(?:\.Localization)?\.schema\.json)", result.stdout)
    assert used == [
        str(LIBRARY / "build/json-schemas/teams/v1.25/MicrosoftTeams.schema.json"),
        str(LIBRARY / "build/json-schemas/teams/v1.25/MicrosoftTeams.Localization.schema.json"),
    ]
    assert "via AppManifestUtils" in lines[0]


def _mutate(manifest: dict[str, Any], dotted: str, value: Any) -> None:
    target: Any = manifest
    *parents, last = [int(p) if p.isdigit() else p for p in dotted.split(".")]
    for key in parents:
        target = target[key]
    target[last] = value


@pytest.mark.parametrize(
    ("field", "value", "expected_error"),
    [
        ("name.short", "T" * 40, "/name/short must NOT have more than 30 characters"),
        (
            "bots.0.scopes.2",
            "groupchat",
            "/bots/0/scopes/2 must be equal to one of the allowed values",
        ),
        ("accentColor", "teal", "/accentColor must match pattern"),
    ],
)
def test_validator_catches_an_invalid_manifest(
    tmp_path: Path, field: str, value: Any, expected_error: str
) -> None:
    manifest = render_manifest(TEST_APP_ID, "1.0.0")
    _mutate(manifest, field, value)
    path = write_package_dir(tmp_path, manifest)

    result = run_validator(path)

    assert result.returncode == 1, result.stdout + result.stderr
    assert f"INVALID {path}" in result.stdout
    assert expected_error in result.stdout


def test_validator_catches_an_invalid_localization_file(tmp_path: Path) -> None:
    en = english()
    en["description.short"] = "x" * 81
    en["name.shrot"] = "typo"
    path = write_package_dir(tmp_path, render_manifest(TEST_APP_ID, "1.0.0"), en)

    result = run_validator(path)

    assert result.returncode == 1, result.stdout + result.stderr
    assert f"OK {path}" in result.stdout
    assert f"INVALID {tmp_path / 'en.json'}" in result.stdout
    assert "/description.short must NOT have more than 80 characters" in result.stdout
    assert '"additionalProperty":"name.shrot"' in result.stdout


def test_validator_refuses_a_schema_it_does_not_bundle_instead_of_downloading(
    tmp_path: Path,
) -> None:
    manifest = render_manifest(TEST_APP_ID, "1.0.0")
    manifest["$schema"] = (
        "https://developer.microsoft.com/json-schemas/teams/v1.99/MicrosoftTeams.schema.json"
    )
    manifest["manifestVersion"] = "1.99"
    path = write_package_dir(tmp_path, manifest)

    result = run_validator(path)

    assert result.returncode == 2
    assert "not bundled" in result.stderr
    assert "OK" not in result.stdout


def test_library_reads_bundled_schemas_before_it_would_fetch() -> None:
    """Guards the assumption the validator is built on, should the library change its layout."""
    assert (LIBRARY / "build/json-schemas/teams/v1.25/MicrosoftTeams.schema.json").is_file()
    assert (
        LIBRARY / "build/json-schemas/teams/v1.25/MicrosoftTeams.Localization.schema.json"
    ).is_file()
    source = (LIBRARY / "build/generated-types/index.js").read_text(encoding="utf-8")
    assert "static async validateAgainstSchema(manifest, schema)" in source
    assert "if (!schema)" in source  # a schema passed in is used as is: no lookup, no fetch


# --- content -------------------------------------------------------------------------------------


def test_manifest_content_is_danish_first_with_the_commands_and_the_app_id() -> None:
    manifest = render_manifest(
        TEST_APP_ID, "2.0.1", website_url="https://kommune.example.dk/trivsel"
    )

    assert manifest["$schema"] == (
        "https://developer.microsoft.com/json-schemas/teams/v1.25/MicrosoftTeams.schema.json"
    )
    assert manifest["manifestVersion"] == "1.25"
    assert manifest["id"] == manifest["bots"][0]["botId"] == TEST_APP_ID
    assert manifest["version"] == "2.0.1"
    assert manifest["developer"]["name"] == "Trivselsbot (open source)"
    assert manifest["developer"]["websiteUrl"] == "https://kommune.example.dk/trivsel"
    assert all(
        manifest["developer"][k].startswith("https://") for k in ("privacyUrl", "termsOfUseUrl")
    )
    assert manifest["name"]["short"] == "Trivselsbot"
    assert manifest["localizationInfo"] == {
        "defaultLanguageTag": "da",
        "additionalLanguages": [{"languageTag": "en", "file": "en.json"}],
    }
    bot = manifest["bots"][0]
    assert bot["scopes"] == ["personal", "team", "groupChat"]
    commands = {
        scope: [c["title"] for c in command_list["commands"]]
        for command_list in bot["commandLists"]
        for scope in command_list["scopes"]
    }
    assert commands == {
        "personal": ["hjælp", "mine data", "resumé", "hr"],
        "team": ["hjælp"],
        "groupChat": ["hjælp"],
    }
    assert "{{" not in json.dumps(manifest)


def test_the_results_tab_signs_in_with_sso_on_the_public_address() -> None:
    """With the bot's public address: the personal tab Resultater, loaded from there in the
    viewer's locale and theme; Teams asks for the SSO token of api://<host>/<app id>, the
    audience bot/tab/sso.py accepts. Without it the package is the bot alone."""
    host = "trivsel.kommune.example.dk"
    manifest = render_manifest(TEST_APP_ID, "1.0.0", public_url=f"https://{host}")
    assert manifest["staticTabs"] == [
        {
            "entityId": "results",
            "name": "Resultater",
            "contentUrl": f"https://{host}/tab?locale={{locale}}&theme={{theme}}",
            "websiteUrl": f"https://{host}/tab",
            "scopes": ["personal"],
        }
    ]
    assert manifest["validDomains"] == [host]
    assert manifest["webApplicationInfo"] == {
        "id": TEST_APP_ID,
        "resource": f"api://{host}/{TEST_APP_ID}",
    }
    bare = render_manifest(TEST_APP_ID, "1.0.0")
    assert "staticTabs" not in bare and "webApplicationInfo" not in bare


def test_a_package_with_the_tab_is_valid_and_names_it_in_english(tmp_path: Path) -> None:
    out = build_package(
        TEST_APP_ID, tmp_path / "tab.zip", version="1.0.0", public_url="https://trivsel.example.org"
    )
    with zipfile.ZipFile(out) as archive:
        en = json.loads(archive.read("en.json"))
        archive.extractall(tmp_path / "unzipped")
    assert en["staticTabs[0].name"] == "Results"
    assert {k: v for k, v in en.items() if k != "staticTabs[0].name"} == english()
    result = run_validator(tmp_path / "unzipped" / "manifest.json")
    assert result.returncode == 0, result.stdout + result.stderr


def test_texts_say_answers_are_anonymous_in_both_languages() -> None:
    manifest = render_manifest(TEST_APP_ID, "1.0.0")
    en = english()

    assert "anonym" in manifest["description"]["short"].lower()
    assert "Alle svar er anonyme" in manifest["description"]["full"]
    assert "anonymous" in en["description.short"].lower()
    assert "All answers are anonymous" in en["description.full"]
    danish = json.dumps(manifest, ensure_ascii=False)
    assert all(letter in danish for letter in "æøå")


def test_english_file_translates_every_command_and_nothing_else() -> None:
    manifest = render_manifest(TEST_APP_ID, "1.0.0")
    expected = {
        f"bots[0].commandLists[{i}].commands[{j}].{field}"
        for i, command_list in enumerate(manifest["bots"][0]["commandLists"])
        for j, _ in enumerate(command_list["commands"])
        for field in ("title", "description")
    }
    en = english()
    command_keys = {key for key in en if key.startswith("bots[")}

    assert command_keys == expected
    assert en["$schema"] == manifest["$schema"].replace(
        "MicrosoftTeams.schema.json", "MicrosoftTeams.Localization.schema.json"
    )


# --- icons ---------------------------------------------------------------------------------------


def png_header(data: bytes) -> tuple[int, int, int, int]:
    """Width, height, bit depth and colour type from the IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    width, height, depth, colour_type = struct.unpack(">IIBB", data[16:26])
    return width, height, depth, colour_type


def png_pixels(data: bytes) -> list[bytes]:
    """Decode an 8-bit RGB/RGBA non-interlaced PNG into rows of raw pixel bytes."""
    width, height, depth, colour_type = png_header(data)
    assert depth == 8 and colour_type in (2, 6) and data[28] == 0, "unsupported PNG layout"
    bpp = 4 if colour_type == 6 else 3
    idat, pos = b"", 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        filter_type = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = previous[i]
            c = previous[i - bpp] if i >= bpp else 0
            if filter_type == 1:
                line[i] = (line[i] + a) & 0xFF
            elif filter_type == 2:
                line[i] = (line[i] + b) & 0xFF
            elif filter_type == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif filter_type == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        previous = line
    return rows


def test_color_icon_is_192_square_full_colour() -> None:
    data = (MANIFEST_DIR / "color.png").read_bytes()
    width, height, depth, colour_type = png_header(data)

    assert (width, height, depth) == (192, 192, 8)
    assert colour_type in (2, 6)  # truecolour, with or without alpha
    colours = {row[i : i + 3] for row in png_pixels(data) for i in range(0, len(row), 3)}
    assert bytes(icons.ACCENT_RGB) in colours and b"\xff\xff\xff" in colours


def test_outline_icon_is_32_square_white_on_transparent() -> None:
    data = (MANIFEST_DIR / "outline.png").read_bytes()

    assert png_header(data) == (32, 32, 8, 6)  # RGBA: the outline needs its alpha channel
    pixels = [row[i : i + 4] for row in png_pixels(data) for i in range(0, len(row), 4)]
    assert all(p[:3] == b"\xff\xff\xff" or p[3] == 0 for p in pixels), "only white or transparent"
    alphas = [p[3] for p in pixels]
    assert alphas.count(0) > 100 and alphas.count(255) > 100  # a real mark, a real background


def test_committed_icons_are_what_icons_py_draws() -> None:
    assert png_pixels(icons.color_icon()) == png_pixels((MANIFEST_DIR / "color.png").read_bytes())
    assert png_pixels(icons.outline_icon()) == png_pixels(
        (MANIFEST_DIR / "outline.png").read_bytes()
    )


def test_accent_colour_matches_the_icon_background() -> None:
    accent = render_manifest(TEST_APP_ID, "1.0.0")["accentColor"]
    assert accent.lower() == "#" + bytes(icons.ACCENT_RGB).hex()


# --- the package ---------------------------------------------------------------------------------


def test_build_package_writes_exactly_the_package_files(tmp_path: Path) -> None:
    out = build_package(TEST_APP_ID, tmp_path / "out" / "trivselsbot.zip", version="3.1.4")

    assert out == tmp_path / "out" / "trivselsbot.zip"
    with zipfile.ZipFile(out) as archive:
        assert set(archive.namelist()) == PACKAGE_FILES
        manifest_bytes = archive.read("manifest.json")
        assert not manifest_bytes.startswith(b"\xef\xbb\xbf")
        manifest = json.loads(manifest_bytes.decode("utf-8"))
        for name in ("en.json", "color.png", "outline.png"):
            assert archive.read(name) == (MANIFEST_DIR / name).read_bytes()
        archive.extractall(tmp_path / "unzipped")
    assert manifest["id"] == manifest["bots"][0]["botId"] == TEST_APP_ID
    assert manifest["version"] == "3.1.4"
    assert "hjælp".encode() in manifest_bytes  # Danish letters kept literal, not \u-escaped
    assert list((tmp_path / "out").iterdir()) == [out]  # no temporary file left behind

    result = run_validator(tmp_path / "unzipped" / "manifest.json")
    assert result.returncode == 0, result.stdout + result.stderr


def test_build_package_is_reproducible(tmp_path: Path) -> None:
    first = build_package(TEST_APP_ID, tmp_path / "a.zip", version="1.0.0").read_bytes()
    second = build_package(TEST_APP_ID, tmp_path / "b.zip", version="1.0.0").read_bytes()
    assert first == second


@pytest.mark.parametrize(
    "bad", ["", "   ", "not-a-guid", TEST_APP_ID + "0", "{" + TEST_APP_ID + "}"]
)
def test_build_package_refuses_a_bad_app_id(tmp_path: Path, bad: str) -> None:
    with pytest.raises(PackageError, match="MicrosoftAppId is not set|is not a GUID") as caught:
        build_package(bad, tmp_path / "p.zip")
    assert "\n" not in str(caught.value)
    assert not (tmp_path / "p.zip").exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"version": "1.0"}, "MAJOR.MINOR.PATCH"),
        ({"version": "01.0.0"}, "MAJOR.MINOR.PATCH"),
        ({"privacy_url": "http://kommune.example.dk/privatliv"}, "must be an https:// URL"),
    ],
)
def test_render_refuses_bad_version_and_plain_http(kwargs: dict[str, str], message: str) -> None:
    args = {"version": "1.0.0", **kwargs}
    with pytest.raises(PackageError, match=message):
        render_manifest(TEST_APP_ID, **args)


def test_template_is_left_untouched_by_rendering() -> None:
    before = copy.deepcopy(build.load_template())
    render_manifest(TEST_APP_ID, "1.0.0")
    assert build.load_template() == before
    assert before["id"] == before["bots"][0]["botId"] == "{{appId}}"


# --- command line --------------------------------------------------------------------------------


def test_cli_reads_the_app_id_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MicrosoftAppId", TEST_APP_ID)
    out = tmp_path / "pkg.zip"

    # `make` passes an unset variable as an empty --app-id; that must fall back to the env.
    assert build.main(["--app-id", "", "--out", str(out), "--version", "1.0.0"]) == 0

    assert capsys.readouterr().out.strip() == str(out)
    with zipfile.ZipFile(out) as archive:
        assert json.loads(archive.read("manifest.json"))["id"] == TEST_APP_ID


def test_cli_fails_with_one_clear_line_without_an_app_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("MicrosoftAppId", raising=False)

    assert build.main(["--out", str(tmp_path / "pkg.zip")]) == 2

    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("manifest.build: error: MicrosoftAppId is not set")
    assert not (tmp_path / "pkg.zip").exists()


def test_cli_module_refuses_an_app_id_that_is_not_a_guid(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "manifest.build",
            "--app-id",
            "my-bot",
            "--out",
            str(tmp_path / "p.zip"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "manifest.build: error: app id 'my-bot' is not a GUID "
        "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx): use the bot's Azure app registration (client) id"
    ]
