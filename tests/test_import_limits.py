"""Limits that hold under abuse: YAML aliases ("billion laughs") and very deep documents are refused
quickly with a clear message by every importer, and every door has a size limit.

"Quickly" is checked as work, not as time (a wall clock on a shared CI machine says more about the
neighbours than about the loader): the loader reads no more than the first MAX_DEPTH + a few events
of the document and builds nothing from it.

The doors: `trivselsbot prompts import`, `trivselsbot units import` (YAML or CSV) and
`trivselsbot baseline import` (CSV) read files; the admin API's prompt import reads JSON or YAML
bodies, as its other POST/PATCH operations and /api/messages read JSON. Everything goes through
storage/files/safe_yaml.py (YAML) and storage/files/import_files.py (files) or bot/teams/request_body.py (bodies).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.teams.request_body import MAX_BODY_BYTES
from storage.directory.hierarchy import InvalidHierarchy
from storage.directory.hierarchy_file import parse_yaml
from storage.files.import_files import MAX_IMPORT_BYTES, ImportFileError, read_import_file
from storage.files.safe_yaml import (
    MAX_DEPTH,
    MAX_YAML_CHARS,
    RefusedYaml,
    SafeYamlLoader,
    safe_load,
)
from storage.prompts.file_format import parse_library, starter_library
from storage.prompts.validation import InvalidPrompts
from storage.question_bank import default_bank
from tests.conftest import make_settings
from tests.test_cli_units import trivselsbot

TOKEN = "admin-token-0123456789-0123456789-abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def laughs(levels: int = 9, key: str = "prompts") -> str:
    """The classic: each anchor a list of ten aliases to the one before (10**levels strings),
    inside the list the importer reads, so no other check can refuse it first."""
    lines = [f"{key}:", '  - &a0 ["lol"]']
    for n in range(1, levels + 1):
        lines.append(f"  - &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def deep(levels: int = 10_000) -> str:
    return "prompts: " + "[" * levels + "]" * levels + "\n"


def deep_block(levels: int = 200) -> str:
    """Deep in block style too (each level a mapping indented under the last)."""
    return "".join(f"{'  ' * n}k{n}:\n" for n in range(levels)) + "  " * levels + "x\n"


# A harmless-looking alias is refused too: no format of ours needs one, and telling a small
# alias from a bomb would mean expanding it.
# (Before, this one was imported: two prompts sharing one text.)
ONE_ALIAS = """\
prompts:
  - id: alias-one
    theme: blik_for_borgeren
    text: &text {da: "Hvad gjorde en forskel i dag?", en: "What made a difference today?"}
  - {id: alias-two, theme: blik_for_borgeren, text: *text}
"""
UNITS_LAUGHS = laughs(9, key="units")
UNITS_DEEP = deep().replace("prompts:", "units:")
ABUSE = {
    "billion laughs": laughs(),
    "one alias": ONE_ALIAS,
    "merge key": "prompts:\n  - &b {id: m, theme: blik_for_borgeren}\n  - {<<: *b, id: n}\n",
    "deep flow": deep(),
    "deep block": deep_block(),
}


class LoaderWork:
    """What the shared loader did with one document: the parser events it pulled and whether it
    built Python objects from them (the constructor is where an alias bomb explodes)."""

    def __init__(self) -> None:
        self.events = 0
        self.constructed = 0

    def assert_refused_early(self) -> None:
        # A refusal at the first alias, or at level MAX_DEPTH + 1: the stream start, the document
        # start and one event per level (and per key in block style) before it; never the rest.
        assert 0 < self.events <= 2 * MAX_DEPTH + 4, self.events
        assert self.constructed == 0


@pytest.fixture
def loader_work(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoaderWork]:
    work = LoaderWork()
    get_event, construct_document = SafeYamlLoader.get_event, SafeYamlLoader.construct_document

    def counted_event(self: SafeYamlLoader) -> object:
        work.events += 1
        return get_event(self)  # type: ignore[no-untyped-call]

    def counted_construct(self: SafeYamlLoader, node: object) -> object:
        work.constructed += 1
        return construct_document(self, node)  # type: ignore[arg-type]

    monkeypatch.setattr(SafeYamlLoader, "get_event", counted_event)
    monkeypatch.setattr(SafeYamlLoader, "construct_document", counted_construct)
    yield work


def test_the_work_count_sees_a_document_that_is_read_whole(loader_work: LoaderWork) -> None:
    """The counter itself: a document within the limits is read to its end and built."""
    safe_load("- " * (MAX_DEPTH - 1) + "x\n")
    assert loader_work.events > MAX_DEPTH and loader_work.constructed == 1
    with pytest.raises(AssertionError):
        loader_work.assert_refused_early()


@pytest.mark.parametrize("document", list(ABUSE.values()), ids=list(ABUSE))
def test_the_prompt_library_refuses_aliases_and_depth_quickly(
    document: str, loader_work: LoaderWork
) -> None:
    with pytest.raises(InvalidPrompts) as refused:
        parse_library(document)
    loader_work.assert_refused_early()
    [issue] = refused.value.issues
    assert issue.code == "refused_yaml" and issue.line is not None
    assert issue.message.startswith("refused: ")
    assert "aliases" in issue.message or f"more than {MAX_DEPTH} levels" in issue.message


@pytest.mark.parametrize(
    "document", [UNITS_LAUGHS, UNITS_DEEP, deep_block()], ids=["laughs", "deep", "deep block"]
)
def test_the_units_file_refuses_aliases_and_depth_quickly(
    document: str, loader_work: LoaderWork
) -> None:
    with pytest.raises(InvalidHierarchy) as refused:
        parse_yaml(document)
    loader_work.assert_refused_early()
    [problem] = refused.value.problems
    assert problem.startswith("line ") and ": refused: " in problem


def test_the_shared_loader_reads_what_we_ship_and_what_we_export() -> None:
    assert len(starter_library()) > 10 and default_bank().dimensions  # both load through it
    assert safe_load("a: [1, {b: c}]\n") == {"a": [1, {"b": "c"}]}
    assert safe_load("- " * (MAX_DEPTH - 1) + "x\n") is not None  # up to the limit is fine
    with pytest.raises(RefusedYaml):
        safe_load("- " * (MAX_DEPTH + 1) + "x\n")
    with pytest.raises(RefusedYaml, match="larger than"):
        safe_load("#" * (MAX_YAML_CHARS + 1))


def test_the_cli_importers_refuse_them_with_one_clear_line(tmp_path: Path) -> None:
    """As HR runs them: exit 1, nothing imported, and the line says what is refused."""
    (tmp_path / "bomb.yaml").write_text(laughs(), encoding="utf-8")
    (tmp_path / "units-bomb.yaml").write_text(UNITS_LAUGHS, encoding="utf-8")
    (tmp_path / "units-deep.yaml").write_text(UNITS_DEEP, encoding="utf-8")
    result = trivselsbot(tmp_path, "prompts", "import", "bomb.yaml")
    assert result.returncode == 1 and "refused: anchors and aliases" in result.stderr
    result = trivselsbot(tmp_path, "units", "import", "units-bomb.yaml")
    assert result.returncode == 1
    assert result.stderr.startswith("Nothing was imported from units-bomb.yaml: line 2: refused:")
    result = trivselsbot(tmp_path, "units", "import", "units-deep.yaml")
    assert result.returncode == 1 and f"more than {MAX_DEPTH} levels" in result.stderr


def test_every_cli_door_refuses_a_file_over_the_size_limit(tmp_path: Path) -> None:
    big_yaml = tmp_path / "big.yaml"
    big_yaml.write_text("# padding\n" * (MAX_IMPORT_BYTES // 10 + 1), encoding="utf-8")
    big_csv = tmp_path / "big.csv"
    big_csv.write_text("unit;dimension;score\n" + "a;b;1\n" * (MAX_IMPORT_BYTES // 6), "utf-8")
    for args in (
        ("prompts", "import", "big.yaml"),
        ("units", "import", "big.yaml"),
        ("units", "import", "big.csv"),
        ("baseline", "import", "big.csv"),
    ):
        result = trivselsbot(tmp_path, *args)
        assert result.returncode == 1, args
        assert "larger than 2 MiB" in result.stderr, (args, result.stderr)


def test_a_file_without_a_size_is_read_no_further_than_the_limit() -> None:
    """/dev/zero has no size to stat and no end: it is refused after MAX_IMPORT_BYTES + 1 (a reader
    without the limit never returns, so the refusal itself is the proof)."""
    with pytest.raises(ImportFileError, match="larger than"):
        read_import_file(Path("/dev/zero"))


@pytest.fixture
async def api(db_path) -> AsyncIterator[TestClient]:
    settings = make_settings(db_path, BOT_ADMIN_TOKEN=TOKEN, BOT_BACKGROUND_WORKERS=False)
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
        yield client


@pytest.mark.parametrize("document", list(ABUSE.values()), ids=list(ABUSE))
async def test_the_admin_api_refuses_them_with_a_400_that_says_why(
    api: TestClient, document: str, loader_work: LoaderWork
) -> None:
    before = await (await api.get("/admin/prompts", headers=AUTH)).json()
    response = await api.post(
        "/admin/prompts/import",
        data=document.encode(),
        headers={**AUTH, "Content-Type": "application/yaml"},
    )
    loader_work.assert_refused_early()
    assert response.status == 400, await response.text()
    [issue] = (await response.json())["issues"]
    assert issue["code"] == "refused_yaml" and issue["message"].startswith("refused: ")
    assert await (await api.get("/admin/prompts", headers=AUTH)).json() == before


@pytest.mark.parametrize(
    "method, path, content_type",
    [
        ("POST", "/admin/prompts", "application/json"),
        ("POST", "/admin/prompts/import", "application/json"),
        ("POST", "/admin/prompts/import", "application/yaml"),
        ("PATCH", "/admin/prompts/borger-lettere", "application/json"),
        ("POST", "/admin/publications", "application/json"),
        ("POST", "/api/messages", "application/json"),
    ],
)
async def test_every_http_door_refuses_a_body_over_the_size_limit(
    api: TestClient, method: str, path: str, content_type: str
) -> None:
    body = b'{"text": "' + b"x" * MAX_BODY_BYTES + b'"}'
    response = await api.request(
        method, path, data=body, headers={**AUTH, "Content-Type": content_type}
    )
    assert response.status == 413
