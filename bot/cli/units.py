"""`trivselsbot units …` and `trivselsbot baseline …`: HR's command line for the hierarchy, its
leaders and the baselines from the last big survey. Imports are all or nothing."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.cli.common import binder, run_on_database
from bot.cli.pulse import cmd_units
from bot.settings import Settings
from storage.db.engine import SessionFactory
from storage.directory.baseline_scales import SurveyScale, parse_scale
from storage.directory.baselines import Baselines, InvalidBaselines
from storage.directory.hierarchy import Hierarchy, InvalidHierarchy
from storage.directory.hierarchy_file import export_hierarchy, import_hierarchy, parse_file
from storage.files.import_files import ImportFileError, read_import_file
from storage.question_bank import default_bank


def _nothing_imported(source: str, problems: list[str]) -> None:
    """The first problem on one line; any further ones below it, so HR can fix them in one go."""
    print(f"Nothing was imported from {source}: {problems[0]}", file=sys.stderr)
    for problem in problems[1:]:
        print(f"  also {problem}", file=sys.stderr)


def _run(settings: Settings, work: Callable[[SessionFactory], Awaitable[int]]) -> int:
    return run_on_database(settings, work)


def cmd_units_import(settings: Settings, args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        entries = parse_file(path)
    except InvalidHierarchy as error:
        _nothing_imported(path.name, error.problems)
        return 1

    async def work(factory: SessionFactory) -> int:
        try:
            report = await import_hierarchy(factory, entries)
        except InvalidHierarchy as error:
            _nothing_imported(path.name, error.problems)
            return 1
        print(
            f"Imported {len(entries)} units from {path.name}: {len(report.created)} new, "
            f"{report.moved} moved, {report.renamed} renamed, "
            f"leaders changed for {report.leaders_changed}."
        )
        return 0

    return _run(settings, work)


def cmd_units_export(settings: Settings, _args: argparse.Namespace) -> int:
    async def work(factory: SessionFactory) -> int:
        sys.stdout.write(await export_hierarchy(factory))
        return 0

    return _run(settings, work)


def cmd_units_leader(settings: Settings, args: argparse.Namespace) -> int:
    async def work(factory: SessionFactory) -> int:
        hierarchy = Hierarchy(factory)
        unit = await hierarchy.resolve(args.unit)
        if args.add:
            report = await hierarchy.add_leader(unit.id, args.add)
            verb = "now leads" if report.added else "already led"
        else:
            report = await hierarchy.remove_leader(unit.id, args.remove)
            verb = "no longer leads" if report.removed else "did not lead"
        print(f"{args.add or args.remove} {verb} {unit.name!r}.")
        return 0

    return _run(settings, work)


def cmd_baseline_import(settings: Settings, args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        text = read_import_file(path, encoding="utf-8-sig")
    except ImportFileError as error:
        _nothing_imported(path.name, [str(error)])
        return 1

    async def work(factory: SessionFactory) -> int:
        try:
            report = await Baselines(factory, default_bank()).import_csv(
                text, args.source or path.stem, args.scale
            )
        except InvalidBaselines as error:
            _nothing_imported(path.name, error.problems)
            return 1
        scale = f"scale {report.scale.label}"
        if report.converted:
            scale += f"; {report.converted} converted to the card's 0–100"
        print(
            f"Imported {report.rows} baselines for {report.units} units from {path.name} ({scale})."
        )
        return 0

    return _run(settings, work)


def cmd_baseline_show(settings: Settings, args: argparse.Namespace) -> int:
    async def work(factory: SessionFactory) -> int:
        unit = await Hierarchy(factory).resolve(args.unit)
        scores = await Baselines(factory, default_bank()).baselines_for(unit.id)
        if not scores:
            print(f"{unit.name!r} has no baseline yet.")
        for dimension, (score, source) in scores.items():
            print(f"{dimension:18} {score:5.1f}  {source}")
        return 0

    return _run(settings, work)


def _scale(text: str) -> SurveyScale:
    try:
        return parse_scale(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    settings_or_exit: Callable[[], Settings],
) -> None:
    """Register `units` (listing by default) and `baseline`; settings are read only when run."""

    bind = binder(settings_or_exit)

    units = sub.add_parser(
        "units", help="list units; import, export or change the hierarchy and its leaders"
    )
    units.set_defaults(func=bind(cmd_units))
    actions = units.add_subparsers(dest="units_action", metavar="{list,import,export,leader}")
    actions.add_parser("list", help="units with their ids (the default)").set_defaults(
        func=bind(cmd_units)
    )
    importing = actions.add_parser(
        "import", help="load the hierarchy from FILE.yaml or FILE.csv (all or nothing)"
    )
    importing.add_argument("file")
    importing.set_defaults(func=bind(cmd_units_import))
    exporting = actions.add_parser("export", help="the hierarchy as YAML on stdout")
    exporting.set_defaults(func=bind(cmd_units_export))
    leader = actions.add_parser("leader", help="add or remove a unit's leader")
    leader.add_argument("--unit", required=True, help="unit id, Teams team id or name")
    change = leader.add_mutually_exclusive_group(required=True)
    change.add_argument("--add", metavar="AAD", help="AAD object id of the new leader")
    change.add_argument("--remove", metavar="AAD", help="AAD object id of the leader to remove")
    leader.set_defaults(func=bind(cmd_units_leader))

    baseline = sub.add_parser("baseline", help="baselines from the last APV / trivselsmåling")
    baseline_actions = baseline.add_subparsers(dest="baseline_action", required=True)
    importing = baseline_actions.add_parser(
        "import",
        help="FILE.csv with columns unit,dimension,score[,source][,scale] (all or nothing)",
    )
    importing.add_argument("file")
    importing.add_argument(
        "--scale",
        type=_scale,
        default=SurveyScale.HUNDRED,
        metavar="{0-100,1-5,0-16}",
        help="the survey's scale (default 0-100; a 'scale' column overrides it per line); "
        "scores are kept converted to the card's 0-100",
    )
    importing.add_argument("--source", help="where the scores come from (default: file name)")
    importing.set_defaults(func=bind(cmd_baseline_import))
    show = baseline_actions.add_parser("show", help="a unit's baselines")
    show.add_argument("--unit", required=True, help="unit id, Teams team id or name")
    show.set_defaults(func=bind(cmd_baseline_show))
