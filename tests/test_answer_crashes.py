"""A crash at any step of staging or closing loses no thanked answer and counts none twice.

Real processes (on SQLite, and for the close on PostgreSQL too), killed by SIGKILL at a named step (storage/db/crash_points.py): the bot while it
stages an answer (inside the transaction, and after the commit before the thanks), and
`trivselsbot pulse close` before, inside and after the closing transaction and inside and after
the files' rewrite. After each crash the same command runs again, as the scheduler would: every
answer that was thanked is counted exactly once, and the files end as rule 10 wants them.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text

from storage.anonymity.participation import participation_key
from storage.answers.pulse import Answers
from storage.db.engine import create_engine, create_session_factory
from storage.db.migrate import upgrade
from storage.question_bank import default_bank
from storage.rounds.lifecycle import RoundInfo
from tests.conftest import TEST_SECRET
from tests.support.mock_connector import MockConnector, free_port
from tests.support.processes import log_tail, spawn_bot, stop_process, until
from tests.support.sqlite_files import freelist_count
from tests.test_faults import seed_round, submission, texts_to, thanked

PEOPLE = range(1, 6)


def comment(n: int) -> str:
    return f"Svar fra nummer {n}"


def environment(database_url: str, crash_at: str | None, port: int | None = None) -> dict[str, str]:
    env = {
        "BOT_DATABASE_URL": database_url,
        "BOT_DEV_MODE": "true",
        "BOT_ANONYMITY_SECRET": TEST_SECRET,
        "BOT_BACKGROUND_WORKERS": "false",
        "BOT_LOG_LEVEL": "INFO",
        "TRIVSELSBOT_CRASH_AT": crash_at or "",
    }
    if port is not None:
        env |= {"BOT_HOST": "127.0.0.1", "BOT_PORT": str(port)}
    return env


async def state(database_url: str, round_id: str) -> dict[str, Any]:
    """What the database holds of the round, read as the next process would find it."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:

            async def rows(sql: str, **args: Any) -> list[tuple[Any, ...]]:
                return [tuple(row) for row in await connection.execute(text(sql), args)]

            async def count(table: str) -> int:
                return int((await rows(f"SELECT count(*) FROM {table}"))[0][0])

            (pulse_state,) = (
                await rows("SELECT state FROM pulse_rounds WHERE id = :r", r=round_id)
            )[0]
            counts = await rows("SELECT item_id, sum(count) FROM answer_counts GROUP BY item_id")
            return {
                "state": pulse_state,
                "staged": await count("staged_answers"),
                "participation": await count("participation"),
                "responses": sum(r[0] for r in await rows("SELECT responses FROM round_responses")),
                "counts": {item: int(n) for item, n in counts},
                "comments": sorted(r[0] for r in await rows("SELECT text FROM anonymous_comments")),
                "rewrites_due": await count("file_rewrites"),
                "salts": await count("round_keys"),
            }
    finally:
        await engine.dispose()


def close_round(database_url: str, round_id: str, log: Path, crash_at: str | None) -> int:
    """`trivselsbot pulse close <round>` as a process of its own; its exit code (-9: killed)."""
    process = spawn_bot(["pulse", "close", round_id], environment(database_url, crash_at), log)
    try:
        return process.wait(timeout=60)
    finally:
        stop_process(process, signal.SIGKILL)


async def assert_counted_once(database_url: str, info: RoundInfo, answered: set[int]) -> None:
    """Closed: each answer counted once, each comment once, nothing staged or hashed is left."""
    final = await state(database_url, info.id)
    assert final["state"] == "closed"
    assert final["counts"] == {item: len(answered) for item in info.items}
    assert final["comments"] == sorted(comment(n) for n in answered)
    assert final["responses"] == len(answered)
    assert (final["staged"], final["participation"], final["salts"]) == (0, 0, 0)
    assert final["rewrites_due"] == 0, "the rewrite was left undone"
    if database_url.startswith("sqlite"):
        assert_file_forgot(Path(database_url.split("///", 1)[1]), info)


def assert_file_forgot(db_path: Path, info: RoundInfo) -> None:
    assert freelist_count(db_path) == 0
    data = db_path.read_bytes()
    for n in PEOPLE:
        assert participation_key(TEST_SECRET, info.id, f"29:user-{n}").encode() not in data


# --- closing --------------------------------------------------------------------------------

BEFORE_COMMIT = ["close.before", "close.inside"]
AFTER_COMMIT = ["close.committed", "rewrite.vacuuming", "rewrite.vacuumed"]


@pytest.mark.parametrize("crash_at", BEFORE_COMMIT + AFTER_COMMIT)
async def test_a_close_killed_at_any_step_counts_every_answer_once_when_run_again(
    tmp_path: Path, database_url: str, crash_at: str
) -> None:
    if crash_at == "rewrite.vacuuming" and not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's VACUUM runs in the server, not in the bot's process")
    log = tmp_path / "close.log"
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        factory = create_session_factory(engine)
        info = await seed_round(factory, "http://127.0.0.1:9/", PEOPLE)
        answers = Answers(factory, default_bank(), TEST_SECRET)
        for n in PEOPLE:  # each returned: each was thanked
            await answers.submit(
                info.id, f"29:user-{n}", {i: "4" for i in info.items}, comment(n), info.opens_at
            )
    finally:
        await engine.dispose()

    assert close_round(database_url, info.id, log, crash_at) == -signal.SIGKILL, log_tail(log)
    crashed = await state(database_url, info.id)
    if crash_at in BEFORE_COMMIT:  # still open, every answer still staged, nothing counted
        assert crashed["state"] == "open" and crashed["staged"] == len(PEOPLE)
        assert crashed["counts"] == {} and crashed["comments"] == []
    else:  # closed and counted; the files' rewrite is still due
        assert crashed["state"] == "closed" and crashed["staged"] == 0
        assert crashed["counts"] == {item: len(PEOPLE) for item in info.items}
        assert crashed["rewrites_due"] == 1

    assert close_round(database_url, info.id, log, None) == 0, log_tail(log)
    await assert_counted_once(database_url, info, set(PEOPLE))


# --- staging --------------------------------------------------------------------------------


@pytest.fixture
async def connector() -> AsyncIterator[MockConnector]:
    mock = await MockConnector().start()
    yield mock
    await mock.stop()


@pytest.mark.parametrize("crash_at", ["stage.inside", "stage.committed"])
async def test_a_bot_killed_while_staging_an_answer_loses_no_thanked_one(
    tmp_path: Path, connector: MockConnector, crash_at: str
) -> None:
    db_path, log = tmp_path / "bot.db", tmp_path / "bot.log"
    url = f"sqlite+aiosqlite:///{db_path}"
    engine = create_engine(url)
    try:
        await upgrade(engine)
        info = await seed_round(create_session_factory(engine), connector.url, PEOPLE)
    finally:
        await engine.dispose()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    processes: list[subprocess.Popen[bytes]] = []

    async def healthy() -> bool:
        assert processes[-1].poll() is None, log_tail(log)
        try:
            async with http.get(f"{base}/healthz") as response:
                return response.status == 200
        except aiohttp.ClientError:
            return False

    async def press(n: int) -> int:
        activity = submission(connector.url, info, n, comment(n))
        async with http.post(f"{base}/api/messages", json=activity) as response:
            return response.status

    try:
        async with aiohttp.ClientSession() as http:
            processes.append(spawn_bot(["run"], environment(url, crash_at, port), log))
            await until(healthy, 30, "the bot to start", lambda: log_tail(log))
            with pytest.raises(aiohttp.ClientError):
                await press(1)
            assert processes[-1].wait(timeout=20) == -signal.SIGKILL, log_tail(log)
            assert thanked(connector, 1) == 0
            crashed = await state(url, info.id)
            kept = 1 if crash_at == "stage.committed" else 0  # committed, though not thanked
            assert (crashed["staged"], crashed["participation"]) == (kept, kept)
            assert crashed["counts"] == {} and crashed["comments"] == []

            processes.append(spawn_bot(["run"], environment(url, None, port), log))
            await until(healthy, 30, "the bot to start again", lambda: log_tail(log))
            for n in PEOPLE:
                assert await press(n) in (200, 201)
            await until(
                lambda: all(thanked(connector, n) == 1 for n in PEOPLE[kept:]),
                20,
                "the thanks cards",
                lambda: log_tail(log),
            )
            if kept:  # the second press of the person whose first answer was kept
                await until(
                    lambda: any("allerede svaret" in text for text in texts_to(connector, 1)),
                    20,
                    "the refusal of a second answer",
                )
    finally:
        for process in processes:
            stop_process(process, signal.SIGTERM)
    await asyncio.sleep(0)
    assert close_round(url, info.id, tmp_path / "close.log", None) == 0
    await assert_counted_once(url, info, set(PEOPLE))
