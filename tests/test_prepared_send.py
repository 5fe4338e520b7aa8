"""A push's pre-encoded body is what the connector client would send for the addressed activity.

The outbox worker encodes a card once per item and language and splices each person's address in
front (bot/connector/prepared_send.py); the reference is the SDK's own serialization of what an addressed
activity carries, so the two must agree to the last key, and the request must fail as the
connector client's does.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from botbuilder.core import MessageFactory
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationReference,
    ErrorResponseException,
)

from bot.connector.activity_json import activity_body, msrest_body, reference_body
from bot.connector.client import ConnectorClients
from bot.connector.prepared_send import PreparedActivity
from bot.connector.proactive import (
    ProactiveSender,
    addressed,
    reference_from_json,
    reference_to_json,
)
from bot.teams.adapter import create_adapter
from dialogs.cards.common import card_activity
from dialogs.cards.pulse import thanks_card
from tests.conftest import make_settings
from tests.support import fanout
from tests.support.throttling_connector import ThrottlingConnector

ACTIVITIES = [
    card_activity(thanks_card("da")),
    MessageFactory.text("hej æøå"),
    Activity(type="message"),
]


@pytest.mark.parametrize("activity", ACTIVITIES, ids=["card", "text", "bare"])
def test_the_spliced_body_equals_the_addressed_activitys_body(activity: Activity) -> None:
    prepared = PreparedActivity(activity)
    stored = fanout.reference_json(7, "https://smba.example/emea/")
    expected = activity_body(addressed(activity, reference_from_json(stored)))
    assert json.loads(prepared.body_for(json.loads(stored))) == expected
    assert expected == msrest_body(addressed(activity, reference_from_json(stored)), "Activity")


@pytest.fixture
async def clients(tmp_path: Path) -> AsyncIterator[ConnectorClients]:
    connectors = create_adapter(make_settings(tmp_path / "unused.db")).connectors
    yield connectors
    await connectors.close()


async def test_a_prepared_send_reaches_the_conversation_and_fails_as_the_client_does(
    clients: ConnectorClients,
) -> None:
    connector = await ThrottlingConnector(tenant_rate=None).start()
    try:
        sender = ProactiveSender(clients, "", 5.0)
        created = await sender.create_personal(connector.url, fanout.TENANT, "29:new;x")
        reference = json.loads(reference_to_json(created))
        await sender.send_prepared(reference, PreparedActivity(card_activity(thanks_card("en"))))
        assert connector.delivered[created.conversation.id] == 1
        connector.permanent[created.conversation.id] = (403, "MessageWritesBlocked")
        with pytest.raises(ErrorResponseException) as raised:
            await sender.send_prepared(reference, PreparedActivity(MessageFactory.text("x")))
        assert raised.value.response.status_code == 403
        assert raised.value.error.error.code == "MessageWritesBlocked"
    finally:
        await connector.stop()


@pytest.mark.parametrize("tenant", ["tenant-1", None])
@pytest.mark.parametrize("bot_id", ["28:app-id", None])
def test_a_created_chats_reference_is_stored_as_msrest_would_store_it(
    tenant: str | None, bot_id: str | None
) -> None:
    """The worker stores each 1:1 chat it creates without msrest's serializer; what it stores
    must be what `ConversationReference.serialize()` gives, key for key."""
    created = ConversationReference(
        channel_id="msteams",
        service_url="https://smba.trafficmanager.net/emea/",
        conversation=ConversationAccount(
            id="a:1xyz", tenant_id=tenant, conversation_type="personal", is_group=False
        ),
        bot=ChannelAccount(id=bot_id),
        user=ChannelAccount(id="29:user"),
    )
    assert reference_body(created) == created.serialize()
    assert (
        reference_from_json(json.dumps(reference_body(created))).serialize() == created.serialize()
    )
