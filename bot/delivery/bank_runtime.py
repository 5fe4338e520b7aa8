"""The question bank at run time: seeded on start, and kept in step with the database.

Every service of a replica reads one `QuestionBank` object; `QuestionBankStore` refreshes it in
place after each change it makes itself, and the task here picks up changes made elsewhere (another
replica's admin API, `trivselsbot questions import`) within `BANK_REFRESH_SECONDS`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from bot.delivery.periodic import run_every
from storage.db.engine import SessionFactory
from storage.question_bank import QuestionBank, load_bank
from storage.questions.store import QuestionBankStore

log = logging.getLogger(__name__)

BANK_REFRESH_SECONDS = 30.0


async def seed_question_bank(store: QuestionBankStore) -> None:
    """The shipped items whose ids are new go in; HR's edits are never overwritten."""
    added = await store.seed()
    if added:
        log.info("question_bank.seeded", extra={"added": added})


def start_bank_refresh(
    store: QuestionBankStore, on_database_error: Callable[[str], None] | None = None
) -> asyncio.Task[None]:
    async def tick() -> None:
        if await store.refresh():
            log.info("question_bank.refreshed")

    return asyncio.create_task(
        run_every(BANK_REFRESH_SECONDS, tick, "question_bank", on_database_error),
        name="question-bank-refresh",
    )


async def database_bank(factory: SessionFactory) -> QuestionBank:
    """The bank as HR keeps it, for a CLI command: seeded first, as the bot does on start."""
    bank = load_bank()
    await QuestionBankStore(factory, bank).seed()
    return bank
