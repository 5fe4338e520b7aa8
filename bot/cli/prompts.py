"""`trivselsbot prompts …`: HR's command line for the prompt library and for publishing.

The same service and validation as the chat form and the admin API. An import is all or nothing:
every entry is checked first, errors name the file, line, entry and field, and one transaction
writes them all.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from bot.cli.common import (
    NotHr,
    acting_hr,
    add_as_argument,
    binder,
    read_or_refuse,
    refuse_issues,
    run_on_database,
    status_card_note,
)
from bot.delivery.bank_runtime import database_bank
from bot.delivery.prompt_runtime import build_prompt_services, seed_starter_library
from bot.settings import Settings
from dialogs.prompt_services import PromptServices
from storage.calendar.zone import COPENHAGEN
from storage.db.engine import SessionFactory
from storage.files.issues import issues_from
from storage.prompts.file_format import dump_library, parse_library
from storage.prompts.orders import PublicationIn
from storage.prompts.validation import InvalidPrompts
from storage.questions.templates import TemplateRefused
from storage.rounds.lifecycle import Rounds
from storage.tables.directory import utcnow
from storage.tables.prompts import PromptState, Theme

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _run(
    settings: Settings,
    work: Callable[[PromptServices, SessionFactory], Awaitable[int]],
    acting_as: str | None = None,
) -> int:
    async def with_services(factory: SessionFactory) -> int:
        rounds = Rounds(
            factory,
            await database_bank(factory),
            settings.anonymity_secrets,
            settings.quiet_hours,
        )
        services = build_prompt_services(settings, factory, rounds)
        try:
            if acting_as is not None:
                await acting_hr(factory, settings, acting_as)  # refused before anything is done
            await seed_starter_library(services.library)  # as the bot does on start
            return await work(services, factory)
        except NotHr as refusal:
            print(f"Refused, nothing was published: {refusal}", file=sys.stderr)
            return 1
        except InvalidPrompts as error:
            return refuse_issues(error.issues)
        except TemplateRefused as refused:
            print(f"Refused, nothing was published: {refused.message}", file=sys.stderr)
            return 1

    return run_on_database(settings, with_services)


def cmd_list(settings: Settings, args: argparse.Namespace) -> int:
    async def work(services: PromptServices, factory: SessionFactory) -> int:
        prompts = await services.library.list_prompts(
            Theme(args.theme) if args.theme else None,
            PromptState(args.state) if args.state else None,
        )
        for prompt in prompts:
            rating = "1-5" if prompt.rating else "   "
            text = prompt.text.da if len(prompt.text.da) <= 70 else prompt.text.da[:69] + "…"
            print(f"{prompt.id:28} {prompt.theme.value:22} {prompt.state.value:7} {rating}  {text}")
        print(f"{len(prompts)} prompt(s)", file=sys.stderr)
        return 0

    return _run(settings, work)


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    path = Path(args.file)
    text = read_or_refuse(path)
    if text is None:
        return 1
    try:
        prompts = parse_library(text)  # checked before the database is even opened
    except InvalidPrompts as error:
        print(f"{path}: refused, nothing was imported:", file=sys.stderr)
        for issue in error.issues:
            where = issue.model_copy(update={"line": None}).describe()
            print(f"  {path}:{issue.line or '?'}: {where}", file=sys.stderr)
        return 1

    async def work(services: PromptServices, factory: SessionFactory) -> int:
        result = await services.library.import_prompts(prompts)
        print(f"Imported {path}: {result.created} created, {result.updated} updated.")
        return 0

    return _run(settings, work)


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    async def work(services: PromptServices, factory: SessionFactory) -> int:
        document = dump_library(await services.library.list_prompts())
        if args.file:
            await asyncio.to_thread(Path(args.file).write_text, document, encoding="utf-8")
            print(f"Exported to {args.file}", file=sys.stderr)
        else:
            sys.stdout.write(document)
        return 0

    return _run(settings, work)


def _order(args: argparse.Namespace) -> dict[str, object]:
    """The command line as a PublicationIn document (the API's request body has the same shape)."""
    order: dict[str, object] = {"units": ["all"] if args.all else args.unit or []}
    if args.prompt:
        order.update(content="prompt", prompt_id=args.prompt)
    elif args.theme:
        order.update(content="theme", theme=args.theme)
    else:
        order["content"] = "pulse"
        if args.short_form:
            order["template"] = {"kind": "short_form"}
        elif args.items:
            order["template"] = {"kind": "fixed", "items": args.items}
    order["delivery"] = "channel" if args.channel else "personal"
    if args.days:
        order["open_days"] = args.days
    if args.at:
        order["schedule"] = {"at": args.at}
    elif args.every:
        order["schedule"] = {
            "every_days": args.every,
            "weekday": WEEKDAYS.index(args.weekday),
            "time": args.time,
        }
    return order


def cmd_publish(settings: Settings, args: argparse.Namespace) -> int:
    try:
        order = PublicationIn.model_validate(_order(args))
    except ValidationError as error:
        print("Refused: nothing was published.", file=sys.stderr)
        for issue in issues_from(error):
            print(f"  {issue.describe()}", file=sys.stderr)
        return 1

    acting_as = args.acting_as.strip() if args.acting_as else None

    async def work(services: PromptServices, factory: SessionFactory) -> int:
        result = await services.publisher.publish(order, utcnow(), requested_by=acting_as)
        if result.scheduled_for is not None:
            print(f"Publication {result.publication_id} scheduled; first {result.scheduled_for}")
        if result.sends_at is not None:
            print(f"Outside working hours: held until {result.sends_at.astimezone(COPENHAGEN)}")
        for published in result.rounds:
            print(
                f"Round {published.round_id} opened for {published.unit_name!r}: "
                f"{published.eligible_count} people ({published.delivery.value})"
            )
        for skipped in result.skipped:
            print(f"Skipped {skipped.unit_name!r}: {skipped.reason}", file=sys.stderr)
        print("The running bot delivers it (outbox and channel posts).", file=sys.stderr)
        if result.push_id is not None:
            print(f"Push {result.push_id}")
            note = await status_card_note(factory, acting_as, result.push_id)
            print(note, file=sys.stderr)
        elif acting_as is not None:
            print("Each occurrence's delivery status card goes to your chat.", file=sys.stderr)
        return 0

    return _run(settings, work, acting_as)


def _aware(value: str) -> str:
    """--at must carry its time zone, so nobody schedules in the server's local time by accident."""
    if datetime.fromisoformat(value).tzinfo is None:
        raise argparse.ArgumentTypeError("give a time zone, e.g. 2026-12-01T09:00+01:00")
    return value


def add_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    settings_or_exit: Callable[[], Settings],
) -> None:
    """Register `prompts list|import|export|publish`; each reads settings only when it runs."""

    bind = binder(settings_or_exit)

    prompts = sub.add_parser("prompts", help="the prompt library: list, import, export, publish")
    actions = prompts.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="prompts in theme order")
    listing.add_argument("--theme", choices=[theme.value for theme in Theme])
    listing.add_argument("--state", choices=[state.value for state in PromptState])
    listing.set_defaults(func=bind(cmd_list))
    importing = actions.add_parser(
        "import", help="import a YAML file, all or nothing (known ids are updated)"
    )
    importing.add_argument("file")
    importing.set_defaults(func=bind(cmd_import))
    exporting = actions.add_parser("export", help="the whole library as YAML (stdout or FILE)")
    exporting.add_argument("file", nargs="?")
    exporting.set_defaults(func=bind(cmd_export))
    publishing = actions.add_parser(
        "publish", help="send a prompt, the next prompt of a theme, or a pulse to units"
    )
    what = publishing.add_mutually_exclusive_group(required=True)
    what.add_argument("--prompt", help="a prompt id")
    what.add_argument("--theme", choices=[theme.value for theme in Theme])
    what.add_argument("--pulse", action="store_true")
    whom = publishing.add_mutually_exclusive_group(required=True)
    whom.add_argument("--unit", action="append", help="unit id (repeat for several)")
    whom.add_argument("--all", action="store_true", help="the whole organisation")
    template = publishing.add_mutually_exclusive_group()
    template.add_argument(
        "--short-form", action="store_true", help="a pulse asks the four-item short form"
    )
    template.add_argument("--items", nargs="+", help="a pulse asks these 3-5 item ids")
    publishing.add_argument("--channel", action="store_true", help="post in the team channel")
    publishing.add_argument("--days", type=int, help="days each round stays open")
    when = publishing.add_mutually_exclusive_group()
    when.add_argument("--at", type=_aware, help="once, at this ISO time with zone")
    when.add_argument("--every", type=int, help="every N days (7-91)")
    publishing.add_argument("--weekday", choices=WEEKDAYS, default="mon")
    publishing.add_argument("--time", default="09:00", help="local time, Europe/Copenhagen")
    add_as_argument(publishing)
    publishing.set_defaults(func=bind(cmd_publish))
