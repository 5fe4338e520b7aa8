"""What HR orders when publishing, and why an order is refused.

An order (`PublicationIn`) sends a prompt, the next prompt of a theme, or a pulse, to units or the
whole organisation, now, once later, or on a cadence (`ScheduleIn`, Europe/Copenhagen). The
models check the order's shape; the publisher (storage/prompts/publisher.py) checks it against
the database and raises the errors below.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from storage.errors import DomainError
from storage.files.issues import WHITESPACE
from storage.questions.templates import TemplateIn
from storage.rounds.cadence import MAX_CADENCE_DAYS, MIN_CADENCE_DAYS, LocalTime
from storage.tables.prompts import ContentKind, Delivery, Theme

__all__ = [
    "ALL_UNITS",
    "NoActivePrompt",
    "PromptNotActive",
    "PublicationExists",
    "PublicationIn",
    "PublicationNotFound",
    "ScheduleIn",
]

ALL_UNITS = "all"


class PromptNotActive(DomainError):
    """Drafts and retired prompts are not published."""

    code = "prompt_not_active"


class NoActivePrompt(DomainError):
    """A theme publication needs at least one active prompt of the theme."""

    code = "no_active_prompt"


class PublicationExists(DomainError):
    """The same publish form submitted twice: published once."""

    code = "publication_exists"


class PublicationNotFound(DomainError):
    code = "publication_not_found"


# --- what HR orders ----------------------------------------------------------------------------


NOT_NULL: dict[str, Any] = {"not": {"type": "null"}}
BLANK: dict[str, Any] = {
    "anyOf": [{"type": "null"}, {"type": "string", "pattern": f"^[{WHITESPACE}]*$"}]
}
FILLED: dict[str, Any] = {"type": "string", "pattern": f"[^{WHITESPACE}]"}


class ScheduleIn(BaseModel):
    """Once at a moment (`at`), or every N days on a weekday at a local time, off holidays."""

    # The schema says what `_one_kind` checks: exactly one of `at` and `every_days`.
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={
            "oneOf": [
                {"required": ["at"], "properties": {"at": NOT_NULL}},
                {"required": ["every_days"], "properties": {"every_days": NOT_NULL}},
            ]
        },
    )

    at: datetime | None = None
    every_days: int | None = Field(None, ge=MIN_CADENCE_DAYS, le=MAX_CADENCE_DAYS)
    weekday: int = Field(0, ge=0, le=6)  # 0 = Monday
    time: LocalTime = "09:00"  # Europe/Copenhagen
    skip_holidays: bool = True

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must include a time zone, e.g. 2026-12-01T09:00:00+01:00")
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> ScheduleIn:
        if (self.at is None) == (self.every_days is None):
            raise ValueError("give either 'at' (once) or 'every_days' (a cadence)")
        return self


class PublicationIn(BaseModel):
    """What to send (a prompt, the next prompt of a theme, or a pulse), to whom, how and when."""

    # The schema says what `_content_fits` checks: which of prompt_id and theme each content needs.
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "oneOf": [
                {
                    "required": ["prompt_id"],
                    "properties": {
                        "content": {"const": "prompt"},
                        "prompt_id": FILLED,
                        "theme": {"type": "null"},
                        "template": {"type": "null"},
                    },
                },
                {
                    "required": ["theme"],
                    "properties": {
                        "content": {"const": "theme"},
                        "theme": NOT_NULL,
                        "prompt_id": BLANK,
                        "template": {"type": "null"},
                    },
                },
                {
                    "properties": {
                        "content": {"const": "pulse"},
                        "theme": {"type": "null"},
                        "prompt_id": BLANK,
                    },
                },
            ]
        },
    )

    id: str | None = Field(
        None, pattern=r"^[0-9a-f]{32}$"
    )  # set by a form: submitting twice is safe
    content: ContentKind
    prompt_id: str | None = None
    theme: Theme | None = None
    units: list[str] = Field(min_length=1)  # unit ids, or ["all"] for the whole organisation
    delivery: Delivery = Delivery.PERSONAL
    open_days: int = Field(7, ge=1, le=30)
    schedule: ScheduleIn | None = None  # None: now
    # A pulse's template (storage/questions/templates.py); None: each unit's own, else the rotation.
    template: TemplateIn | None = None

    @model_validator(mode="after")
    def _content_fits(self) -> PublicationIn:
        if self.content is not ContentKind.PULSE and self.template is not None:
            raise ValueError("template is only for content 'pulse'")
        if self.content is ContentKind.PROMPT and not self.prompt_id:
            raise ValueError("prompt_id is required when content is 'prompt'")
        if self.content is ContentKind.THEME and self.theme is None:
            raise ValueError("theme is required when content is 'theme'")
        if self.content is not ContentKind.PROMPT and self.prompt_id:
            raise ValueError("prompt_id is only for content 'prompt'")
        if self.content is not ContentKind.THEME and self.theme is not None:
            raise ValueError("theme is only for content 'theme'")
        return self

    @property
    def whole_organisation(self) -> bool:
        return ALL_UNITS in self.units
