"""`trivselsbot questions …`: HR's command line for the question bank and the units' templates.

The same service and checks as the admin API (storage/questions/store.py, storage/questions/templates.py). An
import is all or nothing: every entry is checked first, each problem names the file, the line, the
item and the field, and one transaction writes them all. Items without English are named at every
import and export: English readers get the Danish text for those.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.cli.common import binder, read_or_refuse, refuse_issues, run_on_database
from bot.cli.pulse import _resolve_unit
from bot.delivery.bank_runtime import seed_question_bank
from bot.settings import Settings
from storage.db.engine import SessionFactory
from storage.question_bank import ItemState, load_bank
from storage.questions.file_format import InvalidBank, without_english
from storage.questions.store import QuestionBankStore
from storage.questions.templates import TemplateIn, TemplateKind, TemplateRefused, Templates

FALLBACK_NOTE = "No English text, so English readers see the Danish: {items}"


def _run(settings: Settings, work: Callable[[QuestionBankStore, Templates], Awaitable[int]]) -> int:
    async def with_store(factory: SessionFactory) -> int:
        bank = load_bank()
        store = QuestionBankStore(factory, bank)
        await seed_question_bank(store)  # as the bot does on start
        try:
            return await work(store, Templates(factory, bank))
        except InvalidBank as error:
            return refuse_issues(error.issues)
        except TemplateRefused as refused:
            print(f"Refused: {refused.field}: {refused.message}", file=sys.stderr)
            return 1

    return run_on_database(settings, with_store)


def _fallback_note(items: list[str]) -> None:
    if items:
        print(FALLBACK_NOTE.format(items=", ".join(items)), file=sys.stderr)


def cmd_list(settings: Settings, args: argparse.Namespace) -> int:
    async def work(store: QuestionBankStore, _templates: Templates) -> int:
        items = await store.items()
        for item in items:
            if args.state and item.state.value != args.state:
                continue
            text = item.text.da if len(item.text.da) <= 60 else item.text.da[:59] + "…"
            english = "  " if item.text.en else "da"
            print(
                f"{item.id:12} {item.use.value:10} {item.state.value:7} {item.dimension:17} "
                f"{item.scale:9} {english} {text}"
            )
        _fallback_note(without_english(items))
        return 0

    return _run(settings, work)


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    async def work(store: QuestionBankStore, _templates: Templates) -> int:
        items = await store.items()
        document = await store.export()
        if args.file:
            await asyncio.to_thread(Path(args.file).write_text, document, encoding="utf-8")
            print(f"Exported {len(items)} items to {args.file}", file=sys.stderr)
        else:
            sys.stdout.write(document)
        _fallback_note(without_english(items))
        return 0

    return _run(settings, work)


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    path = Path(args.file)
    text = read_or_refuse(path)
    if text is None:
        return 1

    async def work(store: QuestionBankStore, _templates: Templates) -> int:
        result = await store.import_yaml(text, str(path))
        print(
            f"Imported {path}: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged."
        )
        _fallback_note(result.without_english)
        print("The running bot picks the change up within a minute.", file=sys.stderr)
        return 0

    return _run(settings, work)


def cmd_state(settings: Settings, args: argparse.Namespace) -> int:
    async def work(store: QuestionBankStore, _templates: Templates) -> int:
        item = await store.set_state(args.item, ItemState(args.state))
        print(f"{item.id}: {item.state.value}")
        return 0

    return _run(settings, work)


def _template(args: argparse.Namespace) -> TemplateIn:
    if args.short_form:
        return TemplateIn(kind=TemplateKind.SHORT_FORM)
    if args.items:
        return TemplateIn(kind=TemplateKind.FIXED, items=args.items)
    return TemplateIn()


def cmd_template(settings: Settings, args: argparse.Namespace) -> int:
    """Show a unit's template, or set it (--rotation, --short-form or --items)."""
    changing = args.rotation or args.short_form or args.items
    try:
        template = _template(args)
    except ValueError as error:
        print(f"Refused: {error}", file=sys.stderr)
        return 1

    async def work(_store: QuestionBankStore, templates: Templates) -> int:
        unit = await _resolve_unit(templates.factory, args)
        if changing:
            view = await templates.set_for_unit(unit.id, template)
        else:
            view = await templates.for_unit(unit.id)
        items = f" {' '.join(view.template.items)}" if view.template.items else ""
        print(f"{view.unit_name!r}: {view.template.kind.value}{items}")
        return 0

    return _run(settings, work)


def cmd_templates(settings: Settings, _args: argparse.Namespace) -> int:
    async def work(_store: QuestionBankStore, templates: Templates) -> int:
        chosen = await templates.chosen()
        for view in chosen:
            items = f" {' '.join(view.template.items)}" if view.template.items else ""
            print(f"{view.unit_id}  {view.unit_name!r}: {view.template.kind.value}{items}")
        print(f"{len(chosen)} unit(s) off the default rotation", file=sys.stderr)
        return 0

    return _run(settings, work)


def add_commands(sub: argparse._SubParsersAction, settings_or_exit: Callable[[], Settings]) -> None:  # type: ignore[type-arg]
    """Register `questions list|export|import|state|template|templates`."""

    bind = binder(settings_or_exit)
    questions = sub.add_parser(
        "questions", help="the question bank: list, import, export, states; units' templates"
    )
    actions = questions.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="every item in rotation order")
    listing.add_argument("--state", choices=[state.value for state in ItemState])
    listing.set_defaults(func=bind(cmd_list))
    importing = actions.add_parser(
        "import", help="import a YAML file, all or nothing (known ids are updated)"
    )
    importing.add_argument("file")
    importing.set_defaults(func=bind(cmd_import))
    exporting = actions.add_parser("export", help="the whole bank as YAML (stdout or FILE)")
    exporting.add_argument("file", nargs="?")
    exporting.set_defaults(func=bind(cmd_export))
    state = actions.add_parser("state", help="draft, activate or retire one item")
    state.add_argument("item")
    state.add_argument("state", choices=[state.value for state in ItemState])
    state.set_defaults(func=bind(cmd_state))
    template = actions.add_parser(
        "template", help="show or set the template a unit's pulses are asked from"
    )
    whom = template.add_mutually_exclusive_group(required=True)
    whom.add_argument("--team", help="Teams team id or unit name")
    whom.add_argument("--unit", help="unit id (see `trivselsbot units`)")
    which = template.add_mutually_exclusive_group()
    which.add_argument("--rotation", action="store_true", help="the default rotation")
    which.add_argument("--short-form", action="store_true", help="the four-item short form")
    which.add_argument("--items", nargs="+", help="a fixed set of 3-5 item ids")
    template.set_defaults(func=bind(cmd_template))
    overview = actions.add_parser("templates", help="units whose pulses are off the rotation")
    overview.set_defaults(func=bind(cmd_templates))
