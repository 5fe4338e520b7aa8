"""What every `trivselsbot` subcommand module shares: settings are read only when a command runs."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import socket
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from bot.settings import Settings
from storage.db.engine import SessionFactory, create_engine, create_session_factory
from storage.db.migrate import upgrade
from storage.directory.roles import Roles
from storage.errors import DomainError
from storage.files.import_files import ImportFileError, read_import_file
from storage.files.issues import Issue
from storage.values import Role

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


def read_or_refuse(path: Path) -> str | None:
    """The text of a library file HR asked to import, or None once the refusal is printed.

    The prompt library and the question bank refuse an unreadable file with the same line, so HR
    learns one wording: the file's name, that nothing changed, and why."""
    try:
        return read_import_file(path)
    except ImportFileError as error:
        print(f"{path}: refused, nothing was imported: {error}", file=sys.stderr)
        return None


def refuse_issues(issues: Sequence[Issue]) -> int:
    """Exit code 1 after one line per problem of a refused library (prompts or questions), each
    naming its line, entry and field, so HR can mend the file and import it again."""
    print("Refused: nothing was changed.", file=sys.stderr)
    for issue in issues:
        print(f"  {issue.describe()}", file=sys.stderr)
    return 1


AS_HELP = (
    "your own Entra ID (AAD) object id, as in BOT_HR_ADMINS: the audit log names you, and a "
    "push's delivery status card comes to your chat with the bot"
)


def add_as_argument(parser: argparse.ArgumentParser) -> None:
    """`--as AAD_OBJECT_ID`: who HR is, for the commands that show results or start a push."""
    parser.add_argument("--as", dest="acting_as", metavar="AAD_OBJECT_ID", help=AS_HELP)


def operator_account() -> str:
    """Who runs the command when they did not say: the server account, for the audit log."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        user = "unknown"
    return f"cli:{user}@{socket.gethostname()}"[:120]


class NotHr(DomainError):
    """`--as` names someone who is not an HR administrator: refused, nothing done."""

    code = "not_hr"


async def acting_hr(
    factory: SessionFactory, settings: Settings, acting_as: str | None
) -> str | None:
    """The HR person `--as` names (checked against BOT_HR_ADMINS), or None when not given."""
    if acting_as is None:
        return None
    aad = acting_as.strip()
    roles = await Roles(factory, settings.hr_admins, settings.demo_all_roles).roles_of(aad)
    if not aad or Role.HR not in roles:
        raise NotHr(f"--as {aad!r} is not an HR administrator (BOT_HR_ADMINS)")
    return aad


async def status_card_note(factory: SessionFactory, acting_as: str | None, push_id: str) -> str:
    """Where the delivery status of a push HR just started can be seen, in one line."""
    from storage.delivery.status import Deliveries

    follow = f"`trivselsbot delivery status --push {push_id} --follow`"
    if acting_as is None:
        return f"Delivery status: {follow} (with --as, also a status card in your Teams chat)"
    if await Deliveries(factory).hr_chat(acting_as) is None:
        return (
            f"Delivery status: {follow}. No status card: the bot has never met {acting_as} "
            "(open the bot's chat in Teams once)"
        )
    return f"Delivery status: a card in your chat with the bot, and {follow}"
