"""Proactive calls to the Bot Connector: send, create a 1:1 chat, update a card.

The SDK's `continue_conversation` builds a new connector client, token client and HTTP session
for every message, and its HTTP layer retries 5xx and 429 on its own, hidden from us and blind to
our rate limits and to Retry-After. This module sends through the app's connector clients
(bot/connector/client.py): one pooled aiohttp session, one client per service URL, the cached
bot token, a timeout on every request and no retries: every retry is the outbox worker's
decision, made once, with the status code in hand.
"""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)

from bot.connector.client import ConnectorClients, FastConnectorClient
from bot.connector.prepared_send import PreparedActivity, activities_url, post_bytes

log = logging.getLogger(__name__)


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
    def __init__(self, connectors: ConnectorClients, app_id: str, timeout_seconds: float) -> None:
        self._connectors = connectors
        self._app_id = app_id
        self._timeout = timeout_seconds

    async def _client(self, service_url: str) -> FastConnectorClient:
        return await self._connectors.client(service_url)

    async def send(self, reference: ConversationReference, activity: Activity) -> str | None:
        """Post `activity` at the end of the conversation; the new activity's id."""
        client = await self._client(reference.service_url)
        response = await client.conversations.send_to_conversation(
            reference.conversation.id, addressed(activity, reference), timeout=self._timeout
        )
        return getattr(response, "id", None)

    async def send_prepared(self, reference: dict[str, Any], prepared: PreparedActivity) -> None:
        """`send` for a push: the stored reference as parsed JSON, the activity encoded once for
        every recipient (bot/connector/prepared_send.py); same request, same failures, no answer read."""
        conversation = reference.get("conversation") or {}
        url = activities_url(str(reference.get("serviceUrl") or ""), str(conversation.get("id")))
        await post_bytes(self._connectors, url, prepared.body_for(reference), self._timeout)

    async def update(
        self, reference: ConversationReference, activity_id: str, activity: Activity
    ) -> None:
        """Replace a message the bot sent earlier (the HR status card)."""
        outgoing = addressed(activity, reference)
        outgoing.id = activity_id
        client = await self._client(reference.service_url)
        await client.conversations.update_activity(
            reference.conversation.id, activity_id, outgoing, timeout=self._timeout
        )

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
        result = await client.conversations.create_conversation(parameters, timeout=self._timeout)
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
        """The connections belong to the app's ConnectorClients, closed where they are opened."""
