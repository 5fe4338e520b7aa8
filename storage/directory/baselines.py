"""Baselines from the last big survey (APV / trivselsmåling): imported by HR, shown next to the pulse.

The CSV has the columns unit, dimension, score and optionally source and scale. A unit is named by
its id, its Teams team id or its name; a dimension by its question-bank id or its Danish or English
name; the score is on the file's scale (0–100 unless the import says 1–5 or 0–16; a `scale`
column overrides it per line) and is kept converted to the card's 0–100 (storage/directory/baseline_scales.py).
The file is checked whole and applied whole: each unit in it gets exactly the file's baselines
(the last survey replaces the one before), other units keep theirs.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db.engine import SessionFactory
from storage.directory.baseline_scales import SurveyScale, out_of_range, parse_scale, to_card_scale
from storage.directory.hierarchy import resolve_unit
from storage.errors import DomainError
from storage.files.tabular import describe, read_csv
from storage.question_bank import QuestionBank
from storage.tables.results import Baseline


class InvalidBaselines(DomainError):
    code = "invalid_baselines"

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class BaselineScore(NamedTuple):
    score: float
    source: str


class BaselineRow(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    unit: str = Field(min_length=1, max_length=200)
    dimension: str = Field(min_length=1, max_length=100)
    score: float  # on the row's scale; its range is checked with the scale (import_baselines_csv)
    source: str | None = Field(default=None, max_length=100)
    scale: SurveyScale | None = None  # the file's scale when not given

    @field_validator("scale", mode="before")
    @classmethod
    def _scale(cls, value: Any) -> Any:
        """'1–5' as people write it."""
        return parse_scale(value) if isinstance(value, str) else value

    @field_validator("score", mode="before")
    @classmethod
    def _decimal_comma(cls, value: Any) -> Any:
        """Danish spreadsheets write 72,5."""
        return value.replace(",", ".") if isinstance(value, str) else value

    @field_validator("score")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("must be a number")
        return value


class BaselineReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    units: int
    rows: int
    scale: SurveyScale = SurveyScale.HUNDRED  # the file's scale (a `scale` column may differ)
    converted: int = 0  # rows converted to the card's 0–100 from another scale


def survey_dimensions(bank: QuestionBank) -> list[str]:
    asked = {item.dimension for item in bank.items}
    return [dimension for dimension in bank.dimensions if dimension in asked]


def dimension_names(bank: QuestionBank) -> dict[str, str]:
    """Every way HR may write a dimension (id, Danish or English name, any case) → its id.

    Only dimensions the pulse asks about (not the follow-up question) can have a survey baseline.
    """
    names: dict[str, str] = {}
    for dimension in survey_dimensions(bank):
        texts = bank.dimensions[dimension]
        for spelling in (dimension, texts.da, texts.en):
            names[spelling.casefold()] = dimension
    return names


async def import_baselines_csv(
    session: AsyncSession,
    text: str,
    bank: QuestionBank,
    default_source: str,
    scale: SurveyScale = SurveyScale.HUNDRED,
) -> BaselineReport:
    """Check every line first (collecting every problem), then replace the units' baselines;
    each score is converted from its scale (the row's, else `scale`) to the card's 0–100."""
    rows, _header, problems = read_csv(
        text, required=("unit", "dimension", "score"), optional=("source", "scale")
    )
    converted = 0
    dimensions = dimension_names(bank)
    planned: dict[str, dict[str, BaselineScore]] = defaultdict(dict)
    seen: dict[tuple[str, str], int] = {}
    for line, cells in rows:
        where = f"line {line}"
        try:
            row = BaselineRow.model_validate(cells)
        except ValidationError as error:
            problems.extend(describe(where, error))
            continue
        row_scale = row.scale or scale
        wrong = out_of_range(row.score, row_scale)
        if wrong is not None:
            problems.append(f"{where}: field 'score': {wrong}")
            continue
        dimension = dimensions.get(row.dimension.casefold())
        if dimension is None:
            problems.append(
                f"{where}: field 'dimension': unknown dimension {row.dimension!r} "
                f"(one of {', '.join(survey_dimensions(bank))})"
            )
            continue
        try:
            unit = await resolve_unit(session, row.unit)
        except DomainError as error:
            reason = (
                str(error)
                if error.code == "ambiguous_unit"
                else "no unit has that id, Teams team id or name"
            )
            problems.append(f"{where}: field 'unit': {row.unit!r}: {reason}")
            continue
        if (unit.id, dimension) in seen:
            problems.append(
                f"{where}: {unit.name!r} / {dimension} is also on line {seen[unit.id, dimension]}"
            )
            continue
        seen[unit.id, dimension] = line
        if row_scale is not SurveyScale.HUNDRED:
            converted += 1
        planned[unit.id][dimension] = BaselineScore(
            to_card_scale(row.score, row_scale), row.source or default_source
        )
    if not problems and not planned:
        problems.append("line 2: the file holds no baselines")
    if problems:
        raise InvalidBaselines(problems)
    await session.execute(delete(Baseline).where(Baseline.unit_id.in_(list(planned))))
    for unit_id, scores in planned.items():
        for dimension, (score, source) in scores.items():
            session.add(Baseline(unit_id=unit_id, dimension=dimension, score=score, source=source))
    return BaselineReport(units=len(planned), rows=len(seen), scale=scale, converted=converted)


async def baselines_for(session: AsyncSession, unit_id: str) -> dict[str, BaselineScore]:
    """dimension → (score 0–100, source) of the unit's last big survey; empty when none."""
    result = await session.execute(select(Baseline).where(Baseline.unit_id == unit_id))
    return {
        row.dimension: BaselineScore(row.score, row.source)
        for row in sorted(result.scalars(), key=lambda row: row.dimension)
    }


class Baselines:
    """Service: import is one transaction, all or nothing."""

    def __init__(self, factory: SessionFactory, bank: QuestionBank) -> None:
        self._factory = factory
        self._bank = bank

    async def import_csv(
        self, text: str, default_source: str, scale: SurveyScale = SurveyScale.HUNDRED
    ) -> BaselineReport:
        async with self._factory.begin() as session:
            return await import_baselines_csv(
                session, text, self._bank, default_source[:100], scale
            )

    async def baselines_for(self, unit_id: str) -> dict[str, BaselineScore]:
        async with self._factory() as session:
            return await baselines_for(session, unit_id)
