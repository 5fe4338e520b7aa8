"""Reflection prompts as HR writes them: the one validation every door (chat form, CLI, admin API, import) uses,
and the errors it names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from storage.errors import DomainError
from storage.files.issues import NOT_BLANK, Issue, issues_from
from storage.tables.prompts import PromptState, Theme

STARTER_FILE = Path(__file__).parents[1] / "content" / "prompts.yaml"
MAX_PROMPT_LENGTH = 500
MAX_RATING_LENGTH = 200
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{1,39}$"
LIBRARY_VERSION = 1  # of the YAML export format
THEME_ORDER = list(Theme)
_ID_PREFIX = {
    Theme.BLIK_FOR_BORGEREN: "borger",
    Theme.DIGITALE_MULIGHEDER: "digital",
    Theme.ATTRAKTIV_ARBEJDSPLADS: "arbejdsplads",
    Theme.STAERK_FORTAELLING: "fortaelling",
}


# --- errors ------------------------------------------------------------------------------------


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
