"""The admin API's request and response bodies that are not storage's own models."""

from __future__ import annotations

import logging
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from storage.files.issues import Issue
from storage.privacy.audit import AuditEntry
from storage.prompts.validation import ID_PATTERN, PromptIn, PromptView
from storage.prompts.views import PublicationView
from storage.question_bank import Item, ItemState
from storage.questions.file_format import ItemIn
from storage.values import UnitInfo

log = logging.getLogger(__name__)


class PromptList(BaseModel):
    prompts: list[PromptView]


class ImportEntry(PromptIn):
    """An imported prompt must say its id: importing again updates it instead of duplicating."""

    id: str = Field(pattern=ID_PATTERN)


class ImportBody(BaseModel):
    prompts: list[ImportEntry] = Field(min_length=1)


class LibraryExport(BaseModel):
    """The YAML export: what `trivselsbot prompts import` and the import here read back."""

    version: Literal[1]
    prompts: list[PromptIn]


class LibraryImport(BaseModel):
    """The YAML import: the export format, every prompt with its id."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1] | None = None
    prompts: list[ImportEntry] = Field(min_length=1)


class UnitList(BaseModel):
    units: list[UnitInfo]


class QuestionList(BaseModel):
    items: list[Item]


class BankImportBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[ItemIn] = Field(min_length=1)


class BankExport(BaseModel):
    """The YAML export: what `trivselsbot questions import` and the import here read back."""

    version: Literal[1]
    items: list[ItemIn]


class BankImportYaml(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1] | None = None
    items: list[ItemIn] = Field(min_length=1)


class StateChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: ItemState


class PublicationList(BaseModel):
    publications: list[PublicationView]


class AuditList(BaseModel):
    entries: list[AuditEntry]


class ErrorBody(BaseModel):
    error: str
    issues: list[Issue] = []


class RateLimited(BaseModel):
    error: str
    retry_after: int


class BaselineView(BaseModel):
    dimension: str
    score: float  # on the card's 0–100
    source: str


class BaselineList(BaseModel):
    unit: UnitInfo
    baselines: list[BaselineView]
