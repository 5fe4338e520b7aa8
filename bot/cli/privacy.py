"""`trivselsbot privacy report` and `trivselsbot privacy purge`: for the DPO and for operations.

`report` lists, from the live database, every table: what it holds about people, why, for how
long, and how many rows (Danish by default, `--language en`). It exits 1 when the database holds
a table or column the classification does not cover. `purge` applies the retention settings now
(the bot also does so every BOT_RETENTION_INTERVAL_SECONDS); `--dry-run` counts and deletes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from typing import Any

from bot.cli.common import binder
from bot.settings import Settings
from storage.db.engine import create_engine, create_session_factory
from storage.db.migrate import upgrade
from storage.privacy.report import privacy_report, render_text
from storage.privacy.retention import PurgeReport, purge
from storage.tables.directory import utcnow


def cmd_report(settings: Settings, args: argparse.Namespace) -> int:
    async def main() -> int:
        engine = create_engine(settings.database_url)
        try:
            await upgrade(engine)
            report = await privacy_report(
                create_session_factory(engine), settings.retention_policy, args.language
            )
        finally:
            await engine.dispose()
        sys.stdout.write(render_text(report))
        if not report.complete:
            print("The classification does not cover the whole database.", file=sys.stderr)
            return 1
        return 0

    return asyncio.run(main())


def describe(report: PurgeReport) -> str:
    """One line per kind of data, counts only."""
    verb = "Would delete" if report.dry_run else "Deleted"
    months = ", ".join(report.periods) or "none"
    lines = [
        f"{verb} (rounds closing before {report.cutoff:%Y-%m-%d}, months: {months}):",
        f"  pulse rounds: {report.pulse_rounds}, reflection rounds: {report.reflection_rounds}",
        f"  comments and reflections: {report.comments}",
        f"  agreed actions: {report.agreed_actions}",
        f"  participation hashes left after close: {report.participation}",
        f"  reminder rows of finished rounds: {report.reminders}",
        f"  delivery records: {report.outbox}, status cards: {report.watches}",
        f"  people in no team, not seen for long: {report.people}",
        f"  audit log entries (who looked at results) past their time: {report.audit_entries}",
    ]
    if report.skipped_periods:
        waiting = ", ".join(report.skipped_periods)
        lines.append(f"  kept whole for now (a round in them is not closed): {waiting}")
    return "\n".join(lines) + "\n"


def cmd_purge(settings: Settings, args: argparse.Namespace) -> int:
    async def main() -> PurgeReport:
        engine = create_engine(settings.database_url)
        try:
            await upgrade(engine)
            return await purge(
                create_session_factory(engine),
                settings.retention_policy,
                utcnow(),
                dry_run=args.dry_run,
            )
        finally:
            await engine.dispose()

    sys.stdout.write(describe(asyncio.run(main())))
    return 0


def add_commands(sub: Any, settings_or_exit: Callable[[], Settings]) -> None:
    bind = binder(settings_or_exit)
    privacy = sub.add_parser("privacy", help="data protection: what is stored, and retention")
    commands = privacy.add_subparsers(dest="privacy_command", required=True)
    report = commands.add_parser(
        "report", help="which personal data the database holds, why and for how long"
    )
    report.add_argument("--language", choices=["da", "en"], default="da")
    report.set_defaults(func=bind(cmd_report))
    purge_parser = commands.add_parser("purge", help="delete what is past its retention now")
    purge_parser.add_argument(
        "--dry-run", action="store_true", help="count what would be deleted; delete nothing"
    )
    purge_parser.set_defaults(func=bind(cmd_purge))
