"""The question bank: items, dimensions and scales, checked whenever one is put together.

The shipped bank is `storage/content/question_bank.yaml`; once the bot runs, HR owns the items in
the database (storage/questions/store.py) and this value is what the services read. Scales and
dimensions are the product's vocabulary and come from the shipped file only.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from storage.files.safe_yaml import safe_load

BANK_FILE = Path(__file__).with_name("content") / "question_bank.yaml"
Language = Literal["da", "en"]
SOCIAL_CAPITAL = ("trust_colleagues", "trust_management", "justice", "cooperation")
GENERAL = ("wellbeing", "workload")


class Texts(BaseModel):
    """A text in both languages; Danish first, English required too."""

    model_config = ConfigDict(frozen=True)
    da: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, language: Language) -> str:
        return self.da if language == "da" else self.en


class ItemText(BaseModel):
    """An item's text: Danish required, English optional (English readers then get the Danish)."""

    model_config = ConfigDict(frozen=True)
    da: str = Field(min_length=1)
    en: str | None = Field(None, min_length=1)

    def get(self, language: Language) -> str:
        return self.en if language == "en" and self.en else self.da


class ItemState(StrEnum):
    DRAFT = "draft"  # written, never asked until activated
    ACTIVE = "active"  # may be asked
    RETIRED = "retired"  # never asked again; kept so old rounds still show their questions


class ItemUse(StrEnum):
    ROTATION = "rotation"  # the default template's rotating items
    SHORT_FORM = "short_form"  # the four-item short form (storage/results/short_form.py)
    FOLLOW_UP = "follow_up"  # added to a pulse after a leader recorded agreed actions


class Scale(BaseModel):
    model_config = ConfigDict(frozen=True)
    min: int
    max: int
    labels: dict[Language, list[str]]

    @model_validator(mode="after")
    def _labels_fit(self) -> Scale:
        points = self.max - self.min + 1
        if points < 2:
            raise ValueError("a scale needs at least two points")
        for language in ("da", "en"):
            if len(self.labels.get(language, [])) != points:
                raise ValueError(f"scale needs {points} labels in {language}")
        return self

    def values(self) -> range:
        return range(self.min, self.max + 1)


class Item(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str = Field(pattern=r"^[a-z0-9_]{2,20}$")
    dimension: str
    text: ItemText
    scale: str = "agreement"
    higher_is_better: bool = True
    use: ItemUse = ItemUse.ROTATION
    state: ItemState = ItemState.ACTIVE


class QuestionBank(BaseModel):
    model_config = ConfigDict(frozen=True)
    scales: dict[str, Scale]
    dimensions: dict[str, Texts]
    items: list[Item]  # the active rotation items, in rotation order
    follow_up: Item | None = None
    short_form: list[Item] = []  # the active short-form items
    archive: list[Item] = []  # drafts and retired items: never asked, still readable

    @classmethod
    def assemble(
        cls, scales: dict[str, Scale], dimensions: dict[str, Texts], items: list[Item]
    ) -> QuestionBank:
        """A bank from one flat list (the database's rows), each item placed by its use and state."""
        active = [item for item in items if item.state is ItemState.ACTIVE]
        follow_ups = [item for item in active if item.use is ItemUse.FOLLOW_UP]
        if len(follow_ups) > 1:
            raise ValueError("at most one active follow-up item")
        return cls(
            scales=scales,
            dimensions=dimensions,
            items=[item for item in active if item.use is ItemUse.ROTATION],
            follow_up=follow_ups[0] if follow_ups else None,
            short_form=[item for item in active if item.use is ItemUse.SHORT_FORM],
            archive=[item for item in items if item.state is not ItemState.ACTIVE],
        )

    @model_validator(mode="after")
    def _consistent(self) -> QuestionBank:
        ids = [item.id for item in self.all_items()]
        duplicates = {i for i in ids if ids.count(i) > 1}
        if duplicates:
            raise ValueError(f"duplicate item ids: {sorted(duplicates)}")
        placed = [
            *((item, ItemUse.ROTATION) for item in self.items),
            *((item, ItemUse.FOLLOW_UP) for item in ([self.follow_up] if self.follow_up else [])),
            *((item, ItemUse.SHORT_FORM) for item in self.short_form),
        ]
        for item, use in placed:
            if item.use is not use or item.state is not ItemState.ACTIVE:
                raise ValueError(f"item {item.id}: an active {use.value} item belongs here")
        for item in self.archive:
            if item.state is ItemState.ACTIVE:
                raise ValueError(f"item {item.id}: an active item is not archived")
        for item in self.all_items():
            if item.dimension not in self.dimensions:
                raise ValueError(f"item {item.id}: unknown dimension {item.dimension!r}")
            if item.scale not in self.scales:
                raise ValueError(f"item {item.id}: unknown scale {item.scale!r}")
        # A dimension's answers are pooled position by position (storage/results/figures.py), which
        # only means something when its questions have the same number of scale points.
        points: dict[str, int] = {}
        for item in self.all_items():
            count = len(self.scales[item.scale].values())
            if points.setdefault(item.dimension, count) != count:
                raise ValueError(
                    f"item {item.id}: the questions of {item.dimension!r} need scales with "
                    f"the same number of points"
                )
        return self

    def all_items(self) -> list[Item]:
        """Every item: the rotating ones, the follow-up and the short form (only ever asked on
        purpose), then drafts and retired items (never asked, but old rounds show them)."""
        follow_up = [self.follow_up] if self.follow_up else []
        return [*self.items, *follow_up, *self.short_form, *self.archive]

    def adopt(self, other: QuestionBank) -> None:
        """Take `other`'s content in place: every service holds this one object, so HR's import
        reaches them all at once. Never awaited in between, so no reader sees half of it."""
        for name in type(self).model_fields:
            object.__setattr__(self, name, getattr(other, name))

    def item(self, item_id: str) -> Item:
        for item in self.all_items():
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def scale_of(self, item_id: str) -> Scale:
        return self.scales[self.item(item_id).scale]

    def by_dimension(self, dimension: str) -> list[Item]:
        return [item for item in self.items if item.dimension == dimension]


def load_bank(path: Path = BANK_FILE) -> QuestionBank:
    """Parse and validate; a broken bank stops start-up rather than sending a broken pulse."""
    return QuestionBank.model_validate(safe_load(path.read_text(encoding="utf-8")))


@cache
def default_bank() -> QuestionBank:
    return load_bank()


def default_template(bank: QuestionBank, sequence: int) -> list[str]:
    """Items for a unit's round number `sequence` (0, 1, 2, …).

    Every round asks one item from each social capital dimension and one general item (wellbeing
    and workload alternate), so five items. Each dimension's items rotate, so any run of
    `rotation_length(bank)` consecutive rounds asks every item: with a 14-day cadence and at most
    four items per dimension, every item is asked at least every eight weeks, well within a quarter.
    """
    chosen = []
    for dimension in SOCIAL_CAPITAL:
        items = bank.by_dimension(dimension)
        if items:
            chosen.append(items[sequence % len(items)].id)
    general = [item for dimension in GENERAL for item in bank.by_dimension(dimension)]
    if general:
        chosen.append(general[sequence % len(general)].id)
    return chosen


def rotation_length(bank: QuestionBank) -> int:
    """How many consecutive rounds it takes for the default template to ask every item."""
    groups = [bank.by_dimension(d) for d in SOCIAL_CAPITAL]
    groups.append([item for d in GENERAL for item in bank.by_dimension(d)])
    return max(len(group) for group in groups if group)
