"""`trivselsbot doctor`, `backup` and `restore`: the commands IT runs around the bot."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.settings import Settings
from manifest.build import DEFAULT_OUT


def add_commands(sub: Any, settings_or_exit: Callable[..., Settings]) -> None:
    def cmd_doctor(args: argparse.Namespace) -> None:
        from bot.operations.doctor import doctor

        raise SystemExit(doctor(args.package))

    doctor = sub.add_parser(
        "doctor",
        help="check the configuration as production uses it (exit 0 only when all checks pass)",
    )
    doctor.add_argument(
        "--package",
        type=Path,
        default=DEFAULT_OUT,
        help=f"the Teams app package to compare with (default {DEFAULT_OUT.name} from make package)",
    )
    doctor.set_defaults(func=cmd_doctor)

    def database_file(settings: Settings) -> Path | None:
        from sqlalchemy.engine import make_url

        from storage.db.engine import is_sqlite_file

        url = make_url(settings.database_url)
        return Path(str(url.database)).expanduser() if is_sqlite_file(url) else None

    def postgres_hint(command: str) -> None:
        print(
            f"BOT_DATABASE_URL is PostgreSQL: `trivselsbot {command}` is for the SQLite file. Use "
            "pg_dump --format=custom / pg_restore (the commands are in docs/operations.md).",
            file=sys.stderr,
        )

    def cmd_backup(args: argparse.Namespace) -> None:
        from storage.db.backup import BackupError, backup_sqlite

        database = database_file(settings_or_exit())
        if database is None:
            postgres_hint("backup")
            raise SystemExit(2)
        try:
            facts = backup_sqlite(database, args.path)
        except BackupError as error:
            print(f"Refused: {error}", file=sys.stderr)
            raise SystemExit(1) from None
        print(
            f"Backup written: {facts.path} ({facts.size_bytes} bytes, revision {facts.revision}, "
            f"{facts.rounds} rounds)"
        )
        if facts.open_rounds:
            print(
                f"It holds the sealed answers of {facts.open_rounds} open round(s): keep it as "
                "safe as the database, and never together with BOT_ANONYMITY_SECRET."
            )

    def cmd_restore(args: argparse.Namespace) -> None:
        from storage.db.backup import BackupError, restore_sqlite

        database = database_file(settings_or_exit())
        if database is None:
            postgres_hint("restore")
            raise SystemExit(2)
        try:
            facts = restore_sqlite(args.backup, database, force=args.force)
        except BackupError as error:
            print(f"Refused: {error}", file=sys.stderr)
            raise SystemExit(1) from None
        print(
            f"Restored {args.backup} into {facts.path} (revision {facts.revision}, {facts.rounds} "
            "rounds); the bot upgrades the schema when it starts"
        )

    backup = sub.add_parser(
        "backup", help="copy the SQLite database to PATH, consistent while the bot runs"
    )
    backup.add_argument("path", type=Path, help="the backup file to write (must not exist)")
    backup.set_defaults(func=cmd_backup)
    restore = sub.add_parser("restore", help="put an SQLite backup in place of the database")
    restore.add_argument("backup", type=Path, help="a file written by `trivselsbot backup`")
    restore.add_argument(
        "--force",
        action="store_true",
        help="replace an existing database (stop the bot and every worker first)",
    )
    restore.set_defaults(func=cmd_restore)
