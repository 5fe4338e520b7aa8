"""HTTP/1.1 for the Bot Connector's small JSON requests: kept-alive connections, nothing else.

aiohttp's client request was about a quarter of the event loop's time per card submission (the
card update): a ClientRequest and ClientResponse with their header multidicts, payload registry,
stream reader, timer and trace hooks, for a body of a few hundred bytes and an answer of
`{"id": ...}`. This sends one prebuilt byte string (request line, headers, body) on a connection
kept alive per origin and reads the answer in the protocol's `data_received`: one future per
request, one timer handle, no tasks.

What it does, as aiohttp did for these requests: HTTP/1.1 with keep-alive (idle connections
closed after KEEPALIVE_SECONDS, as aiohttp's connector does, and dropped at once when the server
closes them or answers `Connection: close`), TLS with the system's default context, at most
`limit` connections open at a time (callers wait for one), a total timeout per request over
connecting, sending and reading, answers with Content-Length, chunked or read to the close,
gzip and deflate decoded. An idempotent request (PUT, DELETE) whose connection dropped is sent
once more on a new connection, as aiohttp does; a POST never is. No redirects, proxies, cookies
or 100-continue: the Bot Connector uses none of them.

Failures are `HttpTransportError` with aiohttp's reasons as bot/connector/client.py names them,
and whether the request may have arrived: one that never got a connection cannot have.
"""

from __future__ import annotations

import asyncio
import errno
import ssl
import zlib
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from yarl import URL

KEEPALIVE_SECONDS = 15.0  # aiohttp's connector default: idle connections closed after this
MAX_HEAD_BYTES = 64 * 1024
MAX_BODY_BYTES = 16 * 1024 * 1024
IDEMPOTENT = frozenset({"PUT", "DELETE", "GET", "HEAD", "OPTIONS"})
_NO_BODY_STATUS = frozenset({204, 304})


class Headers(Mapping[str, str]):
    """An answer's headers by case-insensitive name; a repeated header's values joined by ", "
    (RFC 9110's reading of a list-valued field)."""

    __slots__ = ("_values",)

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        values: dict[str, str] = {}
        for name, value in pairs:
            key = name.lower()
            values[key] = f"{values[key]}, {value}" if key in values else value
        self._values = values

    def __getitem__(self, name: str) -> str:
        return self._values[name.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Headers({self._values!r})"


class HttpTransportError(Exception):
    """No complete HTTP answer. `reason` as ConnectorTransportError states it; `maybe_arrived`
    False only when no byte of the request can have reached the server."""

    def __init__(self, reason: str, maybe_arrived: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.maybe_arrived = maybe_arrived


@dataclass(frozen=True, slots=True)
class Origin:
    """Where requests for one scheme, host and port go, and the Host header they carry."""

    scheme: str
    host: str
    port: int
    host_header: bytes

    @property
    def tls(self) -> bool:
        return self.scheme == "https"


@dataclass(slots=True)
class LeanResponse:
    status: int
    reason: str
    headers: Headers
    body: bytes


def split_url(url: str) -> tuple[str, str]:
    """`https://host:port/a/b?c` -> (`https://host:port`, `/a/b?c`); the path as given (encoded)."""
    scheme_end = url.find("://")
    if scheme_end < 0:
        return url, "/"  # origin_of refuses it
    path_start = url.find("/", scheme_end + 3)
    if path_start < 0:
        return url, "/"
    return url[:path_start], url[path_start:]


def origin_of(prefix: str) -> Origin:
    """Scheme, host and port of `scheme://netloc` (yarl's reading of it, as aiohttp's)."""
    url = URL(prefix, encoded=True)
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError("only absolute http(s) URLs")
    port = url.port or (443 if url.scheme == "https" else 80)
    host = url.raw_host or url.host
    shown = f"[{host}]" if ":" in host else host
    default = url.is_default_port()
    host_header = shown if default else f"{shown}:{port}"
    return Origin(url.scheme, host, port, host_header.encode("ascii"))


class _Dropped(Exception):
    """The connection closed before the whole answer arrived."""


class _TimedOut(Exception):
    """The request's deadline passed before the whole answer arrived."""


class _Connection(asyncio.Protocol):
    """One kept-alive connection; `request` writes the bytes and waits for the parsed answer."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self._buffer = bytearray()
        self._waiter: asyncio.Future[tuple[int, str, Headers, bytes, bool]] | None = None
        self._head: tuple[int, str, Headers, int] | None = None  # ..., body start
        self._no_body = False

    # --- asyncio.Protocol ------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        if self._waiter is None:  # bytes nobody asked for: the connection is not reusable
            self.close()
            return
        self._buffer += data
        try:
            answer = self._parse(eof=False)
        except ValueError as error:
            self._fail(_Dropped(str(error)))
            self.close()
            return
        if answer is not None:
            self._finish(answer)

    def eof_received(self) -> bool | None:
        if self._waiter is not None:
            try:
                answer = self._parse(eof=True)
            except ValueError as error:
                self._fail(_Dropped(str(error)))
                answer = None
            if answer is not None:
                self._finish((*answer[:4], False))
            else:
                self._fail(_Dropped("eof"))
        self.closed = True
        return False  # let the transport close

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.transport = None
        self._fail(_Dropped(str(exc or "closed")))

    # --- the request ----------------------------------------------------------------------
    def send(
        self, data: bytes, no_body: bool
    ) -> asyncio.Future[tuple[int, str, Headers, bytes, bool]]:
        if self.transport is None or self.closed or self._waiter is not None:
            failed = self._loop.create_future()
            failed.set_exception(_Dropped("connection not usable"))
            return failed
        self._buffer.clear()
        self._head = None
        self._no_body = no_body
        self._waiter = self._loop.create_future()
        self.transport.write(data)
        return self._waiter

    def time_out(self) -> None:
        self._fail(_TimedOut())

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        self.closed = True
        self._waiter = None
        if self.transport is not None:
            self.transport.abort()

    def _fail(self, error: Exception) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)

    def _finish(self, answer: tuple[int, str, Headers, bytes, bool]) -> None:
        waiter, self._waiter = self._waiter, None
        self._buffer.clear()
        if waiter is not None and not waiter.done():
            waiter.set_result(answer)

    def _parse(self, eof: bool) -> tuple[int, str, Headers, bytes, bool] | None:
        """The whole answer once it is in the buffer (None until then); ValueError if malformed."""
        buffer = self._buffer
        while self._head is None:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > MAX_HEAD_BYTES:
                    raise ValueError("response head too large")
                return None
            head = _parse_head(bytes(buffer[:end]))
            if 100 <= head[0] < 200:  # an interim answer (100 Continue): the real one follows
                del buffer[: end + 4]
                continue
            self._head = (*head, end + 4)
        status, reason, headers, start = self._head
        keep_alive = "close" not in headers.get("Connection", "").lower()
        if self._no_body or status in _NO_BODY_STATUS:
            return status, reason, headers, b"", keep_alive and len(buffer) == start
        if "chunked" in headers.get("Transfer-Encoding", "").lower():
            body = _dechunk(buffer, start)
            if body is None:
                return None
            raw, rest = body
            return status, reason, headers, _decoded(raw, headers), keep_alive and rest == 0
        length = headers.get("Content-Length")
        if length is not None:
            try:
                size = int(length)
            except ValueError:
                raise ValueError("bad Content-Length") from None
            if size < 0 or size > MAX_BODY_BYTES:
                raise ValueError("bad Content-Length")
            if len(buffer) - start < size:
                return None
            raw = bytes(buffer[start : start + size])
            extra = len(buffer) - start - size
            return status, reason, headers, _decoded(raw, headers), keep_alive and extra == 0
        if len(buffer) - start > MAX_BODY_BYTES:
            raise ValueError("response too large")
        if not eof:  # no length: the body ends with the connection
            return None
        return status, reason, headers, _decoded(bytes(buffer[start:]), headers), False


def _parse_head(head: bytes) -> tuple[int, str, Headers]:
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise ValueError("not an HTTP/1.x status line")
    pairs = []
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep or not name or name != name.strip():
            raise ValueError("bad header line")
        pairs.append((name.decode("latin-1"), value.strip().decode("latin-1")))
    reason = parts[2].decode("latin-1") if len(parts) > 2 else ""
    return int(parts[1]), reason, Headers(pairs)


def _dechunk(buffer: bytearray, start: int) -> tuple[bytes, int] | None:
    """The chunked body from `start` if complete, and how many bytes follow it."""
    out = bytearray()
    at = start
    while True:
        line_end = buffer.find(b"\r\n", at)
        if line_end < 0:
            return None
        size_text = bytes(buffer[at:line_end]).split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise ValueError("bad chunk size") from None
        at = line_end + 2
        if size == 0:
            trailer_end = buffer.find(b"\r\n", at)  # trailers (rare) end with an empty line
            while trailer_end >= 0 and trailer_end != at:
                at = trailer_end + 2
                trailer_end = buffer.find(b"\r\n", at)
            if trailer_end < 0:
                return None
            return bytes(out), len(buffer) - (trailer_end + 2)
        if len(buffer) < at + size + 2:
            return None
        out += buffer[at : at + size]
        if len(out) > MAX_BODY_BYTES:
            raise ValueError("response too large")
        at += size + 2


def _decoded(raw: bytes, headers: Headers) -> bytes:
    encoding = headers.get("Content-Encoding", "").lower().strip()
    if not encoding or encoding == "identity" or not raw:
        return raw
    try:
        if encoding == "gzip":
            return zlib.decompress(raw, 16 + zlib.MAX_WBITS)
        if encoding == "deflate":
            try:
                return zlib.decompress(raw)
            except zlib.error:
                return zlib.decompress(raw, -zlib.MAX_WBITS)  # raw deflate, as some servers send
    except zlib.error:
        raise ValueError("bad compressed body") from None
    raise ValueError(f"unsupported Content-Encoding {encoding}")


class LeanHttp:
    """The pool: idle connections per origin, at most `limit` open in all."""

    def __init__(self, limit: int = 100, keepalive_seconds: float = KEEPALIVE_SECONDS) -> None:
        self._limit = limit
        self._keepalive = keepalive_seconds
        self._idle: dict[Origin, deque[_Connection]] = {}
        self._open = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._all: set[_Connection] = set()
        self._ssl: ssl.SSLContext | None = None
        self.connections_made = 0  # for tests and diagnostics

    async def request(
        self, method: str, origin: Origin, data: bytes, timeout_seconds: float
    ) -> LeanResponse:
        """Send `data` (request line, headers and body, ready) and read the answer."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_seconds
        retry = method in IDEMPOTENT
        while True:
            connection = self._idle_connection(loop, origin)
            if connection is None:
                try:
                    async with asyncio.timeout_at(deadline):
                        connection = await self._acquire(loop, origin)
                except TimeoutError:
                    raise HttpTransportError("connect timeout", False) from None
            try:
                waiter = connection.send(data, method == "HEAD")
                timer = loop.call_at(deadline, connection.time_out)
                try:
                    status, reason, headers, body, keep_alive = await waiter
                finally:
                    timer.cancel()
            except _TimedOut:
                connection.abort()
                self._discard(connection)
                raise HttpTransportError("timeout", True) from None
            except _Dropped:
                connection.abort()
                self._discard(connection)
                if retry:
                    retry = False
                    continue
                raise HttpTransportError("connection dropped", True) from None
            except BaseException:  # cancelled: the answer may still come, on no one's behalf
                connection.abort()
                self._discard(connection)
                raise
            if keep_alive and not connection.closed:
                self._release(loop, origin, connection)
            else:
                connection.close()
                self._discard(connection)
            return LeanResponse(status, reason, headers, body)

    def _idle_connection(
        self, loop: asyncio.AbstractEventLoop, origin: Origin
    ) -> _Connection | None:
        """The most recently used idle connection to `origin` that is still good, if any."""
        idle = self._idle.get(origin)
        if not idle:
            return None
        now = loop.time()
        while idle:
            connection = idle.pop()  # the most recently used: the likeliest still open
            if connection.closed or now - connection.idle_since > self._keepalive:
                connection.close()
                self._discard(connection)
                continue
            return connection
        return None

    def _evict_idle(self) -> bool:
        """At the limit, with idle connections to other origins: close the oldest of them."""
        oldest: deque[_Connection] | None = None
        for queue in self._idle.values():
            if queue and (oldest is None or queue[0].idle_since < oldest[0].idle_since):
                oldest = queue
        if oldest is None:
            return False
        connection = oldest.popleft()
        connection.close()
        self._discard(connection)
        return True

    async def _acquire(self, loop: asyncio.AbstractEventLoop, origin: Origin) -> _Connection:
        """An idle connection to `origin`, else a new one once fewer than `limit` are open."""
        while self._open >= self._limit:
            if self._evict_idle():
                continue
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
                elif waiter.done() and not waiter.cancelled():
                    self._wake()  # it was woken for a slot it will not use: pass it on
                raise
            connection = self._idle_connection(loop, origin)
            if connection is not None:
                return connection
        self._open += 1
        try:
            return await self._connect(loop, origin)
        except BaseException:
            self._open -= 1
            self._wake()
            raise

    async def _connect(self, loop: asyncio.AbstractEventLoop, origin: Origin) -> _Connection:
        context = None
        if origin.tls:
            if self._ssl is None:
                self._ssl = ssl.create_default_context()
            context = self._ssl
        try:
            _, protocol = await loop.create_connection(
                lambda: _Connection(loop),
                origin.host,
                origin.port,
                ssl=context,
                server_hostname=origin.host if context else None,
            )
        except ConnectionRefusedError:
            raise HttpTransportError("connection refused", False) from None
        except OSError as error:
            refused = error.errno == errno.ECONNREFUSED
            reason = "connection refused" if refused else "cannot connect"
            raise HttpTransportError(reason, False) from None
        self.connections_made += 1
        self._all.add(protocol)
        return protocol

    def _release(
        self, loop: asyncio.AbstractEventLoop, origin: Origin, connection: _Connection
    ) -> None:
        connection.idle_since = loop.time()
        self._idle.setdefault(origin, deque()).append(connection)
        self._wake()

    def _discard(self, connection: _Connection) -> None:
        if connection in self._all:
            self._all.discard(connection)
            self._open -= 1
            self._wake()

    def _wake(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def close(self) -> None:
        for connection in list(self._all):
            connection.close()
        self._all.clear()
        self._idle.clear()
        self._open = 0
        await asyncio.sleep(0)  # let the transports run their close callbacks

    def stats(self) -> dict[str, Any]:
        return {
            "open": self._open,
            "idle": sum(len(q) for q in self._idle.values()),
            "made": self.connections_made,
        }
