"""(e) The Playground's (undocumented) API, as its web UI uses it: send, submit, wait for what arrives."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp

from tests.e2e.harness.common import ADAPTIVE_CARD, HarnessError
from tests.e2e.harness.tenant import PlaygroundConfig

if TYPE_CHECKING:  # the Playground makes its clients; a client only follows it
    from tests.e2e.harness.playground import Playground


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
            # A connection per request: the Playground (Node) closes an idle keep-alive connection
            # after 5 s, and a request sent on it just then fails with "Server disconnected" (seen
            # when a test ran the CLI between two messages on a loaded machine).
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=30),
                connector=aiohttp.TCPConnector(force_close=True),
            )
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
