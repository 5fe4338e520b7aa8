"""Apply Alembic migrations from code, so the app (and tests) upgrade the schema on start."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).with_name("migrations")
# pg_advisory_xact_lock key for schema upgrades (any constant; "trivsel" in ASCII, truncated).
MIGRATION_LOCK = 0x74726976736C


def alembic_config(connection: Connection | None = None) -> Config:
    """An in-memory Alembic config: no alembic.ini to keep in step with the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    # "heads": work on parallel branches stays upgradable until a merge revision joins them.
    command.upgrade(alembic_config(connection), "heads")


def _current(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    # Sorted and joined, so a database on parallel branches compares equal to head_revision().
    heads = MigrationContext.configure(connection).get_current_heads()
    return ",".join(sorted(heads)) or None


async def upgrade(engine: AsyncEngine) -> None:
    """Bring the database to the newest revision; a database already there is left untouched.

    Replicas start together on one PostgreSQL: without the lock both would create the same tables
    and the second would die on a duplicate key in the catalogue. With it they queue; the second
    finds the schema current and does nothing. The lock ends with the transaction.
    """
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
            )
        await connection.run_sync(_upgrade)


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at, for health checks and tests."""
    async with engine.connect() as connection:
        return await connection.run_sync(_current)


def head_revision() -> str | None:
    """The newest revision the code knows ("0003,0004" while parallel branches await a merge)."""
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    return ",".join(sorted(heads)) or None


def known_revision(revision: str) -> bool:
    """Whether this release's migrations hold `revision` (a newer release's is unknown here)."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False
