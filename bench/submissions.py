"""Card submissions end to end: this project's pipeline against botbuilder's stock one, same run.

    .venv/bin/python -m bench.submissions                 # the standard run (about 2 minutes)
    .venv/bin/python -m bench.submissions --quick         # shorter phases, for a smoke test
    .venv/bin/python -m bench.submissions --profile fast  # and a cProfile of the fast bot's turns

One submission is what Teams sends when a person presses "Send" on a pulse card: an HTTP POST of an
Action.Submit message activity to /api/messages. The bot counts it (SQLite file, WAL, as in
production), and replaces the card with the neutral thanks card through update_activity on a
local mock connector. Every POST is a different person's first answer to one open round.

Three kinds of process, as in production: the bot (`fast`: our app as `trivselsbot run` serves it;
`stock`: the same app, handler and storage write, but /api/messages is botbuilder's own
`CloudAdapter.process` with its per-turn ConnectorClient, given our event loop and GC tuning too;
`stock-asis`: the same, on asyncio's own loop and Python's default GC, as botbuilder is usually
run), the mock connector, and the load
generator (aiohttp client; it and the mock connector run on uvloop, to leave the shared cores to the bot). Open loop: requests leave at a fixed offered rate whatever the answers
do, and latency counts from the moment each request was due, so a queue shows; once a rate commits
less than half of what is offered, higher rates are skipped (they would only lengthen the queue). Closed loop: a
fixed number of clients post back to back, which measures the most the pipeline can do.

Authentication as in production (`--no-auth`: dev mode, as this bench ran before 2026-12-03
evening): the bots have an app id, and every POST carries the channel's bearer token, one RS256
token for the whole run as the Bot Framework channel sends one token until it nears expiry,
signed by a key the orchestrator makes. In each bot process only the network fetches are
replaced: the SDK's OpenID metadata fetch finds that key (endorsed for msteams), and its own
credentials' token fetch (`MicrosoftAppCredentials.get_access_token`, which the stock pipeline
calls per turn) answers a fixed token at once; our pipeline's outbound token comes from the mock
connector's Entra ID token endpoint. The mock connector counts card updates that do not carry
that outbound token as unauthorized.

After each phase the figures are checked, not assumed: every POST answered 201, the mock
connector received one card update per submission (and no other message), and the round's
counters in the database equal the number of submissions so far. Nothing is asserted about speed:
the figures depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import TEST_SECRET  # noqa: E402
from tests.support import fanout  # noqa: E402

OPEN_RATES = (100, 300, 1000, 2000)
STOCK_OPEN_RATES = (100, 300)  # the stock pipeline saturates near 100/s; more only grows a queue
PHASE_SECONDS = 5.0
CLOSED_SECONDS = 8.0
CLOSED_CLIENTS = 256
WARMUP = 200
BENCH_APP_ID = "00000000-0000-0000-0000-0000000000be"
BENCH_PASSWORD = "bench-only-app-password"
OUTBOUND_TOKEN = "bench-outbound-token"  # the bot's own token for the connector
SATURATED = 0.5  # an open-loop phase that commits less than half its offered rate: no higher rates


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- the mock connector process ------------------------------------------------------------------


def serve_connector(port: int, expect_token: bool = False) -> None:
    """Counts card updates and any other message; answers as the Bot Connector does. Serves the
    bot's outbound token as Entra ID's token endpoint does (client-credentials grant)."""
    from aiohttp import web

    stats = {"updates": 0, "thanks": 0, "other": 0, "unauthorized": 0}
    expected = f"Bearer {OUTBOUND_TOKEN}"

    async def update(request: web.Request) -> web.Response:
        body = await request.json()
        stats["updates"] += 1
        if expect_token and request.headers.get("Authorization") != expected:
            stats["unauthorized"] += 1
        attachments = body.get("attachments") or []
        if (
            attachments
            and attachments[0].get("contentType") == "application/vnd.microsoft.card.adaptive"
        ):
            stats["thanks"] += 1
        return web.json_response({"id": request.match_info["aid"]})

    async def other(request: web.Request) -> web.Response:
        await request.read()
        stats["other"] += 1
        return web.json_response({"id": "x"})

    async def read_stats(request: web.Request) -> web.Response:
        return web.json_response(stats)

    async def token(request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("client_id") != BENCH_APP_ID or form.get("client_secret") != BENCH_PASSWORD:
            return web.json_response({"error": "invalid_client"}, status=401)
        return web.json_response(
            {"token_type": "Bearer", "expires_in": 3600, "access_token": OUTBOUND_TOKEN}
        )

    app = web.Application()
    app.router.add_put("/v3/conversations/{cid}/activities/{aid}", update)
    app.router.add_post("/v3/conversations/{cid}/activities", other)
    app.router.add_post("/v3/conversations/{cid}/activities/{aid}", other)
    app.router.add_get("/_stats", read_stats)
    app.router.add_post("/{tenant}/oauth2/v2.0/token", token)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


# --- the bot process -------------------------------------------------------------------------------


def serve_bot(
    pipeline: str,
    db_path: str,
    port: int,
    profile: str | None,
    without_write: bool = False,
    loop: str = "uvloop",
    auth_keys: str | None = None,
    login_authority: str | None = None,
) -> None:
    from aiohttp import web
    from botbuilder.core import ConversationState

    from bot.app import RUNTIME, create_app
    from bot.process.event_loop import use_fast_event_loop
    from bot.process.gc_tuning import freeze_after_startup
    from bot.process.logging_setup import configure_logging
    from bot.settings import load_settings
    from bot.teams.adapter import create_stock_adapter
    from bot.teams.handler import TrivselsbotHandler
    from bot.teams.router import Router
    from bot.teams.state_storage import SqlStorage
    from storage.db.engine import create_session_factory

    credentials: dict[str, Any] = {"BOT_DEV_MODE": True}
    if auth_keys:
        replace_network_fetches(auth_keys)
        credentials = {
            "BOT_DEV_MODE": False,
            "MicrosoftAppId": BENCH_APP_ID,
            "MicrosoftAppPassword": BENCH_PASSWORD,
            "MicrosoftAppTenantId": fanout.TENANT,
            "BOT_LOGIN_AUTHORITY": login_authority,
        }
    settings = load_settings(
        _env_file=None,
        BOT_DATABASE_URL=f"sqlite+aiosqlite:///{db_path}",
        BOT_ANONYMITY_SECRET=TEST_SECRET,
        BOT_BACKGROUND_WORKERS=False,
        BOT_HOST="127.0.0.1",
        BOT_PORT=port,
        **credentials,
    )
    assert settings.authentication_enabled == bool(auth_keys)
    configure_logging(settings.log_level)
    # "stock-asis" is botbuilder as a user of it runs it: asyncio's own loop, Python's default GC.
    # "stock" gets our event loop and GC tuning too (a stricter baseline: only the pipeline differs).
    as_shipped = pipeline == "stock-asis"
    if loop == "uvloop" and not as_shipped:  # as `trivselsbot run` does
        use_fast_event_loop()
    app = create_app(settings)
    if not as_shipped:
        freeze_after_startup(app)  # as `trivselsbot run` does

    if pipeline in ("stock", "stock-asis"):

        async def stock_edge(app: web.Application) -> Any:
            """botbuilder's own HTTP handling and adapter around the very same bot and storage."""
            runtime = app[RUNTIME]
            factory = create_session_factory(runtime.engine)
            bot = TrivselsbotHandler(
                runtime.services, Router(), ConversationState(SqlStorage(factory))
            )
            adapter = create_stock_adapter(settings)

            async def handle(request: web.Request) -> web.StreamResponse:
                return await adapter.process(request, bot)  # type: ignore[no-any-return]

            runtime.messages = handle
            yield

        app.cleanup_ctx.append(stock_edge)

    async def timed(app: web.Application) -> Any:
        """Wall time inside the answer write (counters committed) and inside the whole request."""
        runtime = app[RUNTIME]
        answers, messages = runtime.services.answers, runtime.messages
        submit = answers.submit
        totals = {"requests": 0, "request_s": 0.0, "writes": 0, "write_s": 0.0}

        async def timed_submit(*args: Any, **kwargs: Any) -> None:
            started = time.perf_counter()
            try:
                if not without_write:  # a diagnostic only: what the rest of the turn costs
                    await submit(*args, **kwargs)
            finally:
                totals["writes"] += 1
                totals["write_s"] += time.perf_counter() - started

        async def timed_messages(request: web.Request) -> Any:
            started = time.perf_counter()
            try:
                return await messages(request)  # type: ignore[operator]
            finally:
                totals["requests"] += 1
                totals["request_s"] += time.perf_counter() - started

        answers.submit = timed_submit  # type: ignore[method-assign]
        runtime.messages = timed_messages
        yield
        with open(db_path + ".timings.json", "w") as out:  # noqa: ASYNC230 - at shutdown
            json.dump(totals, out)

    app.cleanup_ctx.append(timed)

    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005, async_mode="disabled")

        async def profiled(app: web.Application) -> Any:
            profiler.start()
            yield
            profiler.stop()
            text = profiler.output_text(unicode=False, color=False, show_all=False)
            with open(profile, "w") as out:  # noqa: ASYNC230 - at shutdown
                out.write(text)

        app.cleanup_ctx.append(profiled)
    web.run_app(app, host="127.0.0.1", port=port, print=None, shutdown_timeout=5)


def replace_network_fetches(keys_path: str) -> None:
    """In the bot process: the SDK's OpenID metadata fetch finds the bench's signing key, and the
    SDK's own credentials answer the outbound token without asking Entra ID. Everything the SDK
    does with them (validation, endorsements, audience, serviceurl) runs unchanged."""
    from datetime import datetime

    from botframework.connector.auth import AuthenticationConstants, MicrosoftAppCredentials
    from botframework.connector.auth.jwt_token_extractor import _OpenIdMetadata

    keys = json.loads(Path(keys_path).read_text())
    channel = AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL

    async def refresh(self: Any) -> None:
        self.keys = list(keys) if self.url == channel else []
        self.last_updated = datetime.now()

    _OpenIdMetadata._refresh = refresh
    MicrosoftAppCredentials.get_access_token = lambda self, force_refresh=False: OUTBOUND_TOKEN


def make_channel_credentials(folder: Path, service_url: str) -> tuple[Path, Path]:
    """A signing key published for msteams, and one channel token for the whole run (as the Bot
    Framework channel sends: RS256, the channel's issuer, our app id, the serviceurl claim)."""
    import jwt
    from botframework.connector.auth import AuthenticationConstants
    from cryptography.hazmat.primitives.asymmetric import rsa
    from jwt.algorithms import RSAAlgorithm

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    published = [{**jwk, "kid": "bench-key", "use": "sig", "endorsements": ["msteams"]}]
    now = int(time.time())
    claims = {
        "iss": AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER,
        "aud": BENCH_APP_ID,
        "serviceurl": service_url,
        "nbf": now - 60,
        "iat": now - 60,
        "exp": now + 3600,
    }
    token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "bench-key"})
    keys_path, token_path = folder / "channel-keys.json", folder / "channel-token.txt"
    keys_path.write_text(json.dumps(published))
    token_path.write_text(token)
    return keys_path, token_path


# --- the load generator process ----------------------------------------------------------------------


def submission(n: int, round_id: str, items: list[str], service_url: str) -> bytes:
    """Person n presses Send on their pulse card: an Action.Submit message, as Teams posts it."""
    value: dict[str, Any] = {"action": "pulse.answer", "round": round_id}
    value.update({f"q_{item}": str(1 + (n + i) % 5) for i, item in enumerate(items)})
    value["comment"] = ""
    activity = {
        "type": "message",
        "id": f"1700000000{n:07d}",
        "timestamp": "2026-11-23T09:00:00.000Z",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": fanout.user_id(n), "name": f"Person {n}", "aadObjectId": f"aad-fan-{n}"},
        "recipient": {"id": "28:trivselsbot", "name": "Trivselsbot"},
        "conversation": {
            "id": f"a:fan-{n}",
            "conversationType": "personal",
            "tenantId": fanout.TENANT,
        },
        "channelData": {"tenant": {"id": fanout.TENANT}, "source": {"name": "message"}},
        "locale": "da-DK",
        "replyToId": f"card-{n}",
        "value": value,
    }
    return json.dumps(activity).encode()


async def generate(args: argparse.Namespace) -> dict[str, Any]:
    import aiohttp

    items = args.items.split(",")
    people = range(args.first, args.first + args.count)
    bodies = [submission(n, args.round, items, args.service_url) for n in people]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    url = f"{args.bot}api/messages"
    headers = {"Content-Type": "application/json"}
    if args.token:
        headers["Authorization"] = f"Bearer {args.token}"
    connector = aiohttp.TCPConnector(limit=args.connections)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def post(body: bytes, due: float) -> None:
            try:
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    status = response.status
            except aiohttp.ClientError:
                status = 0
            latencies.append(time.perf_counter() - due)
            statuses[status] = statuses.get(status, 0) + 1

        started = time.perf_counter()
        if args.rate:  # open loop
            tasks = []
            for i, body in enumerate(bodies):
                due = started + i / args.rate
                wait = due - time.perf_counter()
                if wait > 0:
                    await asyncio.sleep(wait)
                tasks.append(asyncio.create_task(post(body, due)))
            await asyncio.gather(*tasks)
        else:  # closed loop: `clients` posting back to back until the time is up
            queue = iter(bodies)
            deadline = started + args.seconds

            async def client() -> None:
                for body in queue:
                    if time.perf_counter() >= deadline:
                        return
                    await post(body, time.perf_counter())

            await asyncio.gather(*(client() for _ in range(args.clients)))
        elapsed = time.perf_counter() - started
    return {"latencies": latencies, "statuses": statuses, "elapsed": elapsed}


# --- the orchestrator ----------------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    rate: float | None  # None: closed loop
    count: int
    seconds: float = 0.0


@dataclass
class Result:
    pipeline: str
    phase: Phase
    sent: int
    ok: int
    throughput: float
    p50_ms: float
    p99_ms: float
    updates: int
    counted: int
    errors: int  # turns that failed inside the bot (answered 201 with an apology)
    verified: bool
    cpu_ms: float | None = None  # the bot process's CPU time (user + system) per submission


def start(args: list[str], log: Path | None = None) -> subprocess.Popen[bytes]:
    """A child process in its own session; its log (stderr) to `log` or nowhere."""
    stderr = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - the child owns it
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "bench.submissions", *args],
            cwd=ROOT,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    finally:
        if log:
            stderr.close()  # type: ignore[union-attr]


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a process has used so far (Linux's /proc; None elsewhere).

    On a shared machine wall-clock rates move with whatever else runs; the CPU a submission
    costs the bot moves much less, so it is printed beside them."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def failed_turns(log: Path) -> int:
    """Turns that ended in the bot's polite error (e.g. 'database is locked'), from its JSON log."""
    if not log.exists():
        return 0
    return sum('"event": "turn.failed"' in line for line in log.read_text().splitlines())


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process's own group (it was started in a new session), then wait."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


async def wait_http(url: str, seconds: float = 30.0) -> None:
    import aiohttp

    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(url) as response:
                    if response.status < 500:
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not come up")
            await asyncio.sleep(0.1)


async def connector_stats(url: str) -> dict[str, int]:
    import aiohttp

    async with aiohttp.ClientSession() as session:
        async with session.get(f"{url}_stats") as response:
            return dict(await response.json())


def counted(db_path: Path, round_id: str) -> int:
    """Answers committed for the round: round_responses, checked against the staged (sealed)
    answers, one row each, that the close will count."""
    with sqlite3.connect(db_path) as connection:
        row = connection.execute(
            "SELECT responses FROM round_responses WHERE round_id = ?", (round_id,)
        ).fetchone()
        (staged,) = connection.execute(
            "SELECT count(*) FROM staged_answers WHERE round_id = ?", (round_id,)
        ).fetchone()
    responses = int(row[0]) if row else 0
    if int(staged) != responses:
        return -1  # the two disagree: reported as not verified
    return responses


async def seed(db_path: Path, service_url: str, people: int) -> tuple[str, list[str]]:
    from storage.db.engine import create_engine, create_session_factory
    from storage.db.migrate import upgrade
    from storage.question_bank import default_bank
    from storage.rounds.lifecycle import Rounds

    engine = create_engine(f"sqlite+aiosqlite:///{db_path}")
    try:
        await upgrade(engine)
        factory = create_session_factory(engine)
        round_id = await fanout.seed_push(factory, service_url, people, new_every=0)
        info = await Rounds(factory, default_bank(), TEST_SECRET).get(round_id)
        return round_id, list(info.items)
    finally:
        await engine.dispose()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


async def run_pipeline(
    pipeline: str,
    phases: list[Phase],
    db_path: Path,
    round_id: str,
    items: list[str],
    connector_url: str,
    profile: str | None,
    without_write: bool = False,
    loop: str = "uvloop",
    credentials: tuple[Path, Path] | None = None,
) -> list[Result]:
    port = free_port()
    bot_url = f"http://127.0.0.1:{port}/"
    server_args = ["--serve-bot", pipeline, "--db", str(db_path), "--port", str(port)]
    if without_write:
        server_args.append("--without-write")
    server_args += ["--loop", loop]
    if profile:
        server_args += ["--profile-out", profile]
    if credentials:
        server_args += ["--auth-keys", str(credentials[0]), "--login-authority", connector_url]
    log = db_path.with_suffix(".log")
    server = start(server_args, log)
    results = []
    try:
        await wait_http(f"{bot_url}healthz")
        first = 0
        seen_failures = 0
        before = await connector_stats(connector_url)
        counted_before = counted(db_path, round_id)
        saturated_at: float | None = None
        for phase in [Phase("warm-up", None, WARMUP, 2.0), *phases]:
            if phase.rate and saturated_at is not None:
                print(
                    f"{pipeline:<8} {phase.name:<14} skipped: saturated at {saturated_at:g}/s "
                    "offered (a higher rate would only lengthen the queue)",
                    flush=True,
                )
                continue
            load_args = [
                "--generate",
                "--bot",
                bot_url,
                "--service-url",
                connector_url,
                "--round",
                round_id,
                "--items",
                ",".join(items),
                "--first",
                str(first),
                "--count",
                str(phase.count),
            ]
            if credentials:
                load_args += ["--token-file", str(credentials[1])]
            if phase.rate:
                load_args += ["--rate", str(phase.rate)]
            else:
                load_args += ["--seconds", str(phase.seconds), "--clients", str(CLOSED_CLIENTS)]
            cpu_before = cpu_seconds(server.pid)
            output = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", "bench.submissions", *load_args],
                cwd=ROOT,
                capture_output=True,
                check=True,
            )
            cpu_after = cpu_seconds(server.pid)
            report = json.loads(output.stdout)
            latencies = report["latencies"]
            ok = report["statuses"].get("201", 0)
            first += phase.count
            stats = await connector_stats(connector_url)
            updates = stats["thanks"] - before["thanks"]
            others = stats["other"] - before["other"]
            others += stats["unauthorized"] - before["unauthorized"]
            in_db = counted(db_path, round_id)
            added = in_db - counted_before
            failures = failed_turns(log)
            errors, seen_failures = failures - seen_failures, failures
            # Per phase: every POST 201, one thanks update each, no other message (an apology
            # would be one), and the round's counters grew by exactly the submissions.
            verified = ok == len(latencies) and updates == ok and others == 0 and added == ok
            before, counted_before = stats, in_db
            result = Result(
                pipeline,
                phase,
                len(latencies),
                ok,
                # answers committed per second (the diagnostic without the write: answered ones)
                (ok if without_write else added) / report["elapsed"],
                statistics.median(latencies) * 1000 if latencies else 0.0,
                percentile(latencies, 0.99) * 1000,
                updates,
                added,
                errors,
                verified,
                1000 * (cpu_after - cpu_before) / ok
                if cpu_before is not None and cpu_after is not None and ok
                else None,
            )
            if phase.name != "warm-up":
                results.append(result)
                print_row(result)
            if phase.rate and result.throughput < SATURATED * phase.rate:
                saturated_at = phase.rate
    finally:
        stop(server)
    return results


HEADER = (
    f"{'pipeline':<8} {'phase':<14} {'sent':>6} {'201':>6} {'subm/s':>8} "
    f"{'p50 ms':>8} {'p99 ms':>8} {'updates':>8} {'in DB':>7} {'failed':>6} {'checked':>8}"
    f" {'CPU ms':>7}"
)


def print_row(r: Result) -> None:
    print(
        f"{r.pipeline:<8} {r.phase.name:<14} {r.sent:>6} {r.ok:>6} {r.throughput:>8.0f} "
        f"{r.p50_ms:>8.1f} {r.p99_ms:>8.1f} {r.updates:>8} {r.counted:>7} {r.errors:>6} "
        f"{'ok' if r.verified else 'MISMATCH':>8}"
        f" {'' if r.cpu_ms is None else f'{r.cpu_ms:.3f}':>7}",
        flush=True,
    )


def phases_for(rates: tuple[int, ...], seconds: float, closed_count: int) -> list[Phase]:
    phases = [Phase(f"open {rate}/s", rate, int(rate * seconds)) for rate in rates]
    phases.append(Phase(f"closed x{CLOSED_CLIENTS}", None, closed_count, CLOSED_SECONDS))
    return phases


def print_profile(pipeline: str, path: str) -> None:
    print(f"\nProfile of the {pipeline} bot's main thread (pyinstrument, all phases):")
    print(Path(path).read_text())


def print_timings(pipeline: str, db_path: Path) -> None:
    path = Path(str(db_path) + ".timings.json")
    if not path.exists():
        return
    t = json.loads(path.read_text())
    if t["requests"] and t["request_s"]:
        print(
            f"{pipeline}: the answer write (counters committed) took {t['write_s']:.1f} s of "
            f"{t['request_s']:.1f} s spent in requests ({100 * t['write_s'] / t['request_s']:.0f}%"
            f" of request wall time; mean {1000 * t['write_s'] / max(t['writes'], 1):.2f} ms per "
            f"write, {1000 * t['request_s'] / t['requests']:.2f} ms per request)",
            flush=True,
        )


async def orchestrate(args: argparse.Namespace) -> None:
    seconds = 2.0 if args.quick else PHASE_SECONDS
    global CLOSED_SECONDS, CLOSED_CLIENTS
    CLOSED_CLIENTS = args.closed_clients
    if args.quick:
        CLOSED_SECONDS = 3.0
    rates = tuple(int(r) for r in args.rates.split(",")) if args.rates else OPEN_RATES
    fast_phases = phases_for(rates, seconds, 12_000 if args.quick else 25_000)
    stock_phases = phases_for(STOCK_OPEN_RATES, seconds, 3_000)
    people = WARMUP + max(sum(p.count for p in fast_phases), sum(p.count for p in stock_phases))
    connector_port = free_port()
    connector_url = f"http://127.0.0.1:{connector_port}/"
    connector_args = ["--serve-connector", "--port", str(connector_port)]
    if not args.no_auth:
        connector_args.append("--expect-token")
    connector = start(connector_args)
    folder = Path(tempfile.mkdtemp(prefix="bench-submissions-"))
    try:
        await wait_http(f"{connector_url}_stats")
        credentials = None if args.no_auth else make_channel_credentials(folder, connector_url)
        print(f"Seeding {people} people and an open round (SQLite, WAL) ...", flush=True)
        seeded = folder / "seed.db"
        round_id, items = await seed(seeded, connector_url, people)
        print(
            f"Each submission: POST /api/messages (Action.Submit, {len(items)} answers) -> "
            "counters committed -> thanks card update_activity to the mock connector.\n"
            f"Open loop: {seconds:g} s per offered rate; closed loop: {CLOSED_CLIENTS} clients for "
            f"{CLOSED_SECONDS:g} s. Latency from when each request was due to its 201.\n"
            f"Event loop of both bots: {args.loop}. Authentication: "
            + (
                "dev mode (no app id, no token)."
                if args.no_auth
                else "as in production (app id; the channel's RS256 token on every POST)."
            )
            + " The machine is shared: figures are noisy.\n",
            flush=True,
        )
        print(HEADER, flush=True)
        results: dict[str, list[Result]] = {}
        for pipeline, phases in (
            ("fast", fast_phases),
            ("stock", stock_phases),
            ("stock-asis", stock_phases),
        ):
            if args.only and pipeline != args.only:
                continue
            db_path = folder / f"{pipeline}.db"
            shutil.copy(seeded, db_path)
            profile = str(folder / f"{pipeline}.profile.txt") if args.profile == pipeline else None
            results[pipeline] = await run_pipeline(
                pipeline,
                phases,
                db_path,
                round_id,
                items,
                connector_url,
                profile,
                args.without_write,
                args.loop,
                credentials,
            )
            print_timings(pipeline, db_path)
            if profile:
                print_profile(pipeline, profile)
        summarize(results)
    finally:
        stop(connector)
        shutil.rmtree(folder, ignore_errors=True)


def summarize(results: dict[str, list[Result]]) -> None:
    """The ratio compares each pipeline's best committed rate in this run (any phase)."""
    fast, stock = results.get("fast", []), results.get("stock", [])
    print()
    for name in ("stock", "stock-asis"):
        baseline = results.get(name, [])
        if fast and baseline:
            best_fast = max(r.throughput for r in fast)
            best_stock = max(r.throughput for r in baseline)
            print(
                f"Best throughput: fast {best_fast:.0f}/s, {name} {best_stock:.0f}/s: "
                f"ratio {best_fast / best_stock:.1f}x (target >= 20x)"
            )
    closed = {
        name: next((r.cpu_ms for r in rs if r.phase.rate is None and r.cpu_ms), None)
        for name, rs in results.items()
    }
    if closed.get("fast"):
        for name in ("stock", "stock-asis"):
            if closed.get(name):
                print(
                    f"Bot CPU per submission (closed loop): fast {closed['fast']:.3f} ms, {name} "
                    f"{closed[name]:.3f} ms: ratio {closed[name] / closed['fast']:.1f}x"
                )
    if fast and stock:
        for a, b in zip(fast, stock, strict=False):
            if a.phase.name == b.phase.name and a.phase.rate:
                print(
                    f"At {a.phase.name} offered: p99 fast {a.p99_ms:.1f} ms, stock "
                    f"{b.p99_ms:.1f} ms; throughput ratio {a.throughput / b.throughput:.1f}x"
                )
    if fast:
        best = max(r.throughput for r in fast)
        at300 = next((r for r in fast if r.phase.rate == 300), None)
        print(f"Fast pipeline: best {best:.0f} submissions/s committed (target >= 1500)")
        if at300:
            print(f"Fast pipeline: p99 at 300/s offered {at300.p99_ms:.1f} ms (target < 50 ms)")
    everything = [r for rs in results.values() for r in rs]
    print("All phases verified" if all(r.verified for r in everything) else "SOME PHASES FAILED")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="short phases (a smoke test)")
    parser.add_argument("--only", choices=["fast", "stock", "stock-asis"], help="run one pipeline")
    parser.add_argument(
        "--profile", choices=["fast", "stock", "stock-asis"], help="pyinstrument that bot"
    )
    parser.add_argument("--rates", help="offered rates for the fast pipeline, e.g. 100,300")
    parser.add_argument(
        "--without-write",
        action="store_true",
        help="diagnostic: skip the answer write in the bot (the DB check then fails by design)",
    )
    parser.add_argument(
        "--loop", choices=["uvloop", "asyncio"], default="uvloop", help="the bots' event loop"
    )
    parser.add_argument("--closed-clients", type=int, default=CLOSED_CLIENTS, help="closed loop")
    parser.add_argument(
        "--no-auth",
        action="store_true",
        help="dev mode: no app id and no token (how this bench ran before; not production's path)",
    )
    # internal: the child processes
    parser.add_argument("--serve-connector", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--serve-bot", choices=["fast", "stock", "stock-asis"], help=argparse.SUPPRESS
    )
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--expect-token", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--auth-keys", help=argparse.SUPPRESS)
    parser.add_argument("--login-authority", help=argparse.SUPPRESS)
    parser.add_argument("--token-file", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--profile-out", help=argparse.SUPPRESS)
    parser.add_argument("--bot", help=argparse.SUPPRESS)
    parser.add_argument("--service-url", help=argparse.SUPPRESS)
    parser.add_argument("--round", help=argparse.SUPPRESS)
    parser.add_argument("--items", help=argparse.SUPPRESS)
    parser.add_argument("--first", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--rate", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, default=10.0, help=argparse.SUPPRESS)
    parser.add_argument("--clients", type=int, default=CLOSED_CLIENTS, help=argparse.SUPPRESS)
    parser.add_argument("--connections", type=int, default=256, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_connector or args.generate:
        # The mock connector and the load generator share the machine's cores with the bot under
        # test; on uvloop they take less of them. Both pipelines meet the same two processes.
        from bot.process.event_loop import use_fast_event_loop

        use_fast_event_loop()
    if args.serve_connector:
        serve_connector(args.port, args.expect_token)
    elif args.serve_bot:
        serve_bot(
            args.serve_bot,
            args.db,
            args.port,
            args.profile_out,
            args.without_write,
            args.loop,
            args.auth_keys,
            args.login_authority,
        )
    elif args.generate:
        args.token = Path(args.token_file).read_text() if args.token_file else None
        report = asyncio.run(generate(args))
        json.dump(report, sys.stdout)
    else:
        # Ctrl-C or SIGTERM: unwind, so the bot and connector processes are stopped in `finally`.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        asyncio.run(orchestrate(args))


if __name__ == "__main__":
    main()
