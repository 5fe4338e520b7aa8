"""Who looked at what: one audit row per view and export, through every door, and nothing of answers.

A whole round runs through the real app (answers with distinct comments, the round closes, the
leader's result card is delivered by the outbox worker); then the leader asks for the round and the
month in chat, HR exports from the CLI and the admin API, and the log is read back from the CLI and
the admin API. Every row is checked column by column against what it may hold, and the whole table
is searched for the comments and the participation hashes of the round.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.app import RUNTIME, create_app
from bot.cli.results import export
from storage.db.engine import SessionFactory
from storage.directory.roles import Roles
from storage.privacy.audit import AuditLog, AuditWhat, InvalidAuditEntry, Via
from storage.privacy.retention import RetentionPolicy, purge
from storage.tables.answers import Participation
from storage.tables.audit import AuditRow
from tests.conftest import TEST_SECRET, make_settings
from tests.support import activities as A
from tests.support.clock import Clock
from tests.support.db_inspection import read_tables
from tests.support.mock_connector import MockConnector, card_of, personal, teams_member

TEAM = "19:team-1@thread.tacv2"
TOKEN = "admin-token-0123456789-0123456789-abcdef"
HR = "aad-0099"
LEADER = "aad-0001"
START = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # a Monday
COMMENTS = {n: f"AUDIT-KOMMENTAR-{n}-æøå" for n in range(1, 8)}
VALUES = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 4, 7: 2}


@pytest.fixture
async def world(database_url: str, connector: MockConnector) -> AsyncIterator[dict[str, Any]]:
    clock = Clock(START)
    clock.advance(minutes=5)
    settings = make_settings(
        Path("unused"),
        BOT_DATABASE_URL=database_url,
        BOT_HR_ADMINS=HR,
        BOT_ADMIN_TOKEN=TOKEN,
        BOT_SCHEDULER_INTERVAL_SECONDS=0.1,
        BOT_OUTBOX_POLL_SECONDS=0.05,
        BOT_SEND_RATE_PER_SECOND=50,
        BOT_DELIVERY_STATUS_SECONDS=0.1,
    )
    connector.members[TEAM] = [teams_member(n) for n in range(1, 8)]
    app = create_app(settings, now=clock)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        await post(client, A.team_install(connector.url))
        services = app[RUNTIME].services
        (unit,) = await services.directory.installed_units()
        await Roles(services.rounds._factory, []).assign_leader(unit.id, LEADER)
        yield {"client": client, "clock": clock, "services": services, "unit": unit.id}


async def post(client: TestClient, activity: dict[str, Any]) -> None:
    response = await client.post("/api/messages", json=activity)
    assert response.status == 201, await response.text()


async def until(check: Any, timeout: float = 10.0) -> None:
    async def loop() -> None:
        while not await check():
            await asyncio.sleep(0.05)

    await asyncio.wait_for(loop(), timeout)


async def audit_rows(factory: SessionFactory) -> list[AuditRow]:
    async with factory() as session:
        return list((await session.execute(select(AuditRow).order_by(AuditRow.at))).scalars())


async def answer(client: TestClient, connector: MockConnector, n: int) -> None:
    card = await connector.wait_for(lambda s: s.conversation_id == personal(n))
    content = card_of(card)
    data = dict(content["actions"][0]["data"])
    for element in content["body"]:
        if element["type"] == "Input.ChoiceSet":
            data[element["id"]] = str(VALUES[n])
    data["comment"] = COMMENTS[n]
    activity = A.message(connector.url, n, value=data, reply_to_id=card.activity_id)
    activity["conversation"]["id"] = personal(n)
    await post(client, activity)


async def run_cli(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str, *argv: str, code: int = 0
) -> None:
    from bot.cli import main as cli

    for key, value in {
        "BOT_DEV_MODE": "true",
        "BOT_DATABASE_URL": url,
        "BOT_ANONYMITY_SECRET": TEST_SECRET,
        "BOT_HR_ADMINS": HR,
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exited:
        await asyncio.to_thread(cli.main, list(argv))  # the CLI runs its own event loop
    assert exited.value.code == code


async def test_every_view_and_export_is_one_row_and_the_log_holds_nothing_of_the_answers(
    world: dict[str, Any],
    connector: MockConnector,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    client, clock, services, unit = (
        world["client"],
        world["clock"],
        world["services"],
        world["unit"],
    )
    factory = services.rounds._factory
    closes = START + timedelta(days=3)
    info = await services.rounds.create(unit, START, closes, None, "hr")
    await services.rounds.open_due(START)
    await asyncio.gather(*(answer(client, connector, n) for n in range(1, 8)))
    await until(lambda: _responses(factory, info.id, 7))
    async with factory() as session:
        hashes = set((await session.execute(select(Participation.key))).scalars())
    assert len(hashes) == 7
    assert await audit_rows(factory) == []  # answering is not looking

    # The round closes; the outbox delivers the leader's result card unasked: one row, at delivery.
    clock.current = closes + timedelta(minutes=1)
    result_card = await connector.wait_for(
        lambda s: (
            s.conversation_id == personal(1)
            and "runde 1" in json.dumps(s.activity, ensure_ascii=False)
        ),
        10,
    )
    assert "runde 1" in json.dumps(result_card.activity, ensure_ascii=False)
    await until(lambda: _count(factory, 1))

    # The leader asks in chat for the round, then for the month: one row each.
    clock.advance(minutes=5)
    await post(client, A.message(connector.url, 1, text="resumé"))
    await until(lambda: _count(factory, 2))
    clock.current = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # November is over: its month shows
    await post(
        client,
        A.message(
            connector.url, 1, value={"action": "summary.show", "choice": f"unit:{unit}:2026-11"}
        ),
    )
    await until(lambda: _count(factory, 3))

    # HR exports: the CLI's export under --as and without it (on the test's clock), the admin API
    # as CSV and as a workbook. `--as` someone who is not HR is refused and records nothing.
    await run_cli(
        monkeypatch, tmp_path, database_url, "results", "export", "x.csv", "--as", LEADER, code=1
    )
    assert not (tmp_path / "x.csv").exists()
    clock.advance(minutes=5)
    settings = make_settings(
        tmp_path / "unused.db", BOT_DATABASE_URL=database_url, BOT_HR_ADMINS=HR
    )
    data, count = await export(settings, "csv", "excel-da", clock, acting_as=HR)
    assert count >= 5 and "Hjemmeplejen Nord" in data.decode("utf-8-sig")
    clock.advance(minutes=5)
    await export(settings, "xlsx", "excel-da", clock)
    clock.advance(minutes=5)
    headers = {"Authorization": f"Bearer {TOKEN}", "X-Trivselsbot-As": HR}
    csv_file = await client.get("/admin/results.csv", headers=headers)
    assert csv_file.status == 200 and "Hjemmeplejen Nord" in (await csv_file.read()).decode("utf-8")
    clock.advance(minutes=5)
    book = await client.get("/admin/results.xlsx", headers={"Authorization": f"Bearer {TOKEN}"})
    assert book.status == 200
    refused = await client.get(
        "/admin/results.csv", headers={**headers, "X-Trivselsbot-As": "aad-0001"}
    )
    assert refused.status == 400 and (await refused.json())["issues"][0]["code"] == "not_hr"

    rows = await audit_rows(factory)
    assert [(r.viewer_id.split("@")[0], r.via, r.what, r.detail) for r in rows] == [
        (LEADER, "push", "leader_result", None),
        (LEADER, "chat", "round_summary", None),
        (LEADER, "chat", "period_summary", None),
        (HR, "cli", "results_export", "csv excel-da"),
        (rows[4].viewer_id.split("@")[0], "cli", "results_export", "xlsx"),
        (HR, "admin_api", "results_export", "csv excel-da"),
        ("admin-api", "admin_api", "results_export", "xlsx"),
    ]
    assert rows[4].viewer_id.startswith("cli:") and rows[6].viewer_id == "admin-api@127.0.0.1"
    # Column by column, what each row may hold: who, how, which unit, which figure, when.
    for row in rows:
        assert row.unit_id in (unit, None) and row.unit_name in ("Hjemmeplejen Nord", None)
        assert row.round_id in (info.id, None) and row.period in ("2026-11", None)
        assert (row.unit_id is None) is (row.what == "results_export")
    assert [(r.round_id, r.period) for r in rows[:3]] == [
        (info.id, "2026-11"),
        (info.id, "2026-11"),
        (None, "2026-11"),
    ]
    dump = json.dumps((await read_tables(database_url))["audit_log"], default=str)
    assert not any(comment in dump for comment in COMMENTS.values())
    assert not any(key in dump for key in hashes)
    assert "29:user-" not in dump  # leaders are named by their object id, never their Teams id

    # HR and the MED secretariat read it: the CLI (JSON) and the admin API say the same.
    capsys.readouterr()
    await run_cli(monkeypatch, tmp_path, database_url, "audit", "list", "--format", "json")
    listed = json.loads(capsys.readouterr().out)
    assert [e["what"] for e in listed] == [r.what for r in reversed(rows)]
    assert {e["viewer_name"] for e in listed if e["viewer_id"] == LEADER} == {"Person 1"}
    by_api = await client.get(f"/admin/audit?unit={unit}&limit=3", headers=headers)
    assert [e["id"] for e in (await by_api.json())["entries"]] == [e["id"] for e in listed[:3]]
    await run_cli(
        monkeypatch, tmp_path, database_url, "audit", "list", "--unit", "Hjemmeplejen Nord"
    )
    table = capsys.readouterr().out.splitlines()
    assert len(table) == 7 and "Person 1 (aad-0001)" in table[-1] and "round 1" in table[-1]


async def _responses(factory: SessionFactory, round_id: str, expected: int) -> bool:
    from storage.tables.answers import RoundResponses

    async with factory() as session:
        found = await session.get(RoundResponses, round_id)
    return found is not None and found.responses == expected


async def _count(factory: SessionFactory, expected: int) -> bool:
    return len(await audit_rows(factory)) == expected


async def test_a_malformed_entry_is_refused_and_writes_nothing(
    session_factory: SessionFactory,
) -> None:
    audit = AuditLog(session_factory)
    for bad in (
        {"viewer_id": " "},
        {"what": "answers"},
        {"detail": "two\nlines"},
        {"period": "2026-13"},
        {"via": "email"},
    ):
        arguments: dict[str, Any] = {
            "viewer_id": HR,
            "unit_id": None,
            "what": AuditWhat.RESULTS_EXPORT,
            **bad,
        }
        with pytest.raises(InvalidAuditEntry):
            await audit.record(**arguments)
    assert await audit_rows(session_factory) == []
    await audit.record(HR, None, AuditWhat.MED_DOCUMENT, "pdf", via=Via.DOWNLOAD, period="2026-11")
    (entry,) = await audit.entries()
    assert (entry.what, entry.via, entry.detail, entry.unit_name) == (
        AuditWhat.MED_DOCUMENT,
        Via.DOWNLOAD,
        "pdf",
        None,
    )


async def test_retention_deletes_audit_rows_by_their_own_age(
    session_factory: SessionFactory,
) -> None:
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    for age in (396, 394, 1):
        clock = Clock(now - timedelta(days=age))
        await AuditLog(session_factory, clock).record(HR, None, AuditWhat.RESULTS_EXPORT, "xlsx")
    policy = RetentionPolicy()
    dry = await purge(session_factory, policy, now, dry_run=True)
    assert dry.audit_entries == 1 and len(await audit_rows(session_factory)) == 3
    report = await purge(session_factory, policy, now)
    assert report.audit_entries == 1
    kept = await audit_rows(session_factory)
    assert sorted((now - r.at).days for r in kept) == [1, 394]
