"""`trivselsbot privacy report`: every table and column of the live schema is classified, the
counts are the database's own, and a table or column nobody classified makes it fail loudly."""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, table, text

from bot.cli.main import main as cli_main
from storage.db.engine import SessionFactory
from storage.privacy.catalog import CATALOG, KIND_TITLES, LABELS, Kind, TableClass, Text
from storage.privacy.report import live_schema, privacy_report, render_text
from storage.privacy.retention import RetentionPolicy
from storage.tables import answers as answer_models
from tests.conftest import TEST_SECRET
from tests.support.pulse_fixtures import open_round, team_with_members

POLICY = RetentionPolicy(years=4, participation_grace=timedelta(hours=36), delivery_days=60)


async def test_every_table_and_column_of_the_live_schema_is_classified(
    session_factory: SessionFactory,
) -> None:
    schema = await live_schema(session_factory)
    assert set(schema) == set(CATALOG), "classify new tables in storage/privacy/catalog.py"
    for name, columns in schema.items():
        entry = CATALOG[name]
        classified = [*entry.personal, *entry.other]
        assert len(classified) == len(set(classified)), f"{name}: a column classified twice"
        assert set(columns) == set(classified), (
            f"{name}: classify {sorted(set(columns) - set(classified))} in "
            f"storage/privacy/catalog.py; no longer there: {sorted(set(classified) - set(columns))}"
        )
    report = await privacy_report(session_factory, POLICY)
    assert report.complete and not report.missing_tables


async def test_the_report_counts_rows_and_names_personal_data_in_both_languages(
    session_factory: SessionFactory,
) -> None:
    unit_id = await team_with_members(session_factory, "19:team-r", range(1, 8))
    await open_round(session_factory, unit_id)
    danish = await privacy_report(session_factory, POLICY, "da")
    english = await privacy_report(session_factory, POLICY, "en")
    async with session_factory() as session:
        for entry in danish.tables:
            count = await session.scalar(select(func.count()).select_from(table(entry.table)))
            assert entry.rows == count, entry.table
    by_name = {t.table: t for t in danish.tables}
    assert by_name["recipients"].rows == 7 and by_name["unit_members"].rows == 7
    assert by_name["outbox"].rows == 7  # the pulse queued to everyone
    assert {n.column for n in by_name["recipients"].personal_columns} >= {
        "user_id",
        "aad_object_id",
        "name",
        "personal_reference",
    }
    assert "4 år" in by_name["answer_counts"].retention
    assert "36 timer" in by_name["participation"].retention
    assert "60 dage" in by_name["recipients"].retention
    assert "4 years" in {t.table: t for t in english.tables}["answer_counts"].retention

    rendered = render_text(danish)
    assert rendered.startswith("Trivselsbot: det gemmer databasen")
    assert "== Personoplysninger ==" in rendered and "recipients (7 rækker)" in rendered
    assert "    - aad_object_id: Entra ID-objekt-id (AAD)" in rendered
    assert "== Personal data ==" in render_text(english)
    for name in CATALOG:
        assert f"\n{name} (" in rendered


def test_answers_are_never_classified_as_personal_data() -> None:
    """Rule 1: the answer tables hold aggregates; participation is a keyed hash (rule 2)."""
    answer_tables = {
        model.__tablename__
        for model in vars(answer_models).values()
        if isinstance(model, type) and hasattr(model, "__tablename__")
    }
    assert answer_tables == {
        "answer_counts",
        "round_responses",
        "anonymous_comments",
        "participation",
        "staged_answers",
        "round_keys",
        "file_rewrites",
    }
    machinery = {"round_keys", "file_rewrites"}  # a salt, and a note that a rewrite is due
    for name in answer_tables - {"participation"} - machinery:
        assert CATALOG[name].kind is Kind.ANONYMOUS and not CATALOG[name].personal
    for name in machinery:
        assert CATALOG[name].kind is Kind.ORGANISATIONAL and not CATALOG[name].personal
    assert CATALOG["participation"].kind is Kind.PSEUDONYMOUS
    assert set(CATALOG["participation"].personal) == {"key"}


def test_every_text_has_danish_and_english_and_its_placeholders_are_known() -> None:
    values = {
        "years": 5,
        "grace_hours": 24,
        "delivery_days": 90,
        "audit_days": 395,
        "database": "sqlite",
    }
    texts: list[Text] = [*KIND_TITLES.values(), *LABELS.values()]
    for entry in CATALOG.values():
        assert isinstance(entry, TableClass) and [f.name for f in fields(entry)]
        texts += [entry.purpose, entry.retention, *entry.personal.values()]
        if entry.kind in (Kind.PERSONAL, Kind.PSEUDONYMOUS):
            assert entry.personal, "personal data must say which columns hold it"
    for item in texts:
        assert item.da.strip() and item.en.strip() and item.da != item.en, item
        item.da.format(**values)
        item.en.format(**values)
    assert set(KIND_TITLES) == set(Kind)


@pytest.mark.sqlite_only
async def test_an_unclassified_table_or_column_makes_the_report_incomplete(
    session_factory: SessionFactory,
) -> None:
    async with session_factory.begin() as session:
        await session.execute(text("CREATE TABLE sneaky (id INTEGER PRIMARY KEY, email TEXT)"))
        await session.execute(text("ALTER TABLE recipients ADD COLUMN phone TEXT"))
    report = await privacy_report(session_factory, POLICY)
    assert not report.complete
    by_name = {t.table: t for t in report.tables}
    assert by_name["sneaky"].kind is None and by_name["sneaky"].unclassified_columns == [
        "id",
        "email",
    ]
    assert by_name["recipients"].unclassified_columns == ["phone"]
    rendered = render_text(report)
    assert "IKKE KLASSIFICERET" in rendered and "phone" in rendered and "sneaky (0" in rendered


def _configure(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    database = tmp_path / "report.db"
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.setenv("BOT_DEV_MODE", "true")
    monkeypatch.setenv("BOT_ANONYMITY_SECRET", TEST_SECRET)
    monkeypatch.setenv("BOT_DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    return database


def test_the_report_command_in_danish_and_english_and_its_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    database = _configure(monkeypatch, tmp_path)
    with pytest.raises(SystemExit) as exited:
        cli_main(["privacy", "report"])
    assert exited.value.code == 0
    danish = capsys.readouterr().out
    assert "== Personoplysninger ==" in danish and "participation (0 rækker)" in danish
    with pytest.raises(SystemExit) as exited:
        cli_main(["privacy", "report", "--language", "en"])
    assert exited.value.code == 0
    assert "== Anonymous aggregates and texts ==" in capsys.readouterr().out

    with sqlite3.connect(database) as connection:
        connection.execute("ALTER TABLE outbox ADD COLUMN email TEXT")
    with pytest.raises(SystemExit) as exited:
        cli_main(["privacy", "report"])
    assert exited.value.code == 1
    out, err = capsys.readouterr()
    assert "IKKE KLASSIFICERET — tilføj til storage/privacy/catalog.py: email" in out
    assert "does not cover" in err
