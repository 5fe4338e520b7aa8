"""Rotating every secret while rounds are open, one replica at a time.

The anonymity secret: a round keeps the secret it was started under until it closes (its salt
says which, storage/anonymity/secrets.py). Replicas mid-rotation (one still on the old secret, one
on the new with the old as BOT_ANONYMITY_SECRET_PREVIOUS) serve the same open rounds: a second
answer is refused whichever replica gets it, reminders and "my data" are right, every answer is
counted at close, and `doctor` says when the previous secret can go. On both databases.

The client secret or certificate and the admin token: each replica holds its own; Entra ID keeps
several client secrets at once, and the admin API accepts BOT_ADMIN_TOKEN_PREVIOUS while clients
move to the new token.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.app import create_app
from bot.connector.tokens import token_source
from bot.operations.doctor import check_previous_secret
from bot.settings import load_settings
from storage.anonymity.participation import not_participated
from storage.anonymity.secrets import AnonymitySecrets
from storage.answers.pulse import Answers
from storage.db.engine import SessionFactory
from storage.errors import AlreadyAnswered
from storage.privacy.rights import Privacy
from storage.question_bank import default_bank
from storage.rounds.lifecycle import Rounds
from storage.tables.answers import AnswerCount, RoundKey
from tests.conftest import make_settings
from tests.support.mock_token import MockTokenEndpoint
from tests.support.pulse_fixtures import NOW, full_answer, member, team_with_members

BANK = default_bank()
OLD = "old-anonymity-secret-0123456789-abcdefghij"
NEW = "new-anonymity-secret-9876543210-ZYXWVUTSRQ"
OLD_ONLY = AnonymitySecrets(OLD)
STEP_ONE = AnonymitySecrets(OLD, previous=NEW)  # replicas learn the new secret first
STEP_TWO = AnonymitySecrets(NEW, previous=OLD)  # then switch to it, keeping the old
NEW_ONLY = AnonymitySecrets(NEW)
PEOPLE = range(1, 9)


async def opened(factory: SessionFactory, unit: str, secrets: AnonymitySecrets, days: int) -> str:
    rounds = Rounds(factory, BANK, secrets)
    info = await rounds.create(
        unit, NOW - timedelta(minutes=1), NOW + timedelta(days=days), None, "hr"
    )
    await rounds.open_due(NOW)
    return info.id


async def answer(factory: SessionFactory, secrets: AnonymitySecrets, round_id: str, n: int) -> None:
    info = await Rounds(factory, BANK, secrets).get(round_id)
    await Answers(factory, BANK, secrets).submit(
        round_id, member(n).user_id, full_answer(info, 1 + n % 5), None, NOW
    )


async def counted(factory: SessionFactory, round_id: str) -> int:
    """Answers counted at close: each answer adds one count per question."""
    async with factory() as session:
        total = await session.scalar(
            select(func.sum(AnswerCount.count)).where(AnswerCount.round_id == round_id)
        )
    items = len((await Rounds(factory, BANK, OLD).get(round_id)).items)
    return int(total or 0) // items


async def previous_line(database_url: str, secrets: AnonymitySecrets) -> str:
    settings = make_settings(
        Path("unused"),
        BOT_DATABASE_URL=database_url,
        BOT_ANONYMITY_SECRET=secrets.current,
        BOT_ANONYMITY_SECRET_PREVIOUS=secrets.previous or "",
    )
    return (await check_previous_secret(settings)).line()


async def test_the_anonymity_secret_rotates_while_rounds_are_open(
    session_factory: SessionFactory, database_url: str
) -> None:
    factory = session_factory
    north = await team_with_members(factory, "19:north", PEOPLE, "Nord")
    south = await team_with_members(factory, "19:south", PEOPLE, "Syd")
    before = await opened(factory, north, OLD_ONLY, days=3)  # started before the rotation
    for n in (1, 2, 3):
        await answer(factory, OLD_ONLY, before, n)

    # Step one, replica by replica: the new secret is known, the old one still in use.
    await answer(factory, STEP_ONE, before, 4)
    with pytest.raises(AlreadyAnswered):
        await answer(factory, STEP_ONE, before, 1)
    # Step two, replica by replica: new rounds use the new secret; one replica is still on step one.
    after = await opened(factory, south, STEP_TWO, days=5)
    await answer(factory, STEP_TWO, after, 1)  # the round's first answer tags its salt: new
    await answer(factory, STEP_ONE, after, 2)  # the other replica reads the salt and agrees
    await answer(factory, STEP_TWO, before, 5)  # the old round keeps the old secret
    for secrets, round_id, n in ((STEP_ONE, after, 1), (STEP_TWO, after, 2), (STEP_TWO, before, 4)):
        with pytest.raises(AlreadyAnswered):  # refused twice, on whichever replica
            await answer(factory, secrets, round_id, n)
    async with factory() as session:
        salts = dict((await session.execute(select(RoundKey.round_id, RoundKey.salt))).all())
        assert STEP_TWO.tagged_by(salts[before]) == OLD
        assert STEP_TWO.tagged_by(salts[after]) == NEW
        # Reminders go to those who have not answered, under each round's own secret.
        everyone = [member(n).user_id for n in PEOPLE]
        assert await not_participated(session, STEP_TWO, before, everyone) == everyone[5:]
        assert await not_participated(session, STEP_TWO, after, everyone) == everyone[2:]
    mine = await Privacy(factory, STEP_TWO).personal_data(member(1).user_id)
    # Person 1 is in both teams and answered both rounds: one keyed by each secret.
    assert (mine.open_rounds, mine.open_rounds_answered) == (2, 2)
    mine = await Privacy(factory, STEP_TWO).personal_data(member(6).user_id)
    assert (mine.open_rounds, mine.open_rounds_answered) == (2, 0)

    assert "still needed by 1 open round(s) until the last closes at" in (
        await previous_line(database_url, STEP_TWO)
    )
    # Removed too early, the old round could not be counted: doctor says so.
    unknown = await previous_line(database_url, AnonymitySecrets(NEW, "unrelated-" + OLD))
    assert unknown.startswith("[FAIL] previous secret: 1 open round(s) are keyed by neither")

    await Rounds(factory, BANK, STEP_TWO).close(before)
    assert await counted(factory, before) == 5
    assert "no open round uses BOT_ANONYMITY_SECRET_PREVIOUS any more: it can be removed" in (
        await previous_line(database_url, STEP_TWO)
    )
    # The previous secret is gone everywhere; the new round closes with the new one alone.
    await answer(factory, NEW_ONLY, after, 3)
    await Rounds(factory, BANK, NEW_ONLY).close(after)
    assert await counted(factory, after) == 3


async def test_each_replica_gets_its_token_with_its_own_credential_during_a_rotation(
    tmp_path: Path,
) -> None:
    """Entra ID holds the old and the new client secret while replicas restart one by one: the
    token is each process's own, nothing about it is shared, so both replicas keep sending."""
    authority = await MockTokenEndpoint(password="old-client-secret").start()
    try:
        authority.passwords.add("new-client-secret")

        def replica(password: str) -> object:
            return load_settings(
                _env_file=None,
                MicrosoftAppId="0f3b7c2e-5a41-4d7e-9c1a-6b2d8e4f1a90",
                MicrosoftAppTenantId="t",
                MicrosoftAppPassword=password,
                BOT_ANONYMITY_SECRET=NEW,
                BOT_LOGIN_AUTHORITY=authority.authority,
            )

        async with aiohttp.ClientSession() as session:
            old = token_source(replica("old-client-secret"), lambda: session)  # type: ignore[arg-type]
            new = token_source(replica("new-client-secret"), lambda: session)  # type: ignore[arg-type]
            assert await old.token() and await new.token()
            authority.password = "new-client-secret"  # the old secret deleted in Entra ID
            authority.passwords.clear()
            assert await new.token()
            restarted = token_source(replica("old-client-secret"), lambda: session)  # type: ignore[arg-type]
            with pytest.raises(Exception, match="401 invalid_client"):
                await restarted.token()
    finally:
        await authority.stop()


async def test_the_admin_token_rotates_one_replica_at_a_time(db_path: Path) -> None:
    """Replica with the new token and the old as previous takes both; without it, only the new."""
    old, new = "old-admin-token-0123456789-abcdefghijkl", "new-admin-token-9876543210-ZYXWVUTSRQ"

    async def statuses(**env: str) -> dict[str, int]:
        settings = make_settings(db_path, BOT_BACKGROUND_WORKERS=False, **env)
        async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
            found = {}
            for name, token in (("old", old), ("new", new), ("wrong", "x" * 40)):
                headers = {"Authorization": f"Bearer {token}"}
                found[name] = (await client.get("/admin/prompts", headers=headers)).status
            return found

    assert await statuses(BOT_ADMIN_TOKEN=old) == {"old": 200, "new": 401, "wrong": 401}
    mid = await statuses(BOT_ADMIN_TOKEN=new, BOT_ADMIN_TOKEN_PREVIOUS=old)
    assert mid == {"old": 200, "new": 200, "wrong": 401}
    assert await statuses(BOT_ADMIN_TOKEN=new) == {"old": 401, "new": 200, "wrong": 401}


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"BOT_ANONYMITY_SECRET_PREVIOUS": OLD}, "equals BOT_ANONYMITY_SECRET"),
        ({"BOT_ANONYMITY_SECRET_PREVIOUS": "short"}, "BOT_ANONYMITY_SECRET_PREVIOUS must be at"),
        ({"BOT_ADMIN_TOKEN_PREVIOUS": "a" * 40}, "BOT_ADMIN_TOKEN_PREVIOUS: has fewer than 10"),
    ],
)
def test_rotation_settings_that_cannot_work_are_refused(env: dict[str, str], message: str) -> None:
    from bot.settings import ConfigurationError

    with pytest.raises(ConfigurationError, match=message):
        load_settings(_env_file=None, BOT_DEV_MODE=True, BOT_ANONYMITY_SECRET=OLD, **env)
