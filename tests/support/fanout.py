"""A large push seeded straight into the database: a team of N people and an open pulse round.

Most people have a stored 1:1 chat; every `new_every`-th has none, so the worker must create it
(POST /v3/conversations) before sending. Used by the kill test, the rate test and bench/fanout.py.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from botbuilder.schema import ChannelAccount, ConversationAccount, ConversationReference
from sqlalchemy import insert

from storage.calendar.quiet_hours import ALWAYS
from storage.db.engine import SessionFactory
from storage.directory.recipients import Directory
from storage.question_bank import default_bank
from storage.rounds.lifecycle import Rounds
from storage.tables.directory import Membership, Recipient
from tests.conftest import TEST_SECRET

TENANT = "tenant-1"
TEAM = "19:fanout@thread.tacv2"


def user_id(n: int) -> str:
    return f"29:fan-{n}"


def conversation_of(n: int, new_every: int) -> str:
    """The 1:1 chat the person's message goes to: stored, or the one the mock creates."""
    if new_every and n % new_every == 0:
        return f"a:personal-{user_id(n)}"
    return f"a:fan-{n}"


def reference_json(n: int, service_url: str) -> str:
    reference = ConversationReference(
        channel_id="msteams",
        service_url=service_url,
        conversation=ConversationAccount(
            id=f"a:fan-{n}", tenant_id=TENANT, conversation_type="personal"
        ),
        bot=ChannelAccount(id="28:trivselsbot"),
        user=ChannelAccount(id=user_id(n)),
    )
    return json.dumps(reference.serialize())


async def seed_push(
    factory: SessionFactory,
    service_url: str,
    people: int,
    new_every: int = 10,
    open_now: bool = True,
) -> str:
    """The team, its members and an open round whose pulse is queued to everyone: the round id.

    open_now=False leaves the round due but scheduled, for a running bot's scheduler to open."""
    now = datetime.now(UTC)
    unit = await Directory(factory).install_team(TEAM, "Fanout", TENANT, service_url)
    recipients = []
    for n in range(people):
        stored = not (new_every and n % new_every == 0)
        recipients.append(
            {
                "user_id": user_id(n),
                "aad_object_id": f"aad-fan-{n}",
                "name": None,
                "tenant_id": TENANT,
                "locale": "da-DK" if n % 3 else "en-US",
                "service_url": service_url,
                "personal_conversation_id": f"a:fan-{n}" if stored else None,
                "personal_reference": reference_json(n, service_url) if stored else None,
                "app_installed": stored,
                "blocked": False,
                "updated_at": now,
            }
        )
    async with factory.begin() as session:
        for start in range(0, people, 500):
            await session.execute(insert(Recipient), recipients[start : start + 500])
        await session.execute(
            insert(Membership), [{"unit_id": unit.id, "user_id": user_id(n)} for n in range(people)]
        )
    rounds = Rounds(factory, default_bank(), TEST_SECRET, ALWAYS)  # real clock: no quiet hours
    created = await rounds.create(
        unit.id, now - timedelta(minutes=1), now + timedelta(days=5), None, "hr"
    )
    if open_now:
        opened = await rounds.open_due(now)
        assert [r.id for r in opened] == [created.id]
    return created.id


async def open_seeded(factory: SessionFactory) -> None:
    """Open the round seed_push(open_now=False) left due: its pulse is queued to everyone now."""
    opened = await Rounds(factory, default_bank(), TEST_SECRET, ALWAYS).open_due(datetime.now(UTC))
    assert len(opened) == 1
