"""`trivselsbot results export`: HR's CSV of released results, never more than the cards show."""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from bot.cli_common import binder
from bot.settings import Settings
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.models import Unit, utcnow
from storage.question_bank import default_bank
from storage.summaries import Summaries

# `answers`: to the dimension's questions; a month's rounds that did not ask it add none.
COLUMNS = ["period", "unit", "figure", "responses", "eligible", "dimension", "answers", "score"]


async def export_csv(settings: Settings, now: Callable[[], datetime] = utcnow) -> str:
    """Every figure disclosure released, for every unit (HR sees the whole organisation).

    `now` decides which months are over (their unit figures released); tests pass their clock."""
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        factory = create_session_factory(engine)
        async with factory() as session:
            units = list((await session.execute(select(Unit.id))).scalars())
        summaries = Summaries(
            factory,
            default_bank(),
            settings.min_group_size,
            now,
            min_comment_group_size=settings.min_comment_group_size,
        )
        rows = await summaries.export_rows(units)
    finally:
        await engine.dispose()
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    text = asyncio.run(export_csv(settings))
    if args.file:
        Path(args.file).write_text(text, encoding="utf-8")
        print(f"Wrote {text.count(chr(10)) - 1} rows to {args.file}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def add_commands(sub: argparse._SubParsersAction, settings_or_exit: Callable[[], Settings]) -> None:  # type: ignore[type-arg]
    results = sub.add_parser("results", help="released results for HR")
    actions = results.add_subparsers(dest="action", required=True)
    export = actions.add_parser(
        "export", help="CSV of every released figure (suppressed ones left out)"
    )
    export.add_argument("file", nargs="?", help="write here instead of standard output")
    export.set_defaults(func=binder(settings_or_exit)(cmd_export))
