"""The prompt library: one validation and one service behind the card form, the CLI and the admin API.

Every way in (a chat card, a YAML file, a JSON request) becomes `PromptIn` and goes through the
same checks, so a prompt that one door accepts is accepted by all of them. Validation problems are
reported as `Issue`s that name the entry, the line (for files) and the field, and nothing is written
unless every entry is valid.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
)
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from storage.db.engine import SessionFactory, insert_for
from storage.prompts.validation import (
    _ID_PREFIX,
    THEME_ORDER,
    LocalText,
    PromptExists,
    PromptIn,
    PromptNotFound,
    PromptPatch,
    PromptView,
    RatingText,
    validate_entries,
    validate_prompt,
)
from storage.tables.directory import utcnow
from storage.tables.prompts import Prompt, PromptState, Theme

# --- the service -------------------------------------------------------------------------------


def _view(row: Prompt) -> PromptView:
    rating = (
        RatingText(da=row.rating_da, en=row.rating_en) if row.rating_da and row.rating_en else None
    )
    return PromptView(
        id=row.id,
        theme=Theme(row.theme),
        state=PromptState(row.state),
        text=LocalText(da=row.text_da, en=row.text_en),
        rating=rating,
        origin=row.origin,
    )


def _columns(prompt: PromptIn) -> dict[str, Any]:
    return {
        "theme": prompt.theme.value,
        "state": prompt.state.value,
        "text_da": prompt.text.da,
        "text_en": prompt.text.en,
        "rating_da": prompt.rating.da if prompt.rating else None,
        "rating_en": prompt.rating.en if prompt.rating else None,
    }


def new_prompt_id(theme: Theme, suffix: str | None = None) -> str:
    """A stable, readable id, e.g. 'borger-3f9a1c2d'; a form passes its own suffix (submit twice: one)."""
    return f"{_ID_PREFIX[theme]}-{(suffix or secrets.token_hex(4)).lower()}"


class ImportResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    created: int
    updated: int


class PromptLibrary:
    """Create, change, retire, import and list prompts; each call is one transaction."""

    def __init__(self, factory: SessionFactory) -> None:
        self._factory = factory

    async def list_prompts(
        self, theme: Theme | None = None, state: PromptState | None = None
    ) -> list[PromptView]:
        """In theme order, then id, so lists and exports are stable."""
        async with self._factory() as session:
            query = select(Prompt)
            if theme is not None:
                query = query.where(Prompt.theme == theme.value)
            if state is not None:
                query = query.where(Prompt.state == state.value)
            rows = list((await session.execute(query)).scalars())
        rows.sort(key=lambda row: (THEME_ORDER.index(Theme(row.theme)), row.id))
        return [_view(row) for row in rows]

    async def get(self, prompt_id: str) -> PromptView:
        async with self._factory() as session:
            row = await session.get(Prompt, prompt_id)
            if row is None:
                raise PromptNotFound(prompt_id)
            return _view(row)

    async def create(self, prompt: PromptIn, origin: str = "hr") -> PromptView:
        """A new prompt; without an id one is made. A taken id is refused, not overwritten."""
        prompt_id = prompt.id or new_prompt_id(prompt.theme)
        now = utcnow()
        async with self._factory.begin() as session:
            if await session.get(Prompt, prompt_id) is not None:
                raise PromptExists(prompt_id)
            row = Prompt(id=prompt_id, origin=origin, created_at=now, updated_at=now)
            for name, value in _columns(prompt).items():
                setattr(row, name, value)
            session.add(row)
            try:
                await session.flush()
            except IntegrityError:  # the same form, submitted twice at the same instant
                raise PromptExists(prompt_id) from None
            return _view(row)

    async def update(self, prompt_id: str, patch: PromptPatch) -> PromptView:
        """Apply a patch, then validate the whole result with the same rules as a new prompt."""
        async with self._factory.begin() as session:
            row = await session.get(Prompt, prompt_id)
            if row is None:
                raise PromptNotFound(prompt_id)
            merged = _view(row).as_input().model_dump()
            merged.update(patch.model_dump(include=patch.model_fields_set))
            prompt = validate_prompt(merged)
            for name, value in _columns(prompt).items():
                setattr(row, name, value)
            row.updated_at = utcnow()
            return _view(row)

    async def retire(self, prompt_id: str) -> PromptView:
        """Retired prompts stay (rounds that asked them refer to them) but are never published."""
        return await self.update(prompt_id, PromptPatch(state=PromptState.RETIRED))

    async def import_prompts(self, prompts: Sequence[PromptIn]) -> ImportResult:
        """All or nothing: every entry was validated before this, and all rows go in one transaction.

        Known ids are updated (export, edit, import again is the intended round trip); new ids are
        created.
        """
        checked = validate_entries([p.model_dump(mode="json") for p in prompts])
        created = updated = 0
        now = utcnow()
        async with self._factory.begin() as session:
            for prompt in checked:
                assert prompt.id is not None
                row = await session.get(Prompt, prompt.id)
                if row is None:
                    row = Prompt(id=prompt.id, origin="hr", created_at=now)
                    session.add(row)
                    created += 1
                else:
                    updated += 1
                for name, value in _columns(prompt).items():
                    setattr(row, name, value)
                row.updated_at = now
        return ImportResult(created=created, updated=updated)

    async def seed(self, prompts: Sequence[PromptIn]) -> int:
        """Insert the starter prompts whose ids are not in the database yet; returns how many.

        Idempotent and safe with several replicas starting at once (ON CONFLICT DO NOTHING). A
        starter prompt HR changed or retired is never touched again: HR owns the library once
        it is in the database.
        """
        now = utcnow()
        rows = [
            {"id": p.id, "origin": "starter", "created_at": now, "updated_at": now, **_columns(p)}
            for p in prompts
        ]
        if not rows:
            return 0
        async with self._factory.begin() as session:
            before = await session.scalar(select(func.count()).select_from(Prompt))
            insert = insert_for(session)
            await session.execute(insert(Prompt).values(rows).on_conflict_do_nothing())
            after = await session.scalar(select(func.count()).select_from(Prompt))
            return int(after or 0) - int(before or 0)

    async def counts(self) -> dict[Theme, int]:
        """Active prompts per theme, for HR's menu."""
        async with self._factory() as session:
            rows = await session.execute(
                select(Prompt.theme, func.count())
                .where(Prompt.state == PromptState.ACTIVE.value)
                .group_by(Prompt.theme)
            )
            found = {Theme(theme): int(count) for theme, count in rows.all()}
        return {theme: found.get(theme, 0) for theme in Theme}
