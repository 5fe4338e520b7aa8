"""The prompt library: one validation and one service behind the card form, the CLI and the admin API.

Every way in (a chat card, a YAML file, a JSON request) becomes `PromptIn` and goes through the
same checks, so a prompt that one door accepts is accepted by all of them. Validation problems are
reported as `Issue`s that name the entry, the line (for files) and the field, and nothing is written
unless every entry is valid.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from storage.db.engine import SessionFactory, insert_for
from storage.errors import DomainError
from storage.files.safe_yaml import RefusedYaml, load_with_nodes
from storage.tables.directory import utcnow
from storage.tables.prompts import Prompt, PromptState, Theme

STARTER_FILE = Path(__file__).parents[1] / "content" / "prompts.yaml"
MAX_PROMPT_LENGTH = 500
MAX_RATING_LENGTH = 200
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{1,39}$"
LIBRARY_VERSION = 1  # of the YAML export format
# "Not only whitespace" as pydantic's str_strip_whitespace sees it (Unicode White_Space, which is
# neither JSON Schema's \s nor Python's str.isspace()), spelt out for the schema.
WHITESPACE = r"\t\n\v\f\r\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# Not only whitespace, and no NUL (PostgreSQL's text cannot hold it; `_storable` refuses it).
NOT_BLANK: dict[str, Any] = {"pattern": f"[^{WHITESPACE}]", "not": {"pattern": "\u0000"}}
THEME_ORDER = list(Theme)
_ID_PREFIX = {
    Theme.BLIK_FOR_BORGEREN: "borger",
    Theme.DIGITALE_MULIGHEDER: "digital",
    Theme.ATTRAKTIV_ARBEJDSPLADS: "arbejdsplads",
    Theme.STAERK_FORTAELLING: "fortaelling",
}


# --- errors ------------------------------------------------------------------------------------


class Issue(BaseModel):
    """One problem with one field of one entry; `entry` and `line` are 1-based, None when unknown."""

    model_config = ConfigDict(frozen=True)

    entry: int | None = None
    line: int | None = None
    field: str
    code: str
    message: str

    def describe(self) -> str:
        where = []
        if self.entry is not None:
            where.append(f"entry {self.entry}")
        if self.line is not None:
            where.append(f"line {self.line}")
        prefix = f"{', '.join(where)}: " if where else ""
        return f"{prefix}{self.field or '(document)'}: {self.message}"


class InvalidPrompts(DomainError):
    """Validation failed; nothing was written. `issues` says where and why."""

    code = "invalid_prompt"

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = list(issues)
        super().__init__("; ".join(issue.describe() for issue in self.issues))


class PromptNotFound(DomainError):
    code = "prompt_not_found"


class PromptExists(DomainError):
    """A prompt with this id exists already (e.g. the same form submitted twice)."""

    code = "prompt_exists"


# --- the one validation ------------------------------------------------------------------------


class LocalText(BaseModel):
    """A text in both languages: Danish first, English required too."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    # Texts are stripped first, so "not only spaces" is what min_length checks; the schema says it.
    da: str = Field(min_length=1, max_length=MAX_PROMPT_LENGTH, json_schema_extra=NOT_BLANK)
    en: str = Field(min_length=1, max_length=MAX_PROMPT_LENGTH, json_schema_extra=NOT_BLANK)

    @field_validator("da", "en")
    @classmethod
    def _storable(cls, value: str) -> str:
        if "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value

    def get(self, language: Literal["da", "en"]) -> str:
        return self.da if language == "da" else self.en


class RatingText(LocalText):
    """The optional 1–5 rating question; short, because it sits above five buttons."""

    da: str = Field(min_length=1, max_length=MAX_RATING_LENGTH, json_schema_extra=NOT_BLANK)
    en: str = Field(min_length=1, max_length=MAX_RATING_LENGTH, json_schema_extra=NOT_BLANK)


class PromptIn(BaseModel):
    """A prompt as HR writes it, from any of the three doors."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    id: str | None = Field(None, pattern=ID_PATTERN)
    theme: Theme
    text: LocalText
    rating: RatingText | None = None
    state: PromptState = PromptState.ACTIVE


class PromptPatch(BaseModel):
    """A partial update: only the fields given change; `rating: null` removes the rating question."""

    # An empty patch is refused ("nothing to change"); the schema says so too.
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"minProperties": 1},
    )

    theme: Theme | None = None
    text: LocalText | None = None
    rating: RatingText | None = None
    state: PromptState | None = None

    @model_validator(mode="after")
    def _something(self) -> PromptPatch:
        if not self.model_fields_set:
            raise ValueError("nothing to change")
        return self


class PromptView(BaseModel):
    """A prompt as the rest of the bot sees it."""

    model_config = ConfigDict(frozen=True)

    id: str
    theme: Theme
    state: PromptState
    text: LocalText
    rating: RatingText | None
    origin: str

    def as_input(self) -> PromptIn:
        return PromptIn(
            id=self.id, theme=self.theme, text=self.text, rating=self.rating, state=self.state
        )


_CODES = {
    "missing": "missing",
    "string_too_short": "empty",
    "string_too_long": "too_long",
    "enum": "invalid_choice",
    "string_pattern_mismatch": "invalid_id",
    "extra_forbidden": "unknown_field",
    "string_type": "not_text",
    "model_type": "wrong_type",
    "model_attributes_type": "wrong_type",
    "dict_type": "wrong_type",
    "list_type": "wrong_type",
    "too_short": "missing",  # an empty list
    "greater_than_equal": "out_of_range",
    "less_than_equal": "out_of_range",
    "int_parsing": "not_a_number",
    "time_parsing": "invalid",
}


def issues_from(error: ValidationError, entry: int | None = None) -> list[Issue]:
    """pydantic's report as Issues with stable codes (chat texts are looked up by code)."""
    issues = []
    for problem in error.errors():
        location = ".".join(str(part) for part in problem["loc"])
        code = _CODES.get(problem["type"], "invalid")
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "enum":
            message = f"{message} (got {problem.get('input')!r})"
        issues.append(Issue(entry=entry, field=location, code=code, message=message))
    return issues


def validate_prompt(raw: object, entry: int | None = None) -> PromptIn:
    """The one validation: a mapping in, a PromptIn out, or InvalidPrompts naming every field."""
    if not isinstance(raw, Mapping):
        raise InvalidPrompts(
            [Issue(entry=entry, field="", code="wrong_type", message="must be a mapping of fields")]
        )
    try:
        return PromptIn.model_validate(dict(raw))
    except ValidationError as error:
        raise InvalidPrompts(issues_from(error, entry)) from None


def validate_entries(entries: Sequence[object], lines: Sequence[int | None] = ()) -> list[PromptIn]:
    """Every entry is checked before anything is written; ids must be given and be unique."""
    issues: list[Issue] = []
    valid: list[PromptIn] = []
    first_seen: dict[str, int] = {}
    for index, raw in enumerate(entries):
        number = index + 1
        try:
            valid.append(validate_prompt(raw, number))
        except InvalidPrompts as error:
            issues.extend(error.issues)
        prompt_id = raw.get("id") if isinstance(raw, Mapping) else None
        if prompt_id is None:
            issues.append(Issue(entry=number, field="id", code="missing", message="Field required"))
        elif isinstance(prompt_id, str) and prompt_id.strip() in first_seen:
            issues.append(
                Issue(
                    entry=number,
                    field="id",
                    code="duplicate_id",
                    message=f"duplicate id {prompt_id.strip()!r} "
                    f"(also entry {first_seen[prompt_id.strip()]})",
                )
            )
        elif isinstance(prompt_id, str):
            first_seen[prompt_id.strip()] = number
    if issues:
        issues.sort(key=lambda issue: issue.entry or 0)
        raise InvalidPrompts(_with_lines(issues, lines))
    return valid


def _with_lines(issues: list[Issue], lines: Sequence[int | None]) -> list[Issue]:
    """Fill in each entry's line when the caller knows it and the issue has none yet."""
    result = []
    for issue in issues:
        if issue.line is None and issue.entry is not None and issue.entry - 1 < len(lines):
            issue = issue.model_copy(update={"line": lines[issue.entry - 1]})
        result.append(issue)
    return result


# --- YAML files --------------------------------------------------------------------------------


def _node_line(node: yaml.Node, path: Sequence[str]) -> int:
    """The line of the deepest node on `path` (a missing field points at its entry)."""
    line = int(node.start_mark.line) + 1
    for part in path:
        if not isinstance(node, yaml.MappingNode):
            break
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == part:
                # A nested block starts on the line after its key: point at the key.
                at = key if isinstance(value, yaml.CollectionNode) else value
                line, node = int(at.start_mark.line) + 1, value
                break
        else:
            break
    return line


def parse_library(text: str) -> list[PromptIn]:
    """A YAML document (`prompts: [...]`, or a bare list) into validated prompts, all or nothing.

    Issues carry the entry number and the line of the offending field, so HR can go straight to it.
    """
    try:
        data, root = load_with_nodes(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        refused = isinstance(error, RefusedYaml)
        raise InvalidPrompts(
            [
                Issue(
                    line=mark.line + 1 if mark else None,
                    field="",
                    code="refused_yaml" if refused else "not_yaml",
                    message=f"refused: {problem}" if refused else f"not valid YAML: {problem}",
                )
            ]
        ) from None
    entries_node: yaml.Node | None = root
    if isinstance(data, dict):
        unknown = sorted(str(key) for key in data if key not in ("prompts", "version"))
        if unknown or "prompts" not in data:
            raise InvalidPrompts(
                [
                    Issue(
                        line=1,
                        field=", ".join(unknown) if unknown else "prompts",
                        code="unknown_field" if unknown else "missing",
                        message="expected a mapping with the key 'prompts' (a list of prompts)",
                    )
                ]
            )
        version = data.get("version")
        # As strict as the JSON door's schema (integer or null): YAML's `true` equals 1 in Python.
        if version is not None and (type(version) is not int or version != LIBRARY_VERSION):
            raise InvalidPrompts(
                [
                    Issue(
                        line=1,
                        field="version",
                        code="unsupported_version",
                        message=f"this is version {LIBRARY_VERSION} of the format",
                    )
                ]
            )
        data = data["prompts"]
        assert isinstance(root, yaml.MappingNode)
        entries_node = next(v for k, v in root.value if k.value == "prompts")
    if not isinstance(data, list) or not data:
        raise InvalidPrompts(
            [
                Issue(
                    line=entries_node.start_mark.line + 1 if entries_node else 1,
                    field="prompts",
                    code="empty",
                    message="expected a non-empty list of prompts",
                )
            ]
        )
    assert isinstance(entries_node, yaml.SequenceNode)
    nodes = list(entries_node.value)
    try:
        return validate_entries(data, [node.start_mark.line + 1 for node in nodes])
    except InvalidPrompts as error:
        located = []
        for issue in error.issues:
            if issue.entry is not None and issue.field:
                node = nodes[issue.entry - 1]
                issue = issue.model_copy(update={"line": _node_line(node, issue.field.split("."))})
            located.append(issue)
        raise InvalidPrompts(located) from None


def dump_library(prompts: Iterable[PromptView]) -> str:
    """The export format, which `parse_library` reads back unchanged (a round trip)."""
    entries = []
    for prompt in prompts:
        entry: dict[str, Any] = {
            "id": prompt.id,
            "theme": prompt.theme.value,
            "state": prompt.state.value,
            "text": {"da": prompt.text.da, "en": prompt.text.en},
        }
        if prompt.rating:
            entry["rating"] = {"da": prompt.rating.da, "en": prompt.rating.en}
        entries.append(entry)
    header = (
        "# Trivselsbot prompt library. Import with `trivselsbot prompts import FILE`.\n"
        "# themes: " + ", ".join(theme.value for theme in Theme) + "\n"
        "# states: draft, active, retired\n"
    )
    body = yaml.safe_dump(
        {"version": LIBRARY_VERSION, "prompts": entries},
        allow_unicode=True,
        sort_keys=False,
        width=100,
    )
    return header + str(body)


@cache
def starter_library() -> tuple[PromptIn, ...]:
    """The library we ship (storage/content/prompts.yaml); a broken file stops start-up."""
    return tuple(parse_library(STARTER_FILE.read_text(encoding="utf-8")))


# --- the service -------------------------------------------------------------------------------


def _view(row: Prompt) -> PromptView:
    rating = (
        RatingText(da=row.rating_da, en=row.rating_en) if row.rating_da and row.rating_en else None
    )
    return PromptView(
        id=row.id,
        theme=Theme(row.theme),
        state=PromptState(row.state),
        text=LocalText(da=row.text_da, en=row.text_en),
        rating=rating,
        origin=row.origin,
    )


def _columns(prompt: PromptIn) -> dict[str, Any]:
    return {
        "theme": prompt.theme.value,
        "state": prompt.state.value,
        "text_da": prompt.text.da,
        "text_en": prompt.text.en,
        "rating_da": prompt.rating.da if prompt.rating else None,
        "rating_en": prompt.rating.en if prompt.rating else None,
    }


def new_prompt_id(theme: Theme, suffix: str | None = None) -> str:
    """A stable, readable id, e.g. 'borger-3f9a1c2d'; a form passes its own suffix (submit twice: one)."""
    return f"{_ID_PREFIX[theme]}-{(suffix or secrets.token_hex(4)).lower()}"


class ImportResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    created: int
    updated: int


class PromptLibrary:
    """Create, change, retire, import and list prompts; each call is one transaction."""

    def __init__(self, factory: SessionFactory) -> None:
        self._factory = factory

    async def list_prompts(
        self, theme: Theme | None = None, state: PromptState | None = None
    ) -> list[PromptView]:
        """In theme order, then id, so lists and exports are stable."""
        async with self._factory() as session:
            query = select(Prompt)
            if theme is not None:
                query = query.where(Prompt.theme == theme.value)
            if state is not None:
                query = query.where(Prompt.state == state.value)
            rows = list((await session.execute(query)).scalars())
        rows.sort(key=lambda row: (THEME_ORDER.index(Theme(row.theme)), row.id))
        return [_view(row) for row in rows]

    async def get(self, prompt_id: str) -> PromptView:
        async with self._factory() as session:
            row = await session.get(Prompt, prompt_id)
            if row is None:
                raise PromptNotFound(prompt_id)
            return _view(row)

    async def create(self, prompt: PromptIn, origin: str = "hr") -> PromptView:
        """A new prompt; without an id one is made. A taken id is refused, not overwritten."""
        prompt_id = prompt.id or new_prompt_id(prompt.theme)
        now = utcnow()
        async with self._factory.begin() as session:
            if await session.get(Prompt, prompt_id) is not None:
                raise PromptExists(prompt_id)
            row = Prompt(id=prompt_id, origin=origin, created_at=now, updated_at=now)
            for name, value in _columns(prompt).items():
                setattr(row, name, value)
            session.add(row)
            try:
                await session.flush()
            except IntegrityError:  # the same form, submitted twice at the same instant
                raise PromptExists(prompt_id) from None
            return _view(row)

    async def update(self, prompt_id: str, patch: PromptPatch) -> PromptView:
        """Apply a patch, then validate the whole result with the same rules as a new prompt."""
        async with self._factory.begin() as session:
            row = await session.get(Prompt, prompt_id)
            if row is None:
                raise PromptNotFound(prompt_id)
            merged = _view(row).as_input().model_dump()
            merged.update(patch.model_dump(include=patch.model_fields_set))
            prompt = validate_prompt(merged)
            for name, value in _columns(prompt).items():
                setattr(row, name, value)
            row.updated_at = utcnow()
            return _view(row)

    async def retire(self, prompt_id: str) -> PromptView:
        """Retired prompts stay (rounds that asked them refer to them) but are never published."""
        return await self.update(prompt_id, PromptPatch(state=PromptState.RETIRED))

    async def import_prompts(self, prompts: Sequence[PromptIn]) -> ImportResult:
        """All or nothing: every entry was validated before this, and all rows go in one transaction.

        Known ids are updated (export, edit, import again is the intended round trip); new ids are
        created.
        """
        checked = validate_entries([p.model_dump(mode="json") for p in prompts])
        created = updated = 0
        now = utcnow()
        async with self._factory.begin() as session:
            for prompt in checked:
                assert prompt.id is not None
                row = await session.get(Prompt, prompt.id)
                if row is None:
                    row = Prompt(id=prompt.id, origin="hr", created_at=now)
                    session.add(row)
                    created += 1
                else:
                    updated += 1
                for name, value in _columns(prompt).items():
                    setattr(row, name, value)
                row.updated_at = now
        return ImportResult(created=created, updated=updated)

    async def seed(self, prompts: Sequence[PromptIn]) -> int:
        """Insert the starter prompts whose ids are not in the database yet; returns how many.

        Idempotent and safe with several replicas starting at once (ON CONFLICT DO NOTHING). A
        starter prompt HR changed or retired is never touched again: HR owns the library once
        it is in the database.
        """
        now = utcnow()
        rows = [
            {"id": p.id, "origin": "starter", "created_at": now, "updated_at": now, **_columns(p)}
            for p in prompts
        ]
        if not rows:
            return 0
        async with self._factory.begin() as session:
            before = await session.scalar(select(func.count()).select_from(Prompt))
            insert = insert_for(session)
            await session.execute(insert(Prompt).values(rows).on_conflict_do_nothing())
            after = await session.scalar(select(func.count()).select_from(Prompt))
            return int(after or 0) - int(before or 0)

    async def counts(self) -> dict[Theme, int]:
        """Active prompts per theme, for HR's menu."""
        async with self._factory() as session:
            rows = await session.execute(
                select(Prompt.theme, func.count())
                .where(Prompt.state == PromptState.ACTIVE.value)
                .group_by(Prompt.theme)
            )
            found = {Theme(theme): int(count) for theme, count in rows.all()}
        return {theme: found.get(theme, 0) for theme in Theme}
