"""HR's question bank in the database: seeded from the shipped bank, imported and exported whole.

Like the prompt library (storage/prompts/library.py): the shipped items whose ids are new go in on every
start, and nothing HR changed is touched again; several replicas seeding at once leave one copy
(`INSERT … ON CONFLICT DO NOTHING` on the id). An import is one transaction after every entry was
checked. Items are never deleted: a retired item stays, so old rounds still show their questions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db.engine import SessionFactory, insert_for
from storage.errors import DomainError
from storage.question_bank import (
    Item,
    ItemState,
    ItemText,
    ItemUse,
    QuestionBank,
    default_bank,
)
from storage.questions.file_format import (
    ItemIn,
    check_import,
    dump_bank,
    parse_bank,
    without_english,
)
from storage.tables.bank import QuestionItem
from storage.tables.directory import utcnow
from storage.tables.pulses import PulseRound


class ItemNotFound(DomainError):
    code = "question_not_found"


class BankImportResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    created: int
    updated: int
    unchanged: int
    # Items English readers will see in Danish: HR is told, by id, at every import.
    without_english: list[str]


def shipped_items(bank: QuestionBank | None = None) -> list[Item]:
    """The shipped bank as one list, in the order its file gives (the rotation's order)."""
    bank = bank or default_bank()
    return bank.all_items()


def _item(row: QuestionItem) -> Item:
    return Item(
        id=row.id,
        dimension=row.dimension,
        text=ItemText(da=row.text_da, en=row.text_en),
        scale=row.scale,
        higher_is_better=row.higher_is_better,
        use=ItemUse(row.use),
        state=ItemState(row.state),
    )


def _columns(item: ItemIn | Item) -> dict[str, Any]:
    return {
        "dimension": item.dimension,
        "scale": item.scale,
        "use": item.use.value,
        "state": item.state.value,
        "higher_is_better": item.higher_is_better,
        "text_da": item.text.da,
        "text_en": item.text.en,
    }


async def stored_items(session: AsyncSession) -> list[Item]:
    rows = (
        await session.execute(select(QuestionItem).order_by(QuestionItem.position, QuestionItem.id))
    ).scalars()
    return [_item(row) for row in rows]


async def bank_from(session: AsyncSession) -> QuestionBank | None:
    """The bank as the database holds it, or None before it was ever seeded."""
    items = await stored_items(session)
    if not items:
        return None
    shipped = default_bank()
    return QuestionBank.assemble(shipped.scales, shipped.dimensions, items)


async def catch_up(session: AsyncSession, bank: QuestionBank, item_ids: Sequence[str]) -> None:
    """A replica meets an id its bank does not know (another process imported it moments ago):
    it reads the bank again rather than wait for its next refresh. The shipped bank, which tests
    and tools share, is never changed in place."""
    known = {item.id for item in bank.all_items()}
    if all(item_id in known for item_id in item_ids) or bank is default_bank():
        return
    fresh = await bank_from(session)
    if fresh is not None and fresh != bank:
        bank.adopt(fresh)


async def asked_items(session: AsyncSession) -> set[str]:
    """Every item id some pulse round has asked (its meaning is fixed from then on)."""
    asked: set[str] = set()
    for (items,) in (await session.execute(select(PulseRound.items).distinct())).all():
        try:
            found = json.loads(items)
        except ValueError:
            continue
        if isinstance(found, list):
            asked.update(str(item) for item in found)
    return asked


class QuestionBankStore:
    """List, seed, import, export and change the state of the bank's items; each call one
    transaction. `live`, when given, is the one bank object the running services read: it is
    refreshed after every change made here (other processes' changes: `refresh`)."""

    def __init__(self, factory: SessionFactory, live: QuestionBank | None = None) -> None:
        self._factory = factory
        self._live = live

    async def seed(self, items: Sequence[Item] | None = None, now: datetime | None = None) -> int:
        """Insert the shipped items whose ids are not in the database yet; returns how many."""
        items = list(items if items is not None else shipped_items())
        if not items:
            return 0
        now = now or utcnow()
        rows = [
            {
                "id": item.id,
                "position": position,
                "origin": "starter",
                "created_at": now,
                "updated_at": now,
                **_columns(item),
            }
            for position, item in enumerate(items)
        ]
        async with self._factory.begin() as session:
            insert = insert_for(session)
            # The ids this seed really inserted: counting rows before and after would also count a
            # replica's rows committed in between (PostgreSQL reads each statement afresh).
            inserted = await session.execute(
                insert(QuestionItem)
                .values(rows)
                .on_conflict_do_nothing()
                .returning(QuestionItem.id)
            )
            added = len(inserted.all())
        await self.refresh()
        return added

    async def bank(self) -> QuestionBank:
        """The bank now: the database's, or the shipped one before the first seed."""
        async with self._factory() as session:
            return await bank_from(session) or default_bank()

    async def refresh(self) -> bool:
        """Bring the live bank up to the database; True when it changed."""
        if self._live is None:
            return False
        current = await self.bank()
        if current == self._live:
            return False
        self._live.adopt(current)
        return True

    async def items(self) -> list[Item]:
        async with self._factory() as session:
            return await stored_items(session)

    async def get(self, item_id: str) -> Item:
        async with self._factory() as session:
            row = await session.get(QuestionItem, item_id)
            if row is None:
                raise ItemNotFound(item_id)
            return _item(row)

    async def export(self) -> str:
        return dump_bank(await self.items())

    async def parse(self, text: str, source: str | None = None) -> list[ItemIn]:
        """Check a YAML file against the bank as it is now (nothing is written)."""
        async with self._factory() as session:
            existing = {item.id: item for item in await stored_items(session)}
            asked = await asked_items(session)
        return parse_bank(text, existing, asked, source)

    async def import_items(
        self, entries: Sequence[object], lines: Sequence[int | None] = (), source: str | None = None
    ) -> BankImportResult:
        """All or nothing: checked inside the writing transaction, against what is there then."""
        created = updated = unchanged = 0
        now = utcnow()
        async with self._factory.begin() as session:
            rows = {
                row.id: row
                for row in (await session.execute(select(QuestionItem).with_for_update()))
                .scalars()
                .all()
            }
            existing = {item_id: _item(row) for item_id, row in rows.items()}
            checked = check_import(entries, existing, await asked_items(session), lines, source)
            position = max((row.position for row in rows.values()), default=-1)
            for item in checked:
                row = rows.get(item.id)
                columns = _columns(item)
                if row is None:
                    position += 1
                    row = QuestionItem(
                        id=item.id, position=position, origin="hr", created_at=now, **columns
                    )
                    session.add(row)
                    created += 1
                elif all(getattr(row, name) == value for name, value in columns.items()):
                    unchanged += 1
                    continue
                else:
                    for name, value in columns.items():
                        setattr(row, name, value)
                    updated += 1
                row.updated_at = now
        await self.refresh()
        return BankImportResult(
            created=created,
            updated=updated,
            unchanged=unchanged,
            without_english=without_english(item.as_item() for item in checked),
        )

    async def import_yaml(self, text: str, source: str | None = None) -> BankImportResult:
        """The YAML door: the file's lines go into every issue."""
        checked = await self.parse(text, source)  # names lines; the write checks again
        return await self.import_items([item.model_dump(mode="json") for item in checked])

    async def set_state(self, item_id: str, state: ItemState) -> Item:
        """Draft, activate or retire one item, with the same whole-bank checks as an import."""
        item = await self.get(item_id)
        entry = ItemIn.of(item).model_copy(update={"state": state})
        await self.import_items([entry.model_dump(mode="json")])
        return await self.get(item_id)
