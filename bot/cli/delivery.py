"""`trivselsbot delivery status [--push ID] [--follow]`: how far each push has got, with a bar.

It reads the same report as HR's status card in chat (storage/delivery/status.py): counts, reasons and
the estimate from the observed send rate, and when quiet hours hold a push, when it will go.
Without `--push`, every push with something still waiting; with it (a round id, or the push id
that `prompts publish` prints), every kind of message that push sent, done or not. `--follow`
redraws until everything shown is done: in place on a terminal, as plain lines (one each time a
push changes) when the output is a file or a pipe.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from datetime import datetime
from typing import TextIO

from bot.cli.common import binder, run_on_database
from bot.settings import Settings
from storage.calendar.zone import COPENHAGEN
from storage.db.engine import SessionFactory
from storage.delivery.status import Deliveries, PushStatus
from storage.tables.directory import utcnow
from storage.tables.outbox import OutboxKind

BAR_WIDTH = 24
KIND_WORDS = {
    OutboxKind.PULSE: "pulse check",
    OutboxKind.REMINDER: "reminder",
    OutboxKind.PROMPT: "reflection prompt",
    OutboxKind.ROUND_CLOSED: "round closed note",
    OutboxKind.LEADER_RESULT: "leaders' result cards",
    OutboxKind.MONTH_SETTLED: "month settled notes",
    OutboxKind.CHANNEL_POST: "channel posts",
}


def bar(settled: int, total: int, done: bool, width: int = BAR_WIDTH) -> str:
    """`[#########---------------]  38%`: the share of messages settled (delivered or not)."""
    share = settled / total if total else (1.0 if done else 0.0)
    filled = min(width, round(share * width))
    return f"[{'#' * filled}{'-' * (width - filled)}] {share:4.0%}"


def when(moment: datetime, now: datetime) -> str:
    """HH:MM today (Copenhagen time), else the weekday and date too."""
    local = moment.astimezone(COPENHAGEN)
    if local.date() == now.astimezone(COPENHAGEN).date():
        return local.strftime("%H:%M")
    return local.strftime("%a %d %b %H:%M")


def _in(moment: datetime, now: datetime) -> str:
    """How long from now, as a person would say it: 'in 40 s', 'in 12 min', 'in 3 h'."""
    seconds = max(0, round((moment - now).total_seconds()))
    if seconds < 90:
        return f"in {seconds} s"
    if seconds < 90 * 60:
        return f"in {round(seconds / 60)} min"
    return f"in {round(seconds / 3600)} h"


def describe(status: PushStatus, now: datetime) -> str:
    """One line per push, the same facts as the card."""
    report = status.report
    label = status.label
    if report.rounds > 1:
        others = report.rounds - 1
        label += f" and {others} other team{'s' if others > 1 else ''}"
    parts = [
        f"{label} · {KIND_WORDS[status.kind]}",
        bar(report.settled, report.total, report.done),
        f"{report.sent}/{report.total} delivered",
    ]
    if report.failed:
        parts.append(f"{report.failed} not delivered")
    if report.pending:
        parts.append(f"{report.pending} waiting")
    if report.waiting_rounds:
        parts.append(f"{report.waiting_rounds} team(s) not queued yet")
    ahead = report.estimate
    if report.done:
        parts.append("done")
    elif ahead is not None:
        if ahead.paused_until is not None:
            parts.append(f"Teams asked for a pause until {when(ahead.paused_until, now)}")
        elif ahead.starts_at is not None:
            hold = "held for working hours until" if ahead.quiet_hours else "next try at"
            parts.append(f"{hold} {when(ahead.starts_at, now)}")
        speed = ahead.rate_per_second
        rate = (f"{speed:.0f}" if speed >= 10 else f"{speed:.1f}") + "/s"
        rate += "" if ahead.observed else " planned"
        parts.append(f"done about {when(ahead.done_at, now)} ({_in(ahead.done_at, now)}, {rate})")
    return "  ".join(parts)


Key = tuple[OutboxKind, str]


async def follow(
    deliveries: Deliveries,
    push_id: str | None,
    out: TextIO,
    interval: float,
    once: bool,
    tty: bool,
    now: Callable[[], datetime] = utcnow,
) -> int:
    """Draw (and with `once=False` redraw) until every push shown is done."""
    tracked: dict[Key, PushStatus] = {}
    printed: dict[Key, str] = {}
    drawn = 0
    while True:
        for status in await deliveries.active(push_id):
            tracked[(status.kind, status.push_id)] = status
        for key, status in list(tracked.items()):
            if not status.report.done:  # a push that finished since the last look
                report = await deliveries.report(*key)
                tracked[key] = status.model_copy(update={"report": report})
        moment = now()
        lines = {key: describe(status, moment) for key, status in tracked.items()}
        if not lines:
            out.write("Nothing is waiting to be sent.\n")
            out.flush()
            return 0
        if once or tty:
            if drawn:
                out.write(f"\x1b[{drawn}F\x1b[J")  # back to the first line drawn, clear below
            out.write("".join(line + "\n" for line in lines.values()))
            drawn = len(lines)
        else:
            stamp = moment.astimezone(COPENHAGEN).strftime("%H:%M:%S")
            for key, line in lines.items():
                if printed.get(key) != line:
                    out.write(f"{stamp}  {line}\n")
                    printed[key] = line
        out.flush()
        if once:
            return 0
        if all(status.report.done for status in tracked.values()):
            out.write("Everything shown is done.\n")
            out.flush()
            return 0
        await asyncio.sleep(interval)


def cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    async def work(factory: SessionFactory) -> int:
        deliveries = Deliveries(
            factory, utcnow, settings.send_rate_per_second, settings.quiet_hours
        )
        return await follow(
            deliveries,
            args.push,
            sys.stdout,
            max(0.1, args.interval),
            once=not args.follow,
            tty=sys.stdout.isatty(),
        )

    try:
        return run_on_database(settings, work)
    except KeyboardInterrupt:
        return 130


def add_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    settings_or_exit: Callable[[], Settings],
) -> None:
    bind = binder(settings_or_exit)
    delivery = sub.add_parser("delivery", help="how far each push has got")
    actions = delivery.add_subparsers(dest="action", required=True)
    status = actions.add_parser(
        "status", help="delivered / waiting / not delivered per push, and when it will be done"
    )
    status.add_argument("--push", help="a round id, or the push id `prompts publish` printed")
    status.add_argument("--follow", action="store_true", help="redraw until everything is done")
    status.add_argument("--interval", type=float, default=2.0, help="seconds between redraws")
    status.set_defaults(func=bind(cmd_status))
