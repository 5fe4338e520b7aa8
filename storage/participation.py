"""Rule 2: participation is a keyed hash of round and person, never the person.

The secret lives in configuration, so the database alone cannot tell who took part; the rows
are deleted when the round closes.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.answer_models import Participation


def participation_key(secret: str, round_id: str, user_id: str) -> str:
    """HMAC-SHA256(secret, round ∥ user); the separator keeps ('ab','c') and ('a','bc') apart."""
    message = f"{round_id}\x1f{user_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


async def has_participated(session: AsyncSession, secret: str, round_id: str, user_id: str) -> bool:
    key = participation_key(secret, round_id, user_id)
    found = await session.get(Participation, (round_id, key))
    return found is not None


async def not_participated(
    session: AsyncSession, secret: str, round_id: str, user_ids: Iterable[str]
) -> list[str]:
    """Who of these has not answered yet: the only use of participation besides refusing twice."""
    keyed = {participation_key(secret, round_id, user_id): user_id for user_id in user_ids}
    if not keyed:
        return []
    result = await session.execute(
        select(Participation.key).where(
            Participation.round_id == round_id, Participation.key.in_(list(keyed))
        )
    )
    answered = set(result.scalars())
    return [user_id for key, user_id in keyed.items() if key not in answered]


async def forget_participation(session: AsyncSession, round_id: str) -> None:
    """At close: nobody, not even the bot, can tell afterwards who took part."""
    await session.execute(delete(Participation).where(Participation.round_id == round_id))
