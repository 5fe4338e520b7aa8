"""What is wrong with a file or a body HR sent: one `Issue` per problem, naming the entry, the line
and the field, with stable codes (chat texts are looked up by code). Shared by every library HR
imports (prompts, the question bank), so each door reports problems the same way."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

# "Not only whitespace" as pydantic's str_strip_whitespace sees it (Unicode White_Space, which is
# neither JSON Schema's \s nor Python's str.isspace()), spelt out for the schema.
WHITESPACE = r"\t\n\v\f\r\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# Not only whitespace, and no NUL (PostgreSQL's text cannot hold it; `_storable` refuses it).
NOT_BLANK: dict[str, Any] = {"pattern": f"[^{WHITESPACE}]", "not": {"pattern": "\u0000"}}


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
