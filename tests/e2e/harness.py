"""End-to-end harness: run a bot and the Microsoft 365 Agents Playground, drive them by API and browser.

Everything here talks to processes it started itself, on loopback ports it chose, and stops them by
their own process group (never by name). See README-e2e.md for the Playground API it wraps.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import aiohttp

REPO_ROOT = Path(__file__).resolve().parents[2]
E2E_DIR = Path(__file__).resolve().parent
NODE_MODULES = REPO_ROOT / "node_modules"
PLAYGROUND_BIN = NODE_MODULES / ".bin" / "agentsplayground"
BROWSER_SCRIPT = E2E_DIR / "browser.mjs"
CHROMIUM = "/usr/bin/chromium"  # browser.mjs uses $CHROMIUM or this
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"


class HarnessError(RuntimeError):
    """Something in the e2e set-up failed; the message says what and where the logs are."""


class PlaygroundPortError(HarnessError):
    """The Playground did not take the port we asked for (it silently falls back to another)."""


# --------------------------------------------------------------------------------------------
# (a) ports
# --------------------------------------------------------------------------------------------


def port_is_free(port: int) -> bool:
    """True if nothing listens on ``port`` on any interface (the Playground binds all of them)."""
    for family, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
        try:
            with socket.socket(family, socket.SOCK_STREAM) as s:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind((addr, port))
        except OSError:
            if family == socket.AF_INET6 and not socket.has_ipv6:
                continue
            return False
    return True


def free_port() -> int:
    """A port that is free on all interfaces right now (ask the kernel, then double-check)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port_is_free(port):
            return port
    raise HarnessError("could not find a free port")


def free_ports(n: int) -> list[int]:
    """``n`` distinct free ports."""
    ports: list[int] = []
    while len(ports) < n:
        p = free_port()
        if p not in ports:
            ports.append(p)
    return ports


def wait_port_free(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not port_is_free(port):
        if time.monotonic() > deadline:
            raise HarnessError(f"port {port} still in use after {timeout}s")
        time.sleep(0.05)


# --------------------------------------------------------------------------------------------
# (b) processes: own log file, own process group, stopped by that group only
# --------------------------------------------------------------------------------------------


@dataclass(eq=False)
class ManagedProcess:
    """A child process in its own session/process group, with its output in ``log_path``."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    command: list[str]

    @property
    def pid(self) -> int:
        return self.popen.pid

    def running(self) -> bool:
        return self.popen.poll() is None

    def tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 8.0) -> int | None:
        """SIGTERM the process group, wait, then SIGKILL the group. Returns the exit code."""
        if self.popen.poll() is None:
            _signal_group(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                _signal_group(self.popen.pid, signal.SIGKILL)
                self.popen.wait(5)
        # Children that outlived the leader (same group) get the same treatment.
        _signal_group(self.popen.pid, signal.SIGKILL)
        return self.popen.returncode

    def describe(self) -> str:
        return f"{self.name} (pid {self.pid}, log {self.log_path})"


# Safety net: anything still running when the interpreter exits is stopped (by its own group).
_LIVE: weakref.WeakSet[ManagedProcess] = weakref.WeakSet()


@atexit.register
def _stop_leftovers() -> None:
    for proc in list(_LIVE):
        with contextlib.suppress(Exception):
            proc.stop(timeout=3)


def _signal_group(pgid: int, sig: int) -> None:
    # The child was started with start_new_session=True, so its pid is its process-group id.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def start_process(
    command: Sequence[str],
    *,
    log_path: Path,
    name: str | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | str | None = None,
    inherit_env: bool = True,
    preexec_fn: Callable[[], object] | None = None,
) -> ManagedProcess:
    """Start ``command`` in a new session with stdout+stderr appended to ``log_path``;
    ``preexec_fn`` runs in the child before it starts (e.g. to give it a signal disposition)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    full_env = dict(os.environ) if inherit_env else {}
    full_env.update(env or {})
    log = open(log_path, "ab")  # noqa: SIM115 - the child owns it; closed below for the parent
    try:
        popen = subprocess.Popen(
            list(command),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=str(cwd) if cwd else None,
            env=full_env,
            start_new_session=True,
            preexec_fn=preexec_fn,
        )
    finally:
        log.close()
    managed = ManagedProcess(name or Path(command[0]).name, popen, log_path, list(command))
    _LIVE.add(managed)
    return managed


def wait_http_ok(
    url: str,
    *,
    timeout: float = 30.0,
    process: ManagedProcess | None = None,
    ok: Callable[[int], bool] = lambda status: 200 <= status < 500,
) -> None:
    """Poll ``url`` until it answers with a status ``ok`` accepts; fail early if ``process`` died."""
    deadline = time.monotonic() + timeout
    last_error = ""
    while time.monotonic() < deadline:
        if process is not None and not process.running():
            raise HarnessError(
                f"{process.describe()} exited with {process.popen.returncode} before {url} "
                f"was ready. Log tail:\n{process.tail()}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - loopback only
                if ok(resp.status):
                    return
                last_error = f"status {resp.status}"
        except urllib.error.HTTPError as e:
            if ok(e.code):
                return
            last_error = f"status {e.code}"
        except (urllib.error.URLError, OSError) as e:
            last_error = str(e)
        time.sleep(0.1)
    tail = f" Log tail:\n{process.tail()}" if process else ""
    raise HarnessError(f"{url} not ready after {timeout}s ({last_error}).{tail}")


# --------------------------------------------------------------------------------------------
# the bot under test: a command + env + readiness URL, so the real bot is a one-line switch
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BotSpec:
    """How to start a bot. ``{port}``, ``{host}``, ``{workdir}`` and ``{python}`` are substituted
    in ``command``, ``env`` values and ``ready_url``."""

    command: tuple[str, ...]
    ready_url: str = "http://{host}:{port}/healthz"
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: str = str(REPO_ROOT)
    messages_path: str = "/api/messages"
    name: str = "bot"
    ready_timeout: float = 30.0

    @staticmethod
    def sample() -> BotSpec:
        """The harness's own echo/card bot (tests/e2e/sample_bot.py)."""
        return BotSpec(
            command=(
                "{python}",
                "-m",
                "tests.e2e.sample_bot",
                "--host",
                "{host}",
                "--port",
                "{port}",
            ),
            name="sample_bot",
        )

    @staticmethod
    def trivselsbot(db_path: str | Path, **extra_env: str) -> BotSpec:
        """The real bot, as the lead starts it."""
        env = {
            "BOT_DEV_MODE": "true",
            "BOT_DATABASE_URL": f"sqlite+aiosqlite:///{db_path}",
            "BOT_WORKING_HOURS": "always",  # the real clock: no quiet hours, or evenings fail
        }
        env.update(extra_env)
        return BotSpec(
            command=("{python}", "-m", "bot", "run", "--host", "{host}", "--port", "{port}"),
            env=env,
            name="trivselsbot",
        )

    def render(self, value: str, *, host: str, port: int, workdir: Path) -> str:
        return value.format(host=host, port=port, workdir=workdir, python=sys.executable)


@dataclass
class RunningBot:
    spec: BotSpec
    host: str
    port: int
    process: ManagedProcess

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def endpoint(self) -> str:
        return self.base_url + self.spec.messages_path

    def stop(self) -> None:
        self.process.stop()


def start_bot(
    spec: BotSpec, workdir: Path, *, port: int | None = None, host: str = "127.0.0.1"
) -> RunningBot:
    """Start the bot described by ``spec`` and wait for its readiness URL."""
    port = port or free_port()
    r = lambda v: spec.render(v, host=host, port=port, workdir=workdir)  # noqa: E731
    process = start_process(
        [r(part) for part in spec.command],
        log_path=workdir / f"{spec.name}.log",
        name=spec.name,
        env={k: r(v) for k, v in spec.env.items()} | {"PYTHONUNBUFFERED": "1"},
        cwd=spec.cwd,
    )
    try:
        wait_http_ok(
            r(spec.ready_url),
            timeout=spec.ready_timeout,
            process=process,
            ok=lambda s: 200 <= s < 300,
        )
    except BaseException:
        process.stop()
        raise
    return RunningBot(spec, host, port, process)


# --------------------------------------------------------------------------------------------
# (c) the mock tenant: .m365agentsplayground.yml
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    upn: str
    aad_object_id: str
    given_name: str
    surname: str

    def to_config(self) -> dict[str, str]:
        # "userPrincipleName" (sic) is the Playground's schema key.
        return {
            "id": self.id,
            "name": self.name,
            "userPrincipleName": self.upn,
            "aadObjectId": self.aad_object_id,
            "givenName": self.given_name,
            "surname": self.surname,
            "email": self.upn,
        }


# The Playground's own default tenant (Alex Wilber + five), so ids match its documentation.
DEFAULT_PEOPLE: tuple[Person, ...] = (
    Person(
        "user-id-0",
        "Alex Wilber",
        "alexw@example.com",
        "00000000-0000-0000-0000-0000000000020",
        "Alex",
        "Wilber",
    ),
    Person(
        "user-id-1",
        "Megan Bowen",
        "meganb@example.com",
        "00000000-0000-0000-0000-0000000000021",
        "Megan",
        "Bowen",
    ),
    Person(
        "user-id-2",
        "Adele Vance",
        "adelev@example.com",
        "00000000-0000-0000-0000-0000000000022",
        "Adele",
        "Vance",
    ),
    Person(
        "user-id-3",
        "Isaiah Langer",
        "isaiahl@example.com",
        "00000000-0000-0000-0000-0000000000023",
        "Isaiah",
        "Langer",
    ),
    Person(
        "user-id-4",
        "Patti Fernandez",
        "pattif@example.com",
        "00000000-0000-0000-0000-0000000000024",
        "Patti",
        "Fernandez",
    ),
    Person(
        "user-id-5",
        "Lynne Robbins",
        "lynner@example.com",
        "00000000-0000-0000-0000-0000000000025",
        "Lynne",
        "Robbins",
    ),
)


@dataclass(frozen=True)
class PlaygroundConfig:
    """The mock tenant: six people (one is the current user, the other five are ``users``),
    one personal chat (per current user), one group chat, one team with General + one channel."""

    people: tuple[Person, ...] = DEFAULT_PEOPLE
    current_user_id: str = "user-id-0"
    tenant_id: str = "00000000-0000-0000-0000-0000000000001"
    bot_id: str = "00000000-0000-0000-0000-00000000000011"
    bot_name: str = "Test Bot"
    group_chat_id: str = "group-chat-id"
    group_chat_name: str = "Group Chat"
    team_id: str = "team-id"
    team_name: str = "My Team"
    team_aad_group_id: str = "00000000-0000-0000-0000-000000000031"
    channel_id: str = "channel-announcements-id"
    channel_name: str = "Announcements"
    personal_chat_prefix: str = "personal-chat-"

    def __post_init__(self) -> None:
        if len(self.people) != 6:
            raise ValueError("the Playground needs exactly six people (current user + five users)")
        if self.current_user_id not in {p.id for p in self.people}:
            raise ValueError(f"unknown current user {self.current_user_id!r}")

    @property
    def current_user(self) -> Person:
        return next(p for p in self.people if p.id == self.current_user_id)

    @property
    def users(self) -> list[Person]:
        """The five people who are not the current user."""
        return [p for p in self.people if p.id != self.current_user_id]

    @property
    def personal_chat_id(self) -> str:
        """Each person has their own personal-chat id, stable across restarts."""
        return self.personal_chat_prefix + self.current_user_id

    @property
    def general_channel_id(self) -> str:
        """The General channel's conversation id is the team id."""
        return self.team_id

    def person(self, key: str) -> Person:
        """Look a person up by id, full name or given name (case-insensitive)."""
        k = key.lower()
        for p in self.people:
            if k in (p.id.lower(), p.name.lower(), p.given_name.lower()):
                return p
        raise KeyError(key)

    def as_user(self, who: str) -> PlaygroundConfig:
        """The same tenant with another current user (by id or name)."""
        return replace(self, current_user_id=self.person(who).id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": "0.1.1",
            "tenantId": self.tenant_id,
            "bot": {"id": self.bot_id, "name": self.bot_name},
            "currentUser": self.current_user.to_config(),
            "users": [p.to_config() for p in self.users],
            "personalChat": {"id": self.personal_chat_id},
            "groupChat": {"id": self.group_chat_id, "name": self.group_chat_name},
            "team": {
                "id": self.team_id,
                "name": self.team_name,
                "aadGroupId": self.team_aad_group_id,
                "channels": [{"id": self.channel_id, "name": self.channel_name}],
            },
        }

    def to_yaml(self) -> str:
        # JSON is valid YAML 1.2, and keeps every id a string without any quoting rules to get wrong.
        return "# written by tests/e2e/harness.py\n" + json.dumps(self.to_dict(), indent=2) + "\n"


CONFIG_FILE_NAME = ".m365agentsplayground.yml"


def write_playground_config(workdir: Path, config: PlaygroundConfig) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / CONFIG_FILE_NAME
    path.write_text(config.to_yaml())
    return path


# --------------------------------------------------------------------------------------------
# (d) + (f) the Playground process
# --------------------------------------------------------------------------------------------

_LISTENING = re.compile(r"Listening on (\d+)")
_PORT_IN_USE = re.compile(r"Port (\d+) is already in use")


class Playground:
    """One Agents Playground process (``msteams`` channel) pointed at a bot endpoint.

    ``start()`` writes the config, launches, waits for "Listening on N" in its log and checks that N
    is the port asked for (or adopts it with ``strict_port=False``), then waits for
    ``GET /_internal/v1/config`` (which itself waits until the bot endpoint answers).
    ``restart(config)`` stops it and starts it again on the same port, e.g. as another person.
    """

    def __init__(
        self,
        bot_endpoint: str,
        workdir: Path,
        config: PlaygroundConfig | None = None,
        *,
        port: int | None = None,
        strict_port: bool = True,
        start_timeout: float = 30.0,
    ) -> None:
        self.bot_endpoint = bot_endpoint
        self.workdir = workdir
        self.config = config or PlaygroundConfig()
        self.port = port or free_port()
        self.strict_port = strict_port
        self.start_timeout = start_timeout
        self.process: ManagedProcess | None = None
        self.starts = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def service_url(self) -> str:
        """What the bot sees in ``activity.service_url``."""
        return f"http://localhost:{self.port}/_connector"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"playground-{self.starts}.log"

    def client(self) -> PlaygroundClient:
        """A client that follows this Playground's config across restarts."""
        return PlaygroundClient(self.base_url, playground=self)

    def start(self) -> Playground:
        if not PLAYGROUND_BIN.exists():
            raise HarnessError(f"{PLAYGROUND_BIN} missing: run `npm ci` in {REPO_ROOT}")
        if self.process and self.process.running():
            raise HarnessError("Playground already running")
        self.starts += 1
        write_playground_config(self.workdir, self.config)
        log_path = self.log_path
        log_path.unlink(missing_ok=True)
        self.process = start_process(
            [
                str(PLAYGROUND_BIN),
                "-e",
                self.bot_endpoint,
                "-c",
                "msteams",
                "-p",
                str(self.port),
                "--disable-telemetry",
            ],
            log_path=self.workdir / f"playground-{self.starts}.stdout.log",
            name="agentsplayground",
            cwd=self.workdir,
            env={
                "TEAMSAPPTESTER_BROWSER": "none",
                "M365_AGENTS_PLAYGROUND_LOGFILE": str(log_path),
                "M365_AGENTS_PLAYGROUND_CONFIG_PATH": str(self.workdir / CONFIG_FILE_NAME),
                "NO_UPDATE_NOTIFIER": "1",
            },
        )
        try:
            self._wait_listening()
            wait_http_ok(self.base_url + "/_debug/ping", timeout=10, process=self.process)
            self._check_config()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_listening(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            text = ""
            with contextlib.suppress(OSError):
                text = self.log_path.read_text(errors="replace")
            m = _LISTENING.search(text)
            if m:
                actual = int(m.group(1))
                if actual != self.port:
                    if self.strict_port:
                        raise PlaygroundPortError(
                            f"Playground asked for port {self.port} but listens on {actual} "
                            f"(port taken?). Log {self.log_path}:\n{text[-2000:]}"
                        )
                    self.port = actual
                return
            if not self.process.running():
                raise HarnessError(
                    f"Playground exited with {self.process.popen.returncode} before listening. "
                    f"Log {self.log_path}:\n{text[-2000:]}\nstdout:\n{self.process.tail()}"
                )
            time.sleep(0.05)
        raise HarnessError(
            f"Playground not listening after {self.start_timeout}s; see {self.log_path}"
        )

    def _check_config(self) -> None:
        # GET /config waits (up to 15 s) for the bot endpoint, so the bot must be up first.
        with urllib.request.urlopen(self.base_url + "/_internal/v1/config", timeout=30) as resp:  # noqa: S310
            body = json.load(resp)
        got = body["config"]["currentUser"]["id"]
        if got != self.config.current_user_id:
            raise HarnessError(
                f"Playground reports current user {got}, expected {self.config.current_user_id}"
            )

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()

    def restart(
        self, config: PlaygroundConfig | None = None, *, as_user: str | None = None
    ) -> Playground:
        """Stop and start again on the same port (the bot keeps running and keeps its state).
        Messages and conversations the Playground held in memory are gone afterwards."""
        if as_user is not None:
            config = (config or self.config).as_user(as_user)
        if config is not None:
            self.config = config
        self.stop()
        wait_port_free(self.port)
        return self.start()

    async def arestart(
        self, config: PlaygroundConfig | None = None, *, as_user: str | None = None
    ) -> Playground:
        """``restart`` without blocking the event loop."""
        return await asyncio.to_thread(self.restart, config, as_user=as_user)

    def __enter__(self) -> Playground:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --------------------------------------------------------------------------------------------
# (e) the Playground's (undocumented) API, as its web UI uses it
# --------------------------------------------------------------------------------------------


@dataclass
class WsEvent:
    """One frame from ``/_ws_conversation/v1/conversations/stream``."""

    action: str  # createMessage | updateMessage | typing
    conversation_id: str  # actionConversationId
    message: dict[str, Any]
    raw: dict[str, Any]
    received_at: float

    @property
    def root_conversation_id(self) -> str:
        """``team-id`` for ``team-id;messageid=123`` (a channel thread)."""
        return self.conversation_id.split(";", 1)[0]

    @property
    def message_id(self) -> str | None:
        return self.message.get("messageId")

    @property
    def post_conversation_id(self) -> str | None:
        """Set for a new channel post from the bot: the thread's conversation id."""
        return self.message.get("postConversationId")

    @property
    def from_id(self) -> str | None:
        return (self.message.get("from") or {}).get("id")

    @property
    def text(self) -> str:
        return self.message.get("text") or ""

    @property
    def attachments(self) -> list[dict[str, Any]]:
        return self.message.get("attachments") or []

    @property
    def card(self) -> dict[str, Any] | None:
        """The first Adaptive Card's content, if any."""
        for a in self.attachments:
            if (a.get("contentType") or "").lower() == ADAPTIVE_CARD:
                return a.get("content")
        return None

    @property
    def card_texts(self) -> list[str]:
        """Every ``text``/``title`` string in the card, depth first (TextBlocks, choices, actions)."""
        out: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                for key in ("text", "title"):
                    if isinstance(node.get(key), str):
                        out.append(node[key])
                for v in node.values():
                    if isinstance(v, dict | list):
                        walk(v)
            elif isinstance(node, list):
                for v in node:
                    walk(v)

        if self.card:
            walk(self.card)
        return out

    @property
    def all_text(self) -> str:
        return "\n".join([self.text, *self.card_texts])

    def __repr__(self) -> str:
        return f"WsEvent({self.action} {self.conversation_id} id={self.message_id} {self.all_text[:80]!r})"


Predicate = Callable[[WsEvent], bool]


def has_text(
    fragment: str, *, action: str | None = "createMessage", conversation: str | None = None
) -> Predicate:
    """Predicate: the event's text or card texts contain ``fragment``."""

    def check(ev: WsEvent) -> bool:
        if action and ev.action != action:
            return False
        if conversation and ev.root_conversation_id != conversation.split(";", 1)[0]:
            return False
        return fragment in ev.all_text

    return check


class PlaygroundClient:
    """aiohttp client for the Playground's web-UI API plus a WebSocket collector of bot output.

    Use as ``async with PlaygroundClient(url, config) as pg:``; the listener reconnects by itself
    when the Playground restarts on the same port.
    """

    CUSTOM_ACTIVITY_TYPES = (
        "install",
        "uninstall",
        "userAdded",
        "userRemoved",
        "botAdded",
        "botRemoved",
        "channelCreated",
        "channelRenamed",
        "channelDeleted",
        "teamRenamed",
        "teamDeleted",
    )

    def __init__(
        self,
        base_url: str,
        config: PlaygroundConfig | None = None,
        *,
        playground: Playground | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.playground = playground
        self._config = config or (playground.config if playground else PlaygroundConfig())
        self.connections = 0  # WebSocket (re)connections so far
        self.events: list[WsEvent] = []
        self._cursor = 0
        self._session: aiohttp.ClientSession | None = None
        self._listener: asyncio.Task[None] | None = None
        self._new_event = asyncio.Event()
        self._connected = asyncio.Event()
        self._closing = False

    @property
    def config(self) -> PlaygroundConfig:
        """The tenant as the Playground currently has it (follows restarts as another user)."""
        return self.playground.config if self.playground else self._config

    # -- lifecycle ------------------------------------------------------------------------
    async def __aenter__(self) -> PlaygroundClient:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self, *, listen: bool = True) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        if listen and self._listener is None:
            self._listener = asyncio.create_task(self._listen(), name="playground-ws")
            await self.wait_connected()

    async def wait_connected(self, timeout: float = 10.0, *, after: int = 0) -> None:
        """Wait until the WebSocket is connected (and has connected more than ``after`` times)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not (self._connected.is_set() and self.connections > after):
            if asyncio.get_running_loop().time() > deadline:
                raise HarnessError(f"WebSocket to {self.base_url} not connected after {timeout}s")
            await asyncio.sleep(0.05)

    async def restart(
        self, config: PlaygroundConfig | None = None, *, as_user: str | None = None
    ) -> None:
        """Restart the bound Playground (same port, e.g. as another person) and reconnect the
        WebSocket. Events collected so far are kept; ``mark()`` is moved to 'now'."""
        if self.playground is None:
            raise HarnessError("this client is not bound to a Playground")
        before = self.connections
        await self.playground.arestart(config, as_user=as_user)
        await self.wait_connected(after=before)
        self.mark()

    async def close(self) -> None:
        self._closing = True
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listener
            self._listener = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _listen(self) -> None:
        assert self._session is not None
        url = self.base_url.replace("http", "ws", 1) + "/_ws_conversation/v1/conversations/stream"
        while not self._closing:
            try:
                async with self._session.ws_connect(url) as ws:
                    self.connections += 1
                    self._connected.set()
                    async for msg in ws:
                        if msg.type == aiohttp.WSMsgType.TEXT:
                            self._record(json.loads(msg.data))
                        elif msg.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                            break
            except (TimeoutError, aiohttp.ClientError, OSError):
                pass
            self._connected.clear()
            if not self._closing:
                await asyncio.sleep(0.1)

    def _record(self, data: dict[str, Any]) -> None:
        self.events.append(
            WsEvent(
                action=data.get("action", ""),
                conversation_id=data.get("actionConversationId", ""),
                message=data.get("message") or {},
                raw=data,
                received_at=time.monotonic(),
            )
        )
        self._new_event.set()

    # -- waiting for bot output ------------------------------------------------------------
    def mark(self) -> int:
        """Remember 'now': later ``wait_for`` calls (without ``since``) only look at newer events."""
        self._cursor = len(self.events)
        return self._cursor

    async def wait_for(
        self, predicate: Predicate, timeout: float = 10.0, *, since: int | None = None
    ) -> WsEvent:
        """The first event (from index ``since``, default the last ``mark()``) matching ``predicate``."""
        start = self._cursor if since is None else since
        deadline = asyncio.get_running_loop().time() + timeout
        i = start
        while True:
            while i < len(self.events):
                if predicate(self.events[i]):
                    return self.events[i]
                i += 1
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                seen = "\n  ".join(repr(e) for e in self.events[start:]) or "(none)"
                raise TimeoutError(
                    f"no matching WebSocket event within {timeout}s; events since {start}:\n  {seen}"
                )
            self._new_event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_event.wait(), remaining)

    async def wait_for_text(
        self,
        fragment: str,
        timeout: float = 10.0,
        *,
        action: str | None = "createMessage",
        conversation: str | None = None,
        since: int | None = None,
    ) -> WsEvent:
        return await self.wait_for(
            has_text(fragment, action=action, conversation=conversation), timeout, since=since
        )

    async def expect_silence(
        self, predicate: Predicate, seconds: float = 1.0, *, since: int | None = None
    ) -> None:
        """Assert that no matching event arrives within ``seconds``."""
        with contextlib.suppress(TimeoutError):
            ev = await self.wait_for(predicate, seconds, since=since)
            raise AssertionError(f"unexpected event {ev!r}")

    # -- raw HTTP ------------------------------------------------------------------------------
    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        if self._session is None:
            await self.start(listen=False)
        assert self._session is not None
        async with self._session.request(method, self.base_url + path, **kwargs) as resp:
            text = await resp.text()
            if resp.status >= 400:
                raise HarnessError(f"{method} {path} -> {resp.status}: {text}")
            if not text:
                return None
            try:
                return json.loads(text)
            except json.JSONDecodeError:
                return text

    async def get_config(self) -> dict[str, Any]:
        """``GET /_internal/v1/config``: ``{"config": {...tenant...}, "internalConfig": {...}}``."""
        return await self._request("GET", "/_internal/v1/config")

    # -- messages ------------------------------------------------------------------------------
    def _mention_bot(self) -> tuple[str, dict[str, Any]]:
        tag = f"<at>{self.config.bot_name}</at>"
        return tag, {
            "mentioned": {"id": self.config.bot_id, "name": self.config.bot_name},
            "text": tag,
        }

    async def send_message(
        self,
        conversation_id: str,
        text: str,
        *,
        mention_bot: bool = False,
        from_id: str | None = None,
        text_format: str = "plain",
    ) -> dict[str, Any]:
        """``POST /_conversation/v1/conversations/{id}/messages`` exactly as the UI composes it.
        Returns ``{"messageId", "timestamp"[, "postConversationId"]}``."""
        body: dict[str, Any] = {
            "type": "text",
            "text": text,
            "textFormat": text_format,
            "from": {"id": from_id or self.config.current_user_id},
        }
        if mention_bot:
            tag, mention = self._mention_bot()
            body["text"] = f"{tag} {text}"
            body["mentions"] = [mention]
        return await self._request(
            "POST", f"/_conversation/v1/conversations/{conversation_id}/messages", json=body
        )

    async def send_personal(self, text: str) -> dict[str, Any]:
        return await self.send_message(self.config.personal_chat_id, text)

    async def send_group(self, text: str, *, mention_bot: bool = True) -> dict[str, Any]:
        """Group-chat messages reach the bot only when it is @mentioned."""
        return await self.send_message(self.config.group_chat_id, text, mention_bot=mention_bot)

    async def send_channel(
        self, text: str, *, channel_id: str | None = None, mention_bot: bool = True
    ) -> dict[str, Any]:
        """A new post in a channel (default General). Reaches the bot only if it is @mentioned.
        The response's ``postConversationId`` (``<channel>;messageid=<id>``) is the thread."""
        return await self.send_message(
            channel_id or self.config.general_channel_id, text, mention_bot=mention_bot
        )

    async def reply_in_thread(
        self, post_conversation_id: str, text: str, *, mention_bot: bool = True
    ) -> dict[str, Any]:
        return await self.send_message(post_conversation_id, text, mention_bot=mention_bot)

    # -- card actions -------------------------------------------------------------------------
    async def submit(
        self,
        conversation_id: str,
        reply_to_id: str,
        value: Mapping[str, Any],
        *,
        from_id: str | None = None,
    ) -> None:
        """Action.Submit: ``POST /_conversation/v1/submit``. The bot gets a ``message`` with ``value``
        and ``replyToId``; ``value`` is the action's ``data`` merged with the input values."""
        await self._request(
            "POST",
            "/_conversation/v1/submit",
            json={
                "conversation": {"id": conversation_id},
                "replyToId": reply_to_id,
                "value": dict(value),
                "from": {"id": from_id or self.config.current_user_id},
            },
        )

    async def execute(
        self,
        conversation_id: str,
        reply_to_id: str,
        *,
        verb: str | None,
        data: Mapping[str, Any] | None = None,
        title: str | None = None,
        from_id: str | None = None,
    ) -> dict[str, Any]:
        """Action.Execute: ``POST /_conversation/v1/invoke`` (``adaptiveCard/action``), shaped as the UI
        sends it. Returns the bot's invoke response body (e.g. ``{"type": ..., "value": card}``)."""
        action: dict[str, Any] = {
            "type": "Action.Execute",
            "title": title,
            "verb": verb,
            "data": dict(data or {}),
        }
        return await self.invoke(
            "adaptiveCard/action",
            conversation_id,
            {"action": action},
            reply_to_id=reply_to_id,
            from_id=from_id,
        )

    async def invoke(
        self,
        name: str,
        conversation_id: str,
        value: Any,
        *,
        reply_to_id: str | None = None,
        from_id: str | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": name,
            "conversation": {"id": conversation_id},
            "value": value,
            "from": {"id": from_id or self.config.current_user_id},
        }
        if reply_to_id is not None:
            body["replyToId"] = reply_to_id
        return await self._request("POST", "/_conversation/v1/invoke", json=body)

    # -- installation and membership -------------------------------------------------------
    async def activity_template(
        self, conversation_id: str, type_: str | None = None
    ) -> dict[str, Any]:
        """``GET /_internal/v1/customActivities/template?conversationId=..&type=..``: the activity the
        UI's "Mock an Activity" menu would send (see CUSTOM_ACTIVITY_TYPES)."""
        params = {"conversationId": conversation_id}
        if type_:
            params["type"] = type_
        return await self._request("GET", "/_internal/v1/customActivities/template", params=params)

    async def send_custom_activity(self, activity: Mapping[str, Any]) -> None:
        """``POST /_internal/v1/customActivities``: forwarded to the bot verbatim (fire and forget)."""
        await self._request("POST", "/_internal/v1/customActivities", json=dict(activity))

    async def mock_activity(
        self, type_: str, conversation_id: str | None = None, **overrides: Any
    ) -> dict[str, Any]:
        """Template + send, like "Mock an Activity" → item → "Send activity". Returns what was sent."""
        activity = await self.activity_template(
            conversation_id or self.config.personal_chat_id, type_
        )
        activity.update(overrides)
        await self.send_custom_activity(activity)
        return activity

    async def ui_install(self, conversation_id: str | None = None) -> None:
        """What the web UI does the first time it shows a conversation:
        ``POST /_debug/conversation/{id}/installation`` → ``installationUpdate`` (add) and then a
        ``conversationUpdate`` with membersAdded [user, bot] (personal) or [bot] (group, channel)."""
        cid = conversation_id or self.config.personal_chat_id
        await self._request("POST", f"/_debug/conversation/{cid}/installation", json={})

    async def install_personal(self) -> dict[str, Any]:
        """``installationUpdate`` action=add in the current user's personal chat."""
        return await self.mock_activity("install", self.config.personal_chat_id)

    async def install_in_team(self) -> dict[str, Any]:
        """``installationUpdate`` action=add in the team (General channel)."""
        return await self.mock_activity("install", self.config.team_id)

    async def add_bot_to_team(self) -> dict[str, Any]:
        """``conversationUpdate`` membersAdded [bot], eventType teamMemberAdded, in the team."""
        return await self.mock_activity("botAdded", self.config.team_id)

    async def uninstall(self, conversation_id: str | None = None) -> dict[str, Any]:
        """``installationUpdate`` action=remove (team → sent on the General channel)."""
        return await self.mock_activity(
            "uninstall", conversation_id or self.config.personal_chat_id
        )

    async def remove_bot_from_team(self) -> dict[str, Any]:
        return await self.mock_activity("botRemoved", self.config.team_id)

    async def members_added(
        self, people: Iterable[str], conversation_id: str | None = None
    ) -> dict[str, Any]:
        """``conversationUpdate`` membersAdded for any of the six people (by id or name). The stock
        template only ever adds the current user, so we fill in membersAdded ourselves."""
        members = [self._member(p) for p in people]
        return await self.mock_activity(
            "userAdded", conversation_id or self.config.team_id, membersAdded=members
        )

    async def members_removed(
        self, people: Iterable[str], conversation_id: str | None = None
    ) -> dict[str, Any]:
        members = [self._member(p) for p in people]
        return await self.mock_activity(
            "userRemoved", conversation_id or self.config.team_id, membersRemoved=members
        )

    def _member(self, who: str) -> dict[str, str]:
        p = self.config.person(who)
        return {"id": p.id, "aadObjectId": p.aad_object_id}


# --------------------------------------------------------------------------------------------
# browser driver wrapper (browser.mjs)
# --------------------------------------------------------------------------------------------


class BrowserError(HarnessError):
    def __init__(self, message: str, result: dict[str, Any]) -> None:
        super().__init__(message)
        self.result = result


def _browser_command(
    steps: Sequence[Mapping[str, Any]],
    base_url: str | None,
    artifacts_dir: Path | None,
    step_timeout_ms: int | None,
    height: int | None = None,
) -> tuple[list[str], bytes]:
    payload: dict[str, Any] = {"steps": list(steps)}
    if height:
        payload["height"] = height  # the window's height: a tall card in one screenshot
    if base_url:
        payload["baseUrl"] = base_url
    if artifacts_dir:
        artifacts_dir.mkdir(parents=True, exist_ok=True)
        payload["artifactsDir"] = str(artifacts_dir)
    if step_timeout_ms:
        payload["stepTimeoutMs"] = step_timeout_ms
    chromium = os.environ.get("CHROMIUM", CHROMIUM)
    if not Path(chromium).exists():
        raise HarnessError(
            f"{chromium} not found: `apt-get install -y chromium` (or set $CHROMIUM)"
        )
    return ["node", str(BROWSER_SCRIPT)], json.dumps(payload).encode()


def _browser_result(
    returncode: int | None, stdout: bytes, stderr: bytes, check: bool
) -> dict[str, Any]:
    try:
        result = json.loads(stdout.decode().strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        raise BrowserError(
            f"browser.mjs exited {returncode} without a JSON result.\nstdout:\n{stdout.decode()[-2000:]}\n"
            f"stderr:\n{stderr.decode()[-3000:]}",
            {"ok": False},
        ) from None
    result["stderr"] = stderr.decode()[-4000:]
    if check and not result.get("ok"):
        failed = next((s for s in result.get("steps", []) if not s.get("ok")), {})
        raise BrowserError(
            f"browser step {failed.get('index')} {failed.get('action')!r} failed: {result.get('error')}\n"
            f"screenshot: {result.get('errorScreenshot')}\nchat pane:\n{result.get('errorChatText', '')[-1500:]}",
            result,
        )
    return result


def run_browser(
    steps: Sequence[Mapping[str, Any]],
    *,
    base_url: str | None = None,
    artifacts_dir: Path | None = None,
    timeout: float = 90.0,
    step_timeout_ms: int | None = None,
    check: bool = True,
    height: int | None = None,
) -> dict[str, Any]:
    """Run browser.mjs with ``steps`` (blocking) and return its JSON result; raise on failure if ``check``."""
    cmd, stdin = _browser_command(steps, base_url, artifacts_dir, step_timeout_ms, height)
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO_ROOT,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        _signal_group(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise BrowserError(
            f"browser.mjs timed out after {timeout}s\n{err.decode()[-3000:]}", {"ok": False}
        ) from None
    return _browser_result(proc.returncode, out, err, check)


async def arun_browser(
    steps: Sequence[Mapping[str, Any]],
    *,
    base_url: str | None = None,
    artifacts_dir: Path | None = None,
    timeout: float = 90.0,
    step_timeout_ms: int | None = None,
    check: bool = True,
    height: int | None = None,
) -> dict[str, Any]:
    """``run_browser`` for async tests (keeps the event loop, and so the WebSocket listener, running)."""
    cmd, stdin = _browser_command(steps, base_url, artifacts_dir, step_timeout_ms, height)
    proc = await asyncio.create_subprocess_exec(
        *cmd,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=REPO_ROOT,
        start_new_session=True,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(stdin), timeout)
    except (TimeoutError, asyncio.CancelledError):
        _signal_group(proc.pid, signal.SIGKILL)
        await proc.wait()
        raise
    return _browser_result(proc.returncode, out, err, check)
