"""Which questions a pulse asks: the default rotation, a fixed set of items, or the short form.

HR picks a template per unit (kept in `unit_templates`) or per publication (`publications.template`);
a publication's wins over the unit's, and with neither a pulse asks the default rotation, as it
always did. Explicit items (`trivselsbot pulse start --items`) win over both.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db.engine import SessionFactory, insert_for
from storage.errors import DomainError, UnitNotFound
from storage.question_bank import SOCIAL_CAPITAL, ItemState, ItemUse, QuestionBank, default_template
from storage.questions.file_format import ITEM_ID_PATTERN
from storage.tables.bank import UnitTemplate
from storage.tables.directory import Unit, utcnow

MIN_FIXED, MAX_FIXED = (
    3,
    5,
)  # storage/rounds/lifecycle.py: MIN_ITEMS, MAX_ITEMS (a pulse under a minute)


class TemplateKind(StrEnum):
    ROTATION = "rotation"  # the default: one item per dimension, each dimension's items in turn
    FIXED = "fixed"  # the same 3–5 items every time
    SHORT_FORM = "short_form"  # the four-item short form (storage/results/short_form.py)


class TemplateIn(BaseModel):
    """A template as HR picks it, from any door (chat, CLI, admin API)."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={
            "oneOf": [
                {
                    "required": ["kind", "items"],
                    "properties": {"kind": {"const": "fixed"}, "items": {"minItems": MIN_FIXED}},
                },
                {
                    "properties": {
                        "kind": {"enum": ["rotation", "short_form"]},
                        "items": {"maxItems": 0},
                    }
                },
            ]
        },
    )

    kind: TemplateKind = TemplateKind.ROTATION
    items: list[str] = Field(
        default_factory=list,
        max_length=MAX_FIXED,
        json_schema_extra={
            "uniqueItems": True,
            "items": {"type": "string", "pattern": ITEM_ID_PATTERN},
        },
    )

    @model_validator(mode="after")
    def _items_fit(self) -> TemplateIn:
        if self.kind is TemplateKind.FIXED:
            if not MIN_FIXED <= len(self.items) <= MAX_FIXED:
                raise ValueError(f"a fixed template names {MIN_FIXED}-{MAX_FIXED} items")
            if len(set(self.items)) != len(self.items):
                raise ValueError("a fixed template names each item once")
        elif self.items:
            raise ValueError("items are only for a fixed template")
        return self

    def to_json(self) -> str:
        return json.dumps({"kind": self.kind.value, "items": self.items})

    @classmethod
    def from_json(cls, text: str | None) -> TemplateIn | None:
        return cls.model_validate_json(text) if text else None


ROTATION = TemplateIn()


class TemplateRefused(DomainError):
    """The template cannot be asked from the bank as it is; says which field and why."""

    code = "template_refused"

    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.reason = code
        self.message = message


def short_form_ids(bank: QuestionBank) -> list[str]:
    """The active short-form items in the order of the four dimensions, or TemplateRefused."""
    by_dimension = {item.dimension: item.id for item in bank.short_form}
    missing = [d for d in SOCIAL_CAPITAL if d not in by_dimension]
    if missing:
        raise TemplateRefused(
            "kind",
            "short_form_incomplete",
            f"the short form needs an active short-form item on {', '.join(missing)}",
        )
    return [by_dimension[d] for d in SOCIAL_CAPITAL]


def check_template_in(bank: QuestionBank, template: TemplateIn) -> None:
    """Everything the template names can be asked now (known, active, not the follow-up)."""
    if template.kind is TemplateKind.SHORT_FORM:
        short_form_ids(bank)
    for index, item_id in enumerate(template.items):
        try:
            item = bank.item(item_id)
        except KeyError:
            raise TemplateRefused(
                f"items.{index}", "unknown_item", f"no item {item_id!r} in the bank"
            ) from None
        if item.state is not ItemState.ACTIVE:
            raise TemplateRefused(f"items.{index}", "not_active", f"item {item_id!r} is not active")
        if item.use is ItemUse.FOLLOW_UP:
            raise TemplateRefused(
                f"items.{index}", "follow_up_item", "the follow-up item is added by itself"
            )


def template_items(bank: QuestionBank, template: TemplateIn, sequence: int) -> list[str]:
    """The items a unit's round number `sequence` (0, 1, 2, …) asks from this template."""
    if template.kind is TemplateKind.SHORT_FORM:
        return short_form_ids(bank)
    if template.kind is TemplateKind.FIXED:
        check_template_in(bank, template)
        return list(template.items)
    return default_template(bank, sequence)


async def unit_template(session: AsyncSession, unit_id: str) -> TemplateIn:
    row = await session.get(UnitTemplate, unit_id)
    if row is None:
        return ROTATION
    return TemplateIn(kind=TemplateKind(row.kind), items=json.loads(row.items))


class UnitTemplateView(BaseModel):
    model_config = ConfigDict(frozen=True)

    unit_id: str
    unit_name: str
    template: TemplateIn


class Templates:
    """HR's choice of template per unit; each call one transaction."""

    def __init__(self, factory: SessionFactory, bank: QuestionBank) -> None:
        self._factory = factory
        self._bank = bank

    @property
    def factory(self) -> SessionFactory:
        return self._factory

    async def for_unit(self, unit_id: str) -> UnitTemplateView:
        async with self._factory() as session:
            unit = await session.get(Unit, unit_id)
            if unit is None:
                raise UnitNotFound(unit_id)
            return UnitTemplateView(
                unit_id=unit.id, unit_name=unit.name, template=await unit_template(session, unit_id)
            )

    async def set_for_unit(
        self, unit_id: str, template: TemplateIn, now: datetime | None = None
    ) -> UnitTemplateView:
        """Checked against the bank now; the rotation is kept as no row at all."""
        check_template_in(self._bank, template)
        async with self._factory.begin() as session:
            unit = await session.get(Unit, unit_id)
            if unit is None:
                raise UnitNotFound(unit_id)
            await session.execute(delete(UnitTemplate).where(UnitTemplate.unit_id == unit_id))
            if template.kind is not TemplateKind.ROTATION:
                insert = insert_for(session)
                await session.execute(
                    insert(UnitTemplate).values(
                        unit_id=unit_id,
                        kind=template.kind.value,
                        items=json.dumps(template.items),
                        updated_at=now or utcnow(),
                    )
                )
            return UnitTemplateView(unit_id=unit.id, unit_name=unit.name, template=template)

    async def chosen(self) -> list[UnitTemplateView]:
        """Every unit whose pulses are not asked from the rotation."""
        async with self._factory() as session:
            rows = (
                await session.execute(
                    select(UnitTemplate, Unit.name)
                    .join(Unit, Unit.id == UnitTemplate.unit_id)
                    .order_by(Unit.name, Unit.id)
                )
            ).all()
        return [
            UnitTemplateView(
                unit_id=row.unit_id,
                unit_name=name,
                template=TemplateIn(kind=TemplateKind(row.kind), items=json.loads(row.items)),
            )
            for row, name in rows
        ]
