"""A leader's share and its audit entry are one unit of work: neither is kept without the other.

The channel post is sent later by the poster; if the entry saying who shared it were written in a
transaction of its own after the post was queued, a failure in between would send the round's
figures to the channel with no record of who sent them (storage/privacy/audit.py: a view that
cannot be recorded is not shown). On both backends.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.answers.pulse import Answers
from storage.calendar.quiet_hours import ALWAYS
from storage.db.engine import SessionFactory
from storage.directory.recipients import Directory
from storage.directory.roles import Roles
from storage.privacy.audit import AuditLog, AuditWhat, Via
from storage.question_bank import default_bank
from storage.results.summaries import Summaries
from storage.results.team_share import TeamShares
from storage.rounds.lifecycle import Rounds
from storage.tables.audit import AuditRow
from storage.tables.prompts import ChannelPost
from storage.values import ConversationKind, Person
from tests.conftest import TEST_SECRET
from tests.support.clock import Clock

TEAM = "19:team-1@thread.tacv2"
NOW = datetime(2026, 11, 17, 11, 0, tzinfo=UTC)  # a Tuesday at noon in Copenhagen
LEADER = "aad-0001"


async def closed_round(factory: SessionFactory) -> str:
    """A team in its channel, led by 1, with a closed round five of six answered."""
    directory = Directory(factory)
    unit = await directory.install_team(TEAM, "Nord", "tenant-1", "http://127.0.0.1:9/")
    await directory.sync_roster(
        TEAM, [Person(user_id=f"29:user-{n}", aad_object_id=f"aad-{n:04d}") for n in range(1, 7)]
    )
    await directory.remember_conversation(
        TEAM, ConversationKind.CHANNEL, "tenant-1", json.dumps({"conversation": {"id": TEAM}}), TEAM
    )
    await Roles(factory, []).assign_leader(unit.id, LEADER)
    rounds = Rounds(factory, default_bank(), TEST_SECRET, ALWAYS)
    info = await rounds.create(unit.id, NOW, NOW + timedelta(days=1), None, "hr")
    await rounds.open_due(NOW)
    answers = Answers(factory, default_bank(), TEST_SECRET)
    for n in range(1, 6):
        await answers.submit(info.id, f"29:user-{n}", {i: 4 for i in info.items}, None, NOW)
    await rounds.close(info.id, NOW)
    return info.id


async def rows(factory: SessionFactory, model: Any) -> list[Any]:
    async with factory() as session:
        return list((await session.execute(select(model))).scalars())


async def test_a_share_and_its_audit_entry_are_written_together_or_not_at_all(
    session_factory: SessionFactory,
) -> None:
    factory = session_factory
    round_id = await closed_round(factory)
    clock = Clock(NOW)
    shares = TeamShares(factory, Summaries(factory, default_bank(), 5, clock), ALWAYS, clock)
    audit = AuditLog(factory, clock)
    entry = audit.entry(LEADER, None, AuditWhat.CHANNEL_SHARE, via=Via.CHAT, round_id=round_id)

    async def failing(session: AsyncSession) -> str:
        await entry(session)  # written, then the transaction fails before it commits
        raise ConnectionResetError("the database went away")

    with pytest.raises(ConnectionResetError):
        await shares.share(
            round_id,
            LEADER,
            language="da",
            with_comments=False,
            fingerprint="f" * 32,
            record=failing,
        )
    assert await rows(factory, ChannelPost) == []
    assert await rows(factory, AuditRow) == []

    queued = await shares.share(
        round_id, LEADER, language="da", with_comments=False, fingerprint="f" * 32, record=entry
    )
    assert not queued.already
    (post,) = await rows(factory, ChannelPost)
    assert post.state == "pending"
    (logged,) = await audit.entries()
    assert (logged.viewer_id, logged.what, logged.round_id) == (LEADER, "channel_share", round_id)
    assert logged.unit_name == "Nord"  # the round's unit, found in the share's transaction

    # A second press queues nothing, so it records nothing either.
    again = await shares.share(
        round_id, LEADER, language="da", with_comments=False, fingerprint="f" * 32, record=entry
    )
    assert again.already
    assert len(await rows(factory, ChannelPost)) == 1
    assert len(await audit.entries()) == 1
