"""Backups and restores on both databases.

SQLite: `trivselsbot backup` copies the file with the online backup API while answers keep
arriving, and every backup is one moment's database (each staged answer with its participation hash
and its response count, nothing half-written). `trivselsbot restore` refuses to replace a database
that exists (and says when a process has it open) unless forced. PostgreSQL: the pg_dump /
pg_restore commands of docs/operations.md restore into a fresh database, which is at the schema's
head, gives the same leader summary, and the bot starts on it.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from storage.answers.pulse import Answers
from storage.db.backup import BackupError, backup_sqlite, in_use, restore_sqlite
from storage.db.engine import SessionFactory, create_engine, create_session_factory
from storage.db.migrate import current_revision, head_revision, upgrade
from storage.question_bank import default_bank
from storage.results.summaries import Summaries
from storage.rounds.lifecycle import Rounds
from tests.conftest import TEST_SECRET, _admin, _run_async, make_settings
from tests.support.postgres import PostgresServer, random_database_name
from tests.support.pulse_fixtures import NOW, full_answer, member, open_round, team_with_members

BANK = default_bank()


def counts(path: Path) -> tuple[int, int, int]:
    """(staged answers, participation hashes, the response counter) of the one open round."""
    with closing(sqlite3.connect(path)) as connection:
        staged = connection.execute("SELECT count(*) FROM staged_answers").fetchone()[0]
        hashes = connection.execute("SELECT count(*) FROM participation").fetchone()[0]
        responses = connection.execute(
            "SELECT coalesce(sum(responses), 0) FROM round_responses"
        ).fetchone()[0]
    return staged, hashes, responses


async def closed_round_with_results(factory: SessionFactory, team: str, people: int) -> str:
    """A team round answered by `people` and closed: counters, comments, a summary to read."""
    unit = await team_with_members(factory, team, range(1, people + 1))
    info = await open_round(factory, unit)
    answers = Answers(factory, BANK, TEST_SECRET)
    for n in range(1, people + 1):
        await answers.submit(info.id, member(n).user_id, full_answer(info, 1 + n % 5), None, NOW)
    await Rounds(factory, BANK, TEST_SECRET).close(info.id)
    return info.id


async def summary_of(factory: SessionFactory, round_id: str) -> dict[str, object]:
    summaries = Summaries(factory, BANK, 5, lambda: NOW + timedelta(days=6))
    async with factory() as session:
        from storage.tables.pulses import PulseRound

        unit = (await session.get(PulseRound, round_id)).unit_id
    summary = (await summaries.round_summary(round_id, {unit})).model_dump()
    assert summary["figures"] is not None, summary  # something to compare: the figures shown
    return summary


async def test_backups_taken_while_answers_arrive_are_each_one_moment(tmp_path: Path) -> None:
    database = tmp_path / "bot.db"
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    await upgrade(engine)
    factory = create_session_factory(engine)
    people = 600
    unit = await team_with_members(factory, "19:busy", range(1, people + 1))
    info = await open_round(factory, unit)
    answers = Answers(factory, BANK, TEST_SECRET)

    async def answer_everyone() -> None:
        for n in range(1, people + 1):
            await answers.submit(info.id, member(n).user_id, full_answer(info), None, NOW)

    writing = asyncio.create_task(answer_everyone())
    taken: list[tuple[int, int, int]] = []
    while not writing.done():
        target = tmp_path / f"backup-{len(taken)}.db"
        facts = await asyncio.to_thread(backup_sqlite, database, target)
        assert facts.open_rounds == 1
        taken.append(counts(target))
        with closing(sqlite3.connect(target)) as copy:  # a file on its own, nothing freed in it
            assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
            assert copy.execute("PRAGMA freelist_count").fetchone()[0] == 0
        assert not target.with_name(target.name + "-wal").exists()
    await writing
    await engine.dispose()
    # Every backup pairs each sealed answer with its hash and its count, however the commits fell.
    assert all(staged == hashes == responses for staged, hashes, responses in taken), taken
    during = [staged for staged, _, _ in taken if 0 < staged < people]
    assert during, f"no backup was taken while answers arrived: {taken}"
    assert [staged for staged, _, _ in taken] == sorted(staged for staged, _, _ in taken)


async def test_restore_refuses_an_existing_database_unless_forced(tmp_path: Path) -> None:
    database = tmp_path / "bot.db"
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    await upgrade(engine)
    factory = create_session_factory(engine)
    round_id = await closed_round_with_results(factory, "19:a", 6)
    before = await summary_of(factory, round_id)
    backup = tmp_path / "backup.db"
    backup_sqlite(database, backup)
    later = await closed_round_with_results(factory, "19:b", 5)  # not in the backup

    with pytest.raises(BackupError, match="exists and a running process has it open"):
        restore_sqlite(backup, database)  # the engine's pooled connection is open
    assert in_use(database)
    await engine.dispose()
    with pytest.raises(BackupError, match=r"exists: stop the bot .* --force"):
        restore_sqlite(backup, database)

    facts = restore_sqlite(backup, database, force=True)
    assert facts.revision == head_revision()
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    factory = create_session_factory(engine)
    assert await summary_of(factory, round_id) == before
    async with factory() as session:
        from storage.tables.pulses import PulseRound

        assert await session.get(PulseRound, later) is None
    await engine.dispose()


async def test_a_restored_file_starts_the_bot(tmp_path: Path) -> None:
    database = tmp_path / "bot.db"
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    await upgrade(engine)
    round_id = await closed_round_with_results(create_session_factory(engine), "19:c", 5)
    await engine.dispose()
    backup_sqlite(database, tmp_path / "backup.db")
    fresh = tmp_path / "elsewhere" / "restored.db"
    restore_sqlite(tmp_path / "backup.db", fresh)  # nothing there: no --force needed
    server = TestServer(create_app(make_settings(fresh)), host="127.0.0.1")
    async with TestClient(server) as client:
        response = await client.get("/healthz")
        assert response.status == 200
    engine = create_engine(f"sqlite+aiosqlite:///{fresh}")
    summary = await summary_of(create_session_factory(engine), round_id)
    assert summary["figures"]["responses"] == 5, summary
    await engine.dispose()


def test_backup_and_restore_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The commands as an operator types them: exit codes and the one line each prints. The
    backup runs as its own process; the refusals run in this one (the same code, faster)."""
    from bot.cli.main import main

    database = tmp_path / "bot.db"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "Microsoft"))},
        "BOT_DEV_MODE": "true",
        "BOT_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
    }
    for key in [k for k in os.environ if k.startswith(("BOT_", "Microsoft"))]:
        monkeypatch.delenv(key)
    for key in ("BOT_DEV_MODE", "BOT_DATABASE_URL"):
        monkeypatch.setenv(key, env[key])
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> tuple[int, str, str]:
        try:
            main(list(args))
            code = 0
        except SystemExit as exited:
            code = int(exited.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    main(["migrate"])  # prints the revision and returns
    assert capsys.readouterr().out.startswith("Database is at revision ")
    made = subprocess.run(
        [str(Path(sys.executable).with_name("trivselsbot")), "backup", str(tmp_path / "b.db")],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith(f"Backup written: {tmp_path / 'b.db'} (")
    code, _, err = run("backup", str(tmp_path / "b.db"))
    assert code == 1 and "exists already" in err
    code, _, err = run("restore", str(tmp_path / "b.db"))
    assert code == 1 and err.startswith(f"Refused: {database} exists: stop the bot")
    code, out, _ = run("restore", "--force", str(tmp_path / "b.db"))
    assert code == 0 and out.startswith("Restored ")
    monkeypatch.setenv("BOT_DATABASE_URL", "postgresql+asyncpg://bot@127.0.0.1:5432/bot")
    code, _, err = run("backup", str(tmp_path / "c.db"))
    assert code == 2 and "pg_dump --format=custom" in err


def pg_tool(server: PostgresServer, tool: str, *args: str) -> None:
    done = subprocess.run(
        [str(server.bin_dir / tool), *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


async def test_pg_dump_restores_into_a_fresh_database_the_bot_starts_on(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    source = random_database_name("src")
    fresh = random_database_name("restored")
    await asyncio.to_thread(
        _run_async, _admin(postgres, f"CREATE DATABASE {source} TEMPLATE trivselsbot_template")
    )
    try:
        engine = create_engine(postgres.url(source))
        factory = create_session_factory(engine)
        round_id = await closed_round_with_results(factory, "19:pg", 6)
        before = await summary_of(factory, round_id)
        await engine.dispose()
        dump = tmp_path / "trivselsbot.dump"
        # The commands of docs/operations.md, with this server's address.
        pg_tool(postgres, "pg_dump", "--format=custom", "--no-owner", "--file", str(dump),
                postgres.dsn(source))  # fmt: skip
        await asyncio.to_thread(
            _run_async, _admin(postgres, f"CREATE DATABASE {fresh} TEMPLATE template0")
        )
        pg_tool(postgres, "pg_restore", "--no-owner", "--exit-on-error", "--single-transaction",
                "--dbname", postgres.dsn(fresh), str(dump))  # fmt: skip

        engine = create_engine(postgres.url(fresh))
        assert await current_revision(engine) == head_revision()
        assert await summary_of(create_session_factory(engine), round_id) == before
        await engine.dispose()
        settings = make_settings(tmp_path / "unused.db", BOT_DATABASE_URL=postgres.url(fresh))
        async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
            assert (await client.get("/healthz")).status == 200
    finally:
        for name in (source, fresh):
            await asyncio.to_thread(
                _run_async, _admin(postgres, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            )
