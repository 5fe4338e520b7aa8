"""`trivselsbot results export`: HR's file of released results, never more than the cards show.

By default a `;`-separated CSV for Danish Excel (bot/documents/results_export.py); `--format xlsx` for a
workbook; `--dialect rfc4180` for scripts (comma-separated, the English column names it always had).

`trivselsbot results document`: any unit's MED document for a month, as DOCX or PDF
(bot/documents/export.py), the same file a leader downloads from the summary card.

Each export is written to the audit log first (storage/privacy/audit.py): `--as` names the HR person, else
the server account that ran it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from bot.cli.common import NotHr, acting_hr, add_as_argument, binder, operator_account
from bot.delivery.bank_runtime import database_bank
from bot.documents.export import DocumentExporter, DocumentFile
from bot.documents.results_export import COLUMNS, Dialect, Format, render, rfc4180
from bot.settings import Settings
from storage.db.engine import create_engine, create_session_factory
from storage.db.migrate import upgrade
from storage.directory.hierarchy import AmbiguousUnit, Hierarchy
from storage.errors import DomainError, UnitNotFound
from storage.privacy.audit import AuditLog, AuditWhat, Via
from storage.question_bank import default_bank
from storage.results.download_links import DocumentLanguage, FileFormat
from storage.results.med_document import InvalidPeriod
from storage.tables.directory import Unit, utcnow

__all__ = ["COLUMNS", "document_file", "export", "export_csv", "export_rows"]


async def export_rows(
    settings: Settings,
    now: Callable[[], datetime] = utcnow,
    *,
    acting_as: str | None = None,
    detail: str = "rows",
) -> list[dict[str, object]]:
    """Every figure disclosure released, for every unit (HR sees the whole organisation).

    `now` decides which months are over (their unit figures released); tests pass their clock.
    The export is in the audit log before a figure is read: under `acting_as` (an HR
    administrator's object id, refused otherwise) or the server account."""
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        factory = create_session_factory(engine)
        viewer = await acting_hr(factory, settings, acting_as) or operator_account()
        await AuditLog(factory, now).record(
            viewer, None, AuditWhat.RESULTS_EXPORT, detail, via=Via.CLI
        )
        async with factory() as session:
            units = list((await session.execute(select(Unit.id))).scalars())
        summaries = settings.summaries(factory, await database_bank(factory), now)
        return await summaries.export_rows(units)
    finally:
        await engine.dispose()


async def export_csv(
    settings: Settings, now: Callable[[], datetime] = utcnow, acting_as: str | None = None
) -> str:
    """The scripts' form (`--dialect rfc4180`): comma-separated, English column names."""
    return rfc4180(await export_rows(settings, now, acting_as=acting_as, detail="csv rfc4180"))


async def export(
    settings: Settings,
    file_format: Format = "csv",
    dialect: Dialect = "excel-da",
    now: Callable[[], datetime] = utcnow,
    acting_as: str | None = None,
) -> tuple[bytes, int]:
    """The file's bytes and how many figures (rows below the header) it holds."""
    detail = "xlsx" if file_format == "xlsx" else f"csv {dialect}"
    rows = await export_rows(settings, now, acting_as=acting_as, detail=detail)
    return render(rows, default_bank(), file_format, dialect), len(rows)


def _format_of(args: argparse.Namespace) -> Format:
    """--format, else the file's suffix (.xlsx), else CSV."""
    if args.format:
        return args.format  # type: ignore[no-any-return]
    if args.file and Path(args.file).suffix.lower() == ".xlsx":
        return "xlsx"
    return "csv"


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    file_format = _format_of(args)
    if file_format == "xlsx" and args.dialect == "rfc4180":
        print("--dialect rfc4180 is a CSV dialect: leave out --format xlsx", file=sys.stderr)
        return 2
    if file_format == "xlsx" and not args.file and sys.stdout.isatty():
        print("An .xlsx file is binary: give a FILE.xlsx to write to", file=sys.stderr)
        return 2
    try:
        data, count = asyncio.run(
            export(settings, file_format, args.dialect, acting_as=args.acting_as)
        )
    except NotHr as refusal:
        print(f"Refused, nothing exported: {refusal}", file=sys.stderr)
        return 1
    if args.file:
        Path(args.file).write_bytes(data)
        print(f"Wrote {count} rows to {args.file}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0


async def document_file(
    settings: Settings,
    unit: str,
    period: str,
    file_format: FileFormat,
    language: DocumentLanguage,
    now: Callable[[], datetime] = utcnow,
    acting_as: str | None = None,
) -> DocumentFile:
    """Any unit's MED document (HR may see every unit); `unit` is an id, Teams team id or name.
    The audit log names `--as` (an HR administrator), else the server account."""
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        factory = create_session_factory(engine)
        bank = await database_bank(factory)  # HR's items too
        summaries = settings.summaries(factory, bank, now)
        viewer = await acting_hr(factory, settings, acting_as) or operator_account()
        exporter = DocumentExporter(
            summaries, Hierarchy(factory), None, bank, now, audit=AuditLog(factory, now)
        )
        return await exporter.for_hr(unit, period, file_format, language, door="cli", viewer=viewer)
    finally:
        await engine.dispose()


def cmd_document(settings: Settings, args: argparse.Namespace) -> int:
    suffix = Path(args.out).suffix.lower().lstrip(".") if args.out else ""
    file_format: FileFormat = args.format or ("docx" if suffix == "docx" else "pdf")
    language = args.language or settings.default_language
    try:
        made = asyncio.run(
            document_file(
                settings, args.unit, args.period, file_format, language, acting_as=args.acting_as
            )
        )
    except NotHr as refusal:
        print(f"Refused, nothing written: {refusal}", file=sys.stderr)
        return 1
    except InvalidPeriod:
        print(
            f"--period {args.period!r} is not a month: write it as YYYY-MM, e.g. 2026-11",
            file=sys.stderr,
        )
        return 2
    except UnitNotFound:
        print(
            f"No unit {args.unit!r}: use its id, Teams team id or name (trivselsbot units list)",
            file=sys.stderr,
        )
        return 1
    except AmbiguousUnit as error:
        print(f"{error}", file=sys.stderr)
        return 1
    except DomainError as error:
        print(f"Refused: {error.code.replace('_', ' ')}", file=sys.stderr)
        return 1
    target = Path(args.out) if args.out else Path(made.name)
    target.write_bytes(made.data)
    print(f"Wrote the MED document for {args.unit} ({args.period}) to {target}", file=sys.stderr)
    return 0


def add_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    settings_or_exit: Callable[[], Settings],
) -> None:
    results = sub.add_parser("results", help="released results for HR")
    actions = results.add_subparsers(dest="action", required=True)
    export_parser = actions.add_parser(
        "export",
        help="every released figure (suppressed ones left out), for Danish Excel by default",
    )
    export_parser.add_argument("file", nargs="?", help="write here instead of standard output")
    export_parser.add_argument(
        "--format",
        choices=["csv", "xlsx"],
        help="csv (the default) or xlsx; a FILE ending in .xlsx is xlsx",
    )
    export_parser.add_argument(
        "--dialect",
        choices=["excel-da", "rfc4180"],
        default="excel-da",
        help="excel-da: ';', decimal commas, UTF-8 with BOM, Danish column names (the default); "
        "rfc4180: ',' and the English column names, for scripts",
    )
    add_as_argument(export_parser)
    export_parser.set_defaults(func=binder(settings_or_exit)(cmd_export))
    document = actions.add_parser(
        "document",
        help="a unit's MED document for a month (released results, comments, dialogue "
        "questions, handlingsplan), as DOCX or PDF",
    )
    document.add_argument("--unit", required=True, help="the unit's id, Teams team id or name")
    document.add_argument("--period", required=True, help="the month, YYYY-MM (e.g. 2026-11)")
    document.add_argument(
        "--format", choices=["docx", "pdf"], help="docx or pdf; else from --out's suffix, else pdf"
    )
    document.add_argument(
        "--language", choices=["da", "en"], help="da or en (default: BOT_DEFAULT_LANGUAGE)"
    )
    document.add_argument(
        "--out", help="the file to write (default: the document's name in this folder)"
    )
    add_as_argument(document)
    document.set_defaults(func=binder(settings_or_exit)(cmd_document))
