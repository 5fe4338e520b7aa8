"""Schema: Alembic builds it from nothing, a second start changes nothing, and it matches the models."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, text

from storage.db.engine import create_engine
from storage.db.migrate import current_revision, head_revision, upgrade
from storage.tables.schema import Base


def _schema(connection: Connection) -> list[tuple[str, str]]:
    rows = connection.execute(
        text("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
    )
    return [(row[0], row[1]) for row in rows]


async def test_upgrade_from_empty_then_second_start_changes_nothing(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'fresh' / 'db.sqlite'}")
    try:
        assert await current_revision(engine) is None
        await upgrade(engine)
        assert await current_revision(engine) == head_revision()
        async with engine.connect() as connection:
            first = await connection.run_sync(_schema)
        assert {name for name, _ in first} >= {
            "units",
            "recipients",
            "unit_members",
            "conversations",
            "role_assignments",
            "state_documents",
            "alembic_version",
        }
        await upgrade(engine)
        async with engine.connect() as connection:
            second = await connection.run_sync(_schema)
        assert second == first
        assert await current_revision(engine) == head_revision()
    finally:
        await engine.dispose()


async def test_migrations_match_the_models(tmp_path: Path) -> None:
    """If someone changes a model without a migration, this fails."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    try:
        await upgrade(engine)

        def diff(connection: Connection) -> list[object]:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))

        async with engine.connect() as connection:
            assert await connection.run_sync(diff) == []
    finally:
        await engine.dispose()


async def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    try:
        async with engine.connect() as connection:
            mode = (await connection.execute(text("PRAGMA journal_mode"))).scalar_one()
        assert mode == "wal"
    finally:
        await engine.dispose()
