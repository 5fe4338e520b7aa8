"""`trivselsbot audit list`: who looked at which results, for HR and the MED secretariat.

Newest first. `--unit` (id, Teams team id or name) shows that unit's rows and the exports of every
unit at once; `--since` a date (Copenhagen) or a moment with its zone. `--format table` for
people, `csv` (comma-separated, text that a spreadsheet would evaluate neutralised) or `json`.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Callable
from datetime import date, datetime, time

from bot.cli.common import binder, run_on_database
from bot.documents.results_export import neutralise
from bot.settings import Settings
from storage.calendar.zone import COPENHAGEN
from storage.db.engine import SessionFactory
from storage.directory.hierarchy import resolve_unit
from storage.privacy.audit import AuditEntry, AuditLog

COLUMNS = [
    "at",
    "viewer_id",
    "viewer_name",
    "via",
    "unit_id",
    "unit_name",
    "what",
    "round_id",
    "round_sequence",
    "period",
    "detail",
]


def parse_since(value: str) -> datetime:
    """YYYY-MM-DD (from midnight, Copenhagen) or an ISO moment that says its zone."""
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(0), COPENHAGEN)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError("a date (2026-11-01) or a moment with its zone") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give the zone too, e.g. 2026-11-01T08:00+01:00")
    return moment


def _which(entry: AuditEntry) -> str:
    parts = []
    if entry.round_sequence is not None:
        parts.append(f"round {entry.round_sequence}")
    elif entry.round_id:
        parts.append(f"round {entry.round_id}")
    if entry.period:
        parts.append(entry.period)
    if entry.detail:
        parts.append(entry.detail)
    return ", ".join(parts)


def table(entries: list[AuditEntry]) -> str:
    lines = []
    for entry in entries:
        viewer = (
            f"{entry.viewer_name} ({entry.viewer_id})" if entry.viewer_name else entry.viewer_id
        )
        unit = entry.unit_name or entry.unit_id or "(every unit)"
        when = entry.at.astimezone(COPENHAGEN).strftime("%Y-%m-%d %H:%M")
        lines.append(
            f"{when}  {viewer}  {entry.via.value:9}  {entry.what.value:15}  {unit}  {_which(entry)}"
        )
    return "".join(line.rstrip() + "\n" for line in lines)


def comma_separated(entries: list[AuditEntry]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for entry in entries:
        values = entry.model_dump(mode="json")
        writer.writerow(
            [
                neutralise(value) if isinstance(value, str) else ("" if value is None else value)
                for value in (values[column] for column in COLUMNS)
            ]
        )
    return buffer.getvalue()


def cmd_list(settings: Settings, args: argparse.Namespace) -> int:
    async def work(factory: SessionFactory) -> int:
        unit_id = None
        if args.unit:
            async with factory() as session:
                unit_id = (await resolve_unit(session, args.unit)).id
        entries = await AuditLog(factory).entries(unit_id, args.since, limit=args.limit)
        if args.format == "json":
            document = [entry.model_dump(mode="json") for entry in entries]
            sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=1) + "\n")
        elif args.format == "csv":
            sys.stdout.write(comma_separated(entries))
        else:
            sys.stdout.write(table(entries))
            print(f"{len(entries)} view(s) and export(s), newest first", file=sys.stderr)
        return 0

    return run_on_database(settings, work)


def add_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    settings_or_exit: Callable[[], Settings],
) -> None:
    bind = binder(settings_or_exit)
    audit = sub.add_parser("audit", help="who looked at which results (views and exports)")
    actions = audit.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="views and exports, newest first")
    listing.add_argument("--unit", help="unit id, Teams team id or name")
    listing.add_argument("--since", type=parse_since, help="YYYY-MM-DD or an ISO moment with zone")
    listing.add_argument("--format", choices=["table", "csv", "json"], default="table")
    listing.add_argument("--limit", type=int, default=1000, help="at most this many (max 5000)")
    listing.set_defaults(func=bind(cmd_list))
