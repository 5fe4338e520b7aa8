"""`trivselsbot` command line: run the bot, migrate the database, or run the local dev setup."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import sys

from bot.settings import ConfigurationError, Settings, load_settings

log = logging.getLogger("bot")


def _settings_or_exit(**overrides: object) -> Settings:
    try:
        return load_settings(**overrides)
    except ConfigurationError as error:
        print(error, file=sys.stderr)
        raise SystemExit(2) from None


def _announce_dev_mode(settings: Settings) -> None:
    """Dev mode turns authentication off: say so where nobody can miss it."""
    if settings.dev_mode:
        banner = (
            "\n" + "!" * 78 + "\n"
            "  DEV MODE: incoming requests are NOT authenticated and a built-in anonymity secret\n"
            "  is used. Never expose this bot to a network or use it with real people.\n"
            + "!" * 78
            + "\n"
        )
        print(banner, file=sys.stderr)
        log.warning("dev_mode.enabled", extra={"authentication": settings.authentication_enabled})


def cmd_run(args: argparse.Namespace) -> None:
    from aiohttp import web

    from bot.app import create_app, listening_sockets
    from bot.process.event_loop import use_fast_event_loop
    from bot.process.gc_tuning import freeze_after_startup
    from bot.process.logging_setup import configure_logging

    overrides: dict[str, object] = {}
    if args.host:
        overrides["BOT_HOST"] = args.host
    if args.port:
        overrides["BOT_PORT"] = args.port
    settings = _settings_or_exit(**overrides)
    configure_logging(settings.log_level)
    _announce_dev_mode(settings)
    log.info("event_loop", extra={"loop": use_fast_event_loop()})
    app = create_app(settings)
    freeze_after_startup(app)
    admin = (
        f" (admin API: http://{settings.admin_host or settings.host}:{settings.admin_port})"
        if settings.admin_port
        else ""
    )
    web.run_app(
        app,
        sock=listening_sockets(settings),
        print=lambda line: log.info(
            "listening", extra={"url": f"http://{settings.host}:{settings.port}{admin}"}
        ),
        shutdown_timeout=10,
    )


def cmd_migrate(_args: argparse.Namespace) -> None:
    from storage.db.engine import create_engine
    from storage.db.migrate import current_revision, upgrade

    settings = _settings_or_exit()

    async def migrate() -> str | None:
        engine = create_engine(settings.database_url)
        try:
            await upgrade(engine)
            return await current_revision(engine)
        finally:
            await engine.dispose()

    print(f"Database is at revision {asyncio.run(migrate())}")


def cmd_dev(args: argparse.Namespace) -> None:
    from bot.process.dev_runner import run_dev

    raise SystemExit(run_dev(port=args.port, playground_port=args.playground_port))


# Which module adds which top-level commands. A command imports its own group alone: HR's scripts
# and the tests start `trivselsbot` hundreds of times, and the results group's documents pull in
# botbuilder, python-docx and reportlab, which `units import` has no use for.
COMMAND_GROUPS: dict[str, tuple[str, ...]] = {
    "bot.cli.pulse": ("pulse",),
    "bot.cli.results": ("results",),
    "bot.cli.worker": ("worker",),
    "bot.cli.units": ("units", "baseline"),
    "bot.cli.prompts": ("prompts",),
    "bot.cli.questions": ("questions",),
    "bot.cli.privacy": ("privacy",),
    "bot.operations.cli": ("doctor", "backup", "restore"),
    "bot.cli.audit": ("audit",),
    "bot.cli.delivery": ("delivery",),
}


def _groups_for(argv: list[str] | None) -> list[str]:
    """The modules whose commands `argv` may name: its command's alone, or all of them for the
    help, a mistyped command (argparse lists every choice) or no command at all."""
    words = [word for word in (sys.argv[1:] if argv is None else argv) if not word.startswith("-")]
    named = [
        module for module, commands in COMMAND_GROUPS.items() if words[:1] and words[0] in commands
    ]
    return named or list(COMMAND_GROUPS)


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trivselsbot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the bot (configuration from environment / .env)")
    run.add_argument("--host")
    run.add_argument("--port", type=int)
    run.set_defaults(func=cmd_run)
    migrate = sub.add_parser("migrate", help="upgrade the database schema to the newest revision")
    migrate.set_defaults(func=cmd_migrate)
    dev = sub.add_parser(
        "dev", help="bot in dev mode + the Agents Playground (what `make run` does)"
    )
    dev.add_argument("--port", type=int, default=3978)
    dev.add_argument("--playground-port", type=int, default=56150)
    dev.set_defaults(func=cmd_dev)
    for module in _groups_for(argv):
        importlib.import_module(module).add_commands(sub, _settings_or_exit)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser(argv).parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
