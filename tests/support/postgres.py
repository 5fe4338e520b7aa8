"""A throwaway PostgreSQL server for the test suite: Debian's binaries, a temp folder, a free port.

`make deps-system` installs Debian's `postgresql`; we use its binaries from
/usr/lib/postgresql/<version>/bin (not PATH, which Debian fills only with wrappers) and never touch
the system cluster. The server listens on 127.0.0.1 only, keeps its unix socket inside its own temp
folder, runs with fsync off (the data is thrown away) and trusts local connections (nothing else can
reach it). The folder is on /dev/shm when there is one (see _memory_folder). initdb and postgres refuse to run as root, so as root every server command runs through
`runuser -u postgres` (the user Debian's package creates) on a folder that user owns.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.mock_connector import free_port

SUPERUSER = "trivselsbot"
SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "shared_buffers": "32MB",
    # Commit times readable per row (pg_xact_commit_timestamp): the rule-10 test reads them as an
    # administrator who turned this on would (tests/test_files_forget.py).
    "track_commit_timestamp": "on",
}


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL binaries, or the server would not start: the message says which and why."""


@dataclass(frozen=True)
class PostgresServer:
    """A running throwaway server; `url(db)` gives an asyncpg SQLAlchemy URL for one database."""

    bin_dir: Path
    data_dir: Path
    port: int
    run_as: str | None

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        """A plain libpq/asyncpg DSN, for administrative statements outside SQLAlchemy."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"


def find_bin_dir() -> Path:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl (or $PG_BIN_DIR)."""
    if os.environ.get("PG_BIN_DIR"):
        candidates = [Path(os.environ["PG_BIN_DIR"])]
    else:
        root = Path("/usr/lib/postgresql")
        versions = sorted(
            (p for p in root.glob("*") if re.fullmatch(r"\d+", p.name)),
            key=lambda p: int(p.name),
            reverse=True,
        )
        candidates = [v / "bin" for v in versions]
    for bin_dir in candidates:
        if (bin_dir / "initdb").is_file() and (bin_dir / "pg_ctl").is_file():
            return bin_dir
    where = ", ".join(str(c) for c in candidates) or "/usr/lib/postgresql/*/bin"
    raise PostgresUnavailable(
        f"PostgreSQL is not installed: no initdb and pg_ctl in {where} "
        "(run `make deps-system`, which apt-installs Debian's `postgresql`, or set PG_BIN_DIR)"
    )


def _unprivileged_user() -> str | None:
    """None when we are not root; otherwise the user the server runs as ('postgres', else 'nobody')."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise PostgresUnavailable("running as root and neither user 'postgres' nor 'nobody' exists")


def _run(
    command: list[str], run_as: str | None, **kwargs: object
) -> subprocess.CompletedProcess[str]:
    if run_as is not None:
        command = ["runuser", "-u", run_as, "--", *command]
    return subprocess.run(  # noqa: S603 - fixed binaries, our own arguments
        command, check=False, capture_output=True, text=True, timeout=60, **kwargs
    )


def _start(
    bin_dir: Path, base: Path, run_as: str | None, overrides: dict[str, str] | None = None
) -> PostgresServer:
    data_dir = base / "data"
    initdb = _run(
        [
            str(bin_dir / "initdb"),
            "-D",
            str(data_dir),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        ],
        run_as,
    )
    if initdb.returncode != 0:
        raise PostgresUnavailable(
            f"initdb failed: {initdb.stderr.strip() or initdb.stdout.strip()}"
        )
    last_error = ""
    for _attempt in range(3):  # the free port may be taken between probing and binding
        port = free_port()
        settings = {
            **SERVER_SETTINGS,
            **(overrides or {}),
            "port": str(port),
            "unix_socket_directories": f"'{base}'",
        }
        with (data_dir / "postgresql.auto.conf").open("w") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        started = _run(
            [str(bin_dir / "pg_ctl"), "start", "-w", "-t", "30", "-D", str(data_dir)]
            + ["-l", str(base / "server.log")],
            run_as,
        )
        if started.returncode == 0:
            return PostgresServer(bin_dir, data_dir, port, run_as)
        log = base / "server.log"
        last_error = log.read_text(errors="replace")[-2000:] if log.exists() else started.stderr
    raise PostgresUnavailable(f"PostgreSQL would not start: {last_error.strip()}")


def stop(server: PostgresServer, mode: str = "fast") -> None:
    """pg_ctl signals the postmaster whose pid is in this data folder's postmaster.pid, nothing else.

    `mode` is pg_ctl's: "fast" ends every session and checkpoints; "immediate" is a crash (every
    process quits at once, the next start recovers from the WAL)."""
    _run(
        [str(server.bin_dir / "pg_ctl"), "stop", "-D", str(server.data_dir), "-m", mode],
        server.run_as,
    )


def restart(server: PostgresServer) -> None:
    """Start a stopped server again on its folder and port (the fault tests' "database is back")."""
    base = server.data_dir.parent
    started = _run(
        [str(server.bin_dir / "pg_ctl"), "start", "-w", "-t", "30", "-D", str(server.data_dir)]
        + ["-l", str(base / "server.log")],
        server.run_as,
    )
    if started.returncode != 0:
        raise PostgresUnavailable(f"PostgreSQL would not start again: {started.stderr.strip()}")


def _memory_folder() -> str | None:
    """tmpfs when the machine has one: CREATE DATABASE takes ~15 ms there and ~450 ms on our disk."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK) else None


@contextmanager
def postgres_server(overrides: dict[str, str] | None = None) -> Iterator[PostgresServer]:
    """Start a server in a fresh temp folder, yield it, stop it and delete the folder.

    `overrides` replaces server settings (e.g. synchronous_commit=on for a test that crashes it)."""
    bin_dir = find_bin_dir()
    run_as = _unprivileged_user()
    base = Path(tempfile.mkdtemp(prefix="trivselsbot-pg-", dir=_memory_folder()))
    try:
        if run_as is not None:
            entry = pwd.getpwnam(run_as)
            os.chown(base, entry.pw_uid, entry.pw_gid)
        server = _start(bin_dir, base, run_as, overrides)
        try:
            yield server
        finally:
            stop(server)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def random_database_name(prefix: str = "test") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"
