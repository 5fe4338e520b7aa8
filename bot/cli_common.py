"""What every `trivselsbot` subcommand module shares: settings are read only when a command runs."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from bot.settings import Settings

Handler = Callable[[Settings, argparse.Namespace], int]


def binder(
    settings_or_exit: Callable[[], Settings],
) -> Callable[[Handler], Callable[[argparse.Namespace], None]]:
    """Turn `handler(settings, args) -> exit code` into an argparse `func` that exits with it."""

    def bind(handler: Handler) -> Callable[[argparse.Namespace], None]:
        def run(args: argparse.Namespace) -> None:
            raise SystemExit(handler(settings_or_exit(), args))

        return run

    return bind
