"""Proactive calls to the Bot Connector: send, create a 1:1 chat, update a card.

The SDK's `continue_conversation` builds a new connector client, token client and HTTP session
for every message (about 100 messages/s here) and its HTTP layer retries 5xx and 429 on its own,
hidden from us and blind to our rate limits and to Retry-After. This module keeps one connector
client per service URL, made by the SDK's own factory (so authentication is the SDK's), with
connection reuse, a timeout on every request and the SDK's retries switched off: every retry is
the outbox worker's decision, made once, with the status code in hand.
"""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)
from urllib3 import Retry

log = logging.getLogger(__name__)

NO_RETRIES = Retry(
    total=0,
    connect=0,
    read=0,
    redirect=0,
    status=0,
    status_forcelist=[],
    raise_on_status=False,
    respect_retry_after_header=False,
)


def _switch_off_retries(policy: Retry) -> None:
    """Turn the SDK's urllib3 Retry off *in place*.

    msrest hands this very object to the HTTP session when the client is created, so assigning a
    new Retry to the configuration afterwards changed nothing: refused connections were still
    retried three times with a 0.8 s backoff inside one send (found by tests/test_faults.py),
    hidden from the outbox's own backoff and its attempt count."""
    for name in ("total", "connect", "read", "redirect", "status", "other"):
        if hasattr(policy, name):
            setattr(policy, name, getattr(NO_RETRIES, name))
    policy.status_forcelist = NO_RETRIES.status_forcelist
    policy.raise_on_status = NO_RETRIES.raise_on_status
    policy.respect_retry_after_header = NO_RETRIES.respect_retry_after_header


def reference_from_json(reference_json: str) -> ConversationReference:
    return ConversationReference().deserialize(json.loads(reference_json))


def reference_to_json(reference: ConversationReference) -> str:
    return json.dumps(reference.serialize())


def addressed(activity: Activity, reference: ConversationReference) -> Activity:
    """A copy of `activity` addressed to the conversation; the original (maybe shared) is untouched."""
    outgoing = copy.copy(activity)
    outgoing.channel_id = reference.channel_id
    outgoing.service_url = reference.service_url
    outgoing.conversation = reference.conversation
    outgoing.from_property = reference.bot
    outgoing.recipient = reference.user
    outgoing.reply_to_id = None
    return outgoing


class ProactiveSender:
    def __init__(self, adapter: CloudAdapter, app_id: str, timeout_seconds: float) -> None:
        self._adapter = adapter
        self._app_id = app_id
        self._timeout = timeout_seconds
        self._clients: dict[str, Any] = {}

    async def _client(self, service_url: str) -> Any:
        client = self._clients.get(service_url)
        if client is None:
            claims = self._adapter.create_claims_identity(self._app_id)
            factory = self._adapter.bot_framework_authentication.create_connector_factory(claims)
            client = await factory.create(service_url, None)
            client.config.keep_alive = True
            client.config.connection.timeout = self._timeout
            _switch_off_retries(client.config.retry_policy.policy)
            self._clients[service_url] = client
        return client

    async def send(self, reference: ConversationReference, activity: Activity) -> str | None:
        """Post `activity` at the end of the conversation; the new activity's id."""
        client = await self._client(reference.service_url)
        response = await client.conversations.send_to_conversation(
            reference.conversation.id, addressed(activity, reference)
        )
        return getattr(response, "id", None)

    async def update(
        self, reference: ConversationReference, activity_id: str, activity: Activity
    ) -> None:
        """Replace a message the bot sent earlier (the HR status card)."""
        outgoing = addressed(activity, reference)
        outgoing.id = activity_id
        client = await self._client(reference.service_url)
        await client.conversations.update_activity(reference.conversation.id, activity_id, outgoing)

    async def create_personal(
        self, service_url: str, tenant_id: str | None, user_id: str
    ) -> ConversationReference:
        """Open (or find: Teams answers with the same id again) the bot's 1:1 chat with a person."""
        bot = ChannelAccount(id=f"28:{self._app_id}" if self._app_id else None)
        parameters = ConversationParameters(
            is_group=False,
            bot=bot,
            members=[ChannelAccount(id=user_id)],
            tenant_id=tenant_id,
            channel_data={"tenant": {"id": tenant_id}} if tenant_id else None,
        )
        client = await self._client(service_url)
        result = await client.conversations.create_conversation(parameters)
        return ConversationReference(
            channel_id="msteams",
            service_url=getattr(result, "service_url", None) or service_url,
            conversation=ConversationAccount(
                id=result.id, tenant_id=tenant_id, conversation_type="personal", is_group=False
            ),
            bot=bot,
            user=ChannelAccount(id=user_id),
        )

    async def close(self) -> None:
        """Close the pooled connections (at shutdown; closing is best effort)."""
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            try:
                await client.__aexit__(None, None, None)
            except Exception as error:
                log.debug("proactive.close_failed", extra={"error": type(error).__name__})
