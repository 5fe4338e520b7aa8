"""What every `trivselsbot` subcommand module shares: settings are read only when a command runs."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable

from bot.settings import Settings
from storage.db import SessionFactory, create_engine, create_session_factory
from storage.errors import DomainError
from storage.migrate import upgrade

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


def run_on_database(settings: Settings, work: Callable[[SessionFactory], Awaitable[int]]) -> int:
    """Run one command's `work` on the migrated database; a refusal is one line and exit code 1.

    Commands that explain some refusals better catch those inside `work`."""

    async def main() -> int:
        engine = create_engine(settings.database_url)
        try:
            await upgrade(engine)
            return await work(create_session_factory(engine))
        except DomainError as error:
            print(f"Refused: {error.code.replace('_', ' ')} ({error})", file=sys.stderr)
            return 1
        finally:
            await engine.dispose()

    return asyncio.run(main())
