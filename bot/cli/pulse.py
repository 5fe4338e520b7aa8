"""`trivselsbot units` and `trivselsbot pulse …`: HR's command line for rounds and schedules."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import func, select

from bot.cli.common import (
    NotHr,
    acting_hr,
    add_as_argument,
    binder,
    run_on_database,
    status_card_note,
)
from bot.delivery.bank_runtime import database_bank
from bot.settings import Settings
from storage.calendar.quiet_hours import planned_reminder
from storage.calendar.zone import COPENHAGEN
from storage.db.engine import SessionFactory
from storage.directory.hierarchy import AmbiguousUnit, resolve_unit
from storage.errors import UnitNotFound
from storage.questions.templates import TemplateRefused, short_form_ids
from storage.rounds.lifecycle import Rounds
from storage.rounds.schedules import Cadence, Schedules
from storage.tables.directory import Membership, Unit, utcnow

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _run(settings: Settings, work: Callable[[SessionFactory, Rounds], Awaitable[int]]) -> int:
    async def with_rounds(factory: SessionFactory) -> int:
        rounds = Rounds(
            factory,
            await database_bank(factory),  # HR's bank, not only the shipped one
            settings.anonymity_secrets,
            settings.quiet_hours,
        )
        try:
            return await work(factory, rounds)
        except UnitNotFound:
            print("No such unit: see `trivselsbot units`.", file=sys.stderr)
            return 1
        except AmbiguousUnit as error:  # a name several units have: which one is not guessed
            print(f"{error}", file=sys.stderr)
            return 1
        except NotHr as refusal:
            print(f"Refused, nothing done: {refusal}", file=sys.stderr)
            return 1
        except TemplateRefused as refused:
            print(f"Refused, nothing done: {refused.message}", file=sys.stderr)
            return 1

    return run_on_database(settings, with_rounds)


async def _resolve_unit(factory: SessionFactory, args: argparse.Namespace) -> Unit:
    """--unit or --team, found by the one unit lookup (an id, a Teams team id, or a name only one
    unit has); an unknown or ambiguous one is refused by `_run`."""
    async with factory() as session:
        return await resolve_unit(session, args.unit or args.team)


def cmd_units(settings: Settings, _args: argparse.Namespace) -> int:
    async def work(factory: SessionFactory, _rounds: Rounds) -> int:
        async with factory() as session:
            rows = await session.execute(
                select(Unit, func.count(Membership.user_id))
                .outerjoin(Membership, Membership.unit_id == Unit.id)
                .group_by(Unit.id)
                .order_by(Unit.name)
            )
            for unit, members in rows:
                state = "installed" if unit.bot_installed else "not installed"
                print(
                    f"{unit.id}  {unit.name!r}  members={members}  {state}  team={unit.teams_team_id}"
                )
        return 0

    return _run(settings, work)


def cmd_pulse_start(settings: Settings, args: argparse.Namespace) -> int:
    async def work(factory: SessionFactory, rounds: Rounds) -> int:
        unit = await _resolve_unit(factory, args)
        hr = await acting_hr(factory, settings, args.acting_as)
        now = utcnow()
        closes = now + timedelta(days=args.days or settings.pulse_open_days)
        remind = planned_reminder(closes, settings.pulse_reminder_hours)
        items = short_form_ids(rounds.bank) if args.short_form else args.items or None
        # The same guard as HR's card: one pulse open per unit, however often it is started.
        created = await rounds.start_now(unit.id, now, closes, remind, items, requested_by=hr)
        opened = await rounds.open_due(now)
        count = next((r.eligible_count for r in opened if r.id == created.id), 0)
        print(
            f"Round {created.id} opened for {unit.name!r}: {count} people asked, items {created.items}"
        )
        sends = settings.quiet_hours.next_working_moment(now)
        if sends > now:
            print(
                f"Outside working hours: the invitations go out {sends.astimezone(COPENHAGEN)}, "
                f"and the round keeps its whole time: it closes "
                f"{created.closes_at.astimezone(COPENHAGEN)}"
            )
        print(await status_card_note(factory, hr, created.id), file=sys.stderr)
        return 0

    return _run(settings, work)


def cmd_pulse_close(settings: Settings, args: argparse.Namespace) -> int:
    async def work(_factory: SessionFactory, rounds: Rounds) -> int:
        closed = await rounds.close(args.round)
        print(
            f"Round {args.round} closed." if closed else f"Round {args.round} was already closed."
        )
        return 0

    return _run(settings, work)


def cmd_pulse_list(settings: Settings, args: argparse.Namespace) -> int:
    async def work(factory: SessionFactory, rounds: Rounds) -> int:
        unit = await _resolve_unit(factory, args)
        for info in await rounds.for_unit(unit.id):
            print(
                f"{info.id}  #{info.sequence}  {info.state.value:9}  opens {info.opens_at:%Y-%m-%d %H:%M}"
                f"  closes {info.closes_at:%Y-%m-%d %H:%M} UTC  asked={info.eligible_count}"
            )
        return 0

    return _run(settings, work)


def cmd_pulse_schedule(settings: Settings, args: argparse.Namespace) -> int:
    async def work(factory: SessionFactory, rounds: Rounds) -> int:
        unit = await _resolve_unit(factory, args)
        hr = await acting_hr(factory, settings, args.acting_as)
        cadence = Cadence(
            cadence_days=args.every,
            weekday=WEEKDAYS.index(args.weekday),
            local_time=args.time,
            open_days=args.days or settings.pulse_open_days,
            reminder_hours=settings.pulse_reminder_hours,
            skip_holidays=not args.include_holidays,
        )
        first = await Schedules(factory, rounds).set(unit.id, cadence, utcnow(), requested_by=hr)
        print(
            f"{unit.name!r}: every {args.every} days; first round opens {first:%Y-%m-%d %H:%M %Z}"
        )
        return 0

    return _run(settings, work)


def add_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    settings_or_exit: Callable[[], Settings],
) -> None:
    """Register the commands; each one reads settings only when it runs."""

    bind = binder(settings_or_exit)

    # `units` (this listing, and the hierarchy commands) is registered by bot/cli/units.py.
    pulse = sub.add_parser("pulse", help="start, close, list or schedule pulse rounds")
    actions = pulse.add_subparsers(dest="action", required=True)

    def target(parser: argparse.ArgumentParser) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--team", help="Teams team id or unit name")
        group.add_argument("--unit", help="unit id (see `trivselsbot units`)")

    start = actions.add_parser("start", help="open a round now and ask every member")
    target(start)
    start.add_argument("--days", type=int, help="days the round stays open")
    asked = start.add_mutually_exclusive_group()
    asked.add_argument(
        "--items", nargs="*", help="3-5 question bank item ids (default: the unit's template)"
    )
    asked.add_argument("--short-form", action="store_true", help="the four-item short form")
    add_as_argument(start)
    start.set_defaults(func=bind(cmd_pulse_start))
    close = actions.add_parser("close", help="close a round now (results are released)")
    close.add_argument("round")
    close.set_defaults(func=bind(cmd_pulse_close))
    listing = actions.add_parser("list", help="rounds of a unit")
    target(listing)
    listing.set_defaults(func=bind(cmd_pulse_list))
    schedule = actions.add_parser("schedule", help="set a unit's cadence")
    target(schedule)
    schedule.add_argument("--every", type=int, default=14, help="days between rounds")
    schedule.add_argument("--weekday", choices=WEEKDAYS, default="mon")
    schedule.add_argument("--time", default="09:00", help="local time, Europe/Copenhagen")
    schedule.add_argument("--days", type=int, help="days each round stays open")
    schedule.add_argument("--include-holidays", action="store_true")
    add_as_argument(schedule)
    schedule.set_defaults(func=bind(cmd_pulse_schedule))
