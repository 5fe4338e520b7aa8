"""What publishing answers: the result of an order, a publication as listed, a prompt round as cards
need it. Frozen models, so the admin API, the CLI and the chat read them without touching a row.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from storage.prompts.orders import ALL_UNITS
from storage.prompts.slots import opening_of
from storage.questions.templates import TemplateIn
from storage.tables.prompts import ContentKind, Delivery, Publication, Theme
from storage.tables.pulses import RoundState

__all__ = [
    "PromptRoundInfo",
    "PublicationView",
    "PublishResult",
    "PublishedRound",
    "SkippedUnit",
    "publication_view",
]


class PublishedRound(BaseModel):
    model_config = ConfigDict(frozen=True)

    round_id: str
    unit_id: str
    unit_name: str
    eligible_count: int
    delivery: Delivery


class SkippedUnit(BaseModel):
    """A unit that got nothing, and why ("not_installed", "no_channel")."""

    model_config = ConfigDict(frozen=True)

    unit_id: str
    unit_name: str
    reason: str


class PublishResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    publication_id: str
    content: ContentKind
    prompt_id: str | None
    scheduled_for: datetime | None  # None: published now
    # None: the messages go out when the rounds open; else held until then by quiet hours.
    sends_at: datetime | None = None
    rounds: list[PublishedRound]
    skipped: list[SkippedUnit]
    # The push these rounds are: `trivselsbot delivery status --push ID` and the status card
    # follow it (None: nothing was opened now).
    push_id: str | None = None

    @property
    def recipients(self) -> int:
        return sum(r.eligible_count for r in self.rounds)


class PublicationView(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    content: ContentKind
    prompt_id: str | None
    theme: Theme | None
    units: list[str]
    delivery: Delivery
    open_days: int
    cadence_days: int | None
    weekday: int | None
    local_time: str | None
    next_at: datetime | None
    occurrences: int
    active: bool
    template: TemplateIn | None = None  # a pulse's own template; None: each unit's


class PromptRoundInfo(BaseModel):
    """A prompt round as cards need it: the texts exactly as they were asked."""

    model_config = ConfigDict(frozen=True)

    id: str
    unit_id: str
    unit_name: str
    prompt_id: str
    theme: Theme
    delivery: Delivery
    text_da: str
    text_en: str
    rating_da: str | None
    rating_en: str | None
    closes_at: datetime
    state: RoundState
    eligible_count: int | None

    def text(self, language: Literal["da", "en"]) -> str:
        return self.text_da if language == "da" else self.text_en

    def rating(self, language: Literal["da", "en"]) -> str | None:
        return self.rating_da if language == "da" else self.rating_en


def publication_view(row: Publication) -> PublicationView:
    """A stored publication as HR sees it: when the next occurrence really opens, not its slot."""
    scope = json.loads(row.scope)
    return PublicationView(
        id=row.id,
        content=ContentKind(row.content),
        prompt_id=row.prompt_id,
        theme=Theme(row.theme) if row.theme else None,
        units=[ALL_UNITS] if scope == ALL_UNITS else list(scope),
        delivery=Delivery(row.delivery),
        open_days=row.open_days,
        cadence_days=row.cadence_days,
        weekday=row.weekday,
        local_time=row.local_time,
        next_at=opening_of(row) if row.active else None,
        occurrences=row.occurrences,
        active=row.active,
        template=TemplateIn.from_json(row.template),
    )
