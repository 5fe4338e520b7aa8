"""The question bank: items, dimensions and scales, loaded from data and checked on load."""

from __future__ import annotations

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
    text: Texts
    scale: str = "agreement"
    higher_is_better: bool = True


class QuestionBank(BaseModel):
    model_config = ConfigDict(frozen=True)
    scales: dict[str, Scale]
    dimensions: dict[str, Texts]
    items: list[Item]
    follow_up: Item | None = None

    @model_validator(mode="after")
    def _consistent(self) -> QuestionBank:
        ids = [item.id for item in self.all_items()]
        duplicates = {i for i in ids if ids.count(i) > 1}
        if duplicates:
            raise ValueError(f"duplicate item ids: {sorted(duplicates)}")
        for item in self.all_items():
            if item.dimension not in self.dimensions:
                raise ValueError(f"item {item.id}: unknown dimension {item.dimension!r}")
            if item.scale not in self.scales:
                raise ValueError(f"item {item.id}: unknown scale {item.scale!r}")
        # A dimension's answers are pooled position by position (storage/results/summaries.py), which
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
        """The rotating items plus the follow-up item, which is only ever added on purpose."""
        return [*self.items, *([self.follow_up] if self.follow_up else [])]

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
