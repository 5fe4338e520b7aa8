"""`trivselsbot doctor`, `backup` and `restore`: the commands IT runs around the bot."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.settings import Settings
from manifest.build import DEFAULT_OUT


def add_commands(sub: Any, settings_or_exit: Callable[..., Settings]) -> None:
    def cmd_doctor(args: argparse.Namespace) -> None:
        from bot.operations.doctor import doctor

        raise SystemExit(doctor(args.package))

    doctor = sub.add_parser(
        "doctor",
        help="check the configuration as production uses it (exit 0 only when all checks pass)",
    )
    doctor.add_argument(
        "--package",
        type=Path,
        default=DEFAULT_OUT,
        help=f"the Teams app package to compare with (default {DEFAULT_OUT.name} from make package)",
    )
    doctor.set_defaults(func=cmd_doctor)
