"""The 1:1 chats a push creates for people who never opened the bot, stored a moment later."""

from __future__ import annotations

import asyncio

from bot.delivery.worker_config import log
from storage.directory.recipients import Directory
from storage.values import Person

__all__ = ["CHATS_GATHER_SECONDS", "NewChats"]

CHATS_GATHER_SECONDS = 0.1  # new 1:1 chats are stored in groups gathered this long


class NewChats:
    """The 1:1 chats a push creates, stored in groups a moment later rather than one transaction
    each before sending into them: at high rates those transactions cost more than the rest of
    the message. Nothing is lost if a group never gets stored (a crash, a database hiccup):
    creating a person's 1:1 chat again answers with the same conversation, so the only cost is
    that one extra request the next time; the delivery itself is settled in the outbox as usual.
    """

    def __init__(self, directory: Directory, gather_seconds: float = CHATS_GATHER_SECONDS) -> None:
        self._directory = directory
        self._gather = gather_seconds
        self._queued: list[tuple[Person, str, str, str | None]] = []
        self._flusher: asyncio.Task[None] | None = None

    def remember(self, chat: tuple[Person, str, str, str | None]) -> None:
        self._queued.append(chat)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="outbox-new-chats")

    async def _flush(self) -> None:
        while self._queued:
            await asyncio.sleep(self._gather)
            batch, self._queued = self._queued, []
            try:
                await self._directory.remember_personal_chats(batch)
            except Exception as error:
                log.warning(
                    "outbox.new_chats_not_stored",
                    extra={"count": len(batch), "error": type(error).__name__},
                )

    async def drain(self) -> None:
        """At stop: store what is queued."""
        while self._flusher is not None and not self._flusher.done():
            await asyncio.shield(self._flusher)
