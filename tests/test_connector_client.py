"""The app's connector client against the mock connector, and its token cache against a mock Entra ID.

What the SDK's msrest client would send is the reference: the same URLs, the same JSON bodies, the
same exception types with the same fields (status, Retry-After, Teams' error code) for the outbox
worker to classify.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from botbuilder.core import MessageFactory, TurnContext
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ErrorResponseException,
)
from msrest.exceptions import ClientRequestError

from bot.connector.activity_json import (
    activity_body,
    conversation_parameters_body,
    msrest_body,
    parse_activity,
)
from bot.connector.client import ConnectorClients, ConnectorTransportError
from bot.connector.tokens import (
    ClientCredentialTokens,
    NoToken,
    SdkCredentialTokens,
    TokenUnavailable,
)
from bot.delivery.failure_policy import error_code, retry_after, transport_failure
from bot.teams.adapter import create_adapter
from dialogs.cards.common import card_activity
from dialogs.cards.pulse import thanks_card
from tests.conftest import make_settings
from tests.support import activities as A
from tests.support.mock_connector import MockConnector, free_port
from tests.support.mock_token import MockTokenEndpoint
from tests.support.throttling_connector import ThrottlingConnector

CONVERSATION = "a:personal-29:user-1;messageid=1"  # ':' and ';' must be quoted as msrest does


@pytest.fixture
async def clients(tmp_path: Path) -> AsyncIterator[ConnectorClients]:
    connectors = create_adapter(make_settings(tmp_path / "unused.db")).connectors
    yield connectors
    await connectors.close()


def reply_to(service_url: str, text: str = "hej") -> Activity:
    incoming = Activity().deserialize(A.message(service_url, 1, "hi"))
    outgoing = MessageFactory.text(text)
    return TurnContext.apply_conversation_reference(
        outgoing, TurnContext.get_conversation_reference(incoming)
    )


async def test_send_reply_update_delete_and_create_conversation_reach_the_connector(
    clients: ConnectorClients, connector: MockConnector
) -> None:
    client = await clients.client(connector.url)
    assert await clients.client(connector.url) is client, "one client per service URL"
    operations = client.conversations

    sent = await operations.send_to_conversation(CONVERSATION, reply_to(connector.url, "én"))
    replied = await operations.reply_to_activity(CONVERSATION, "act-1", reply_to(connector.url))
    thanks = card_activity(thanks_card("da"))
    updated = await operations.update_activity(CONVERSATION, "act-1", thanks)
    await operations.delete_activity(CONVERSATION, "act-2")
    created = await operations.create_conversation(
        ConversationParameters(
            is_group=False, members=[ChannelAccount(id="29:user-7")], tenant_id="tenant-1"
        )
    )

    assert [(s.kind, s.conversation_id) for s in connector.sent] == [
        ("send", CONVERSATION),
        ("reply", CONVERSATION),
        ("update", CONVERSATION),
        ("delete", CONVERSATION),
    ]
    assert (sent.id, replied.id, updated.id) == ("act-1", "act-2", "act-1")
    assert connector.sent[0].activity["text"] == "én"
    assert connector.sent[2].activity == activity_body(thanks)
    assert {s.authorization for s in connector.sent} == {None}, "dev mode: no token"
    assert (created.id, created.service_url) == ("a:personal-29:user-7", connector.url)


async def test_other_operations_are_the_sdks_own_client(
    clients: ConnectorClients, connector: MockConnector
) -> None:
    connector.members["19:team"] = [{"id": "29:user-1", "name": "Person 1"}]
    client = await clients.client(connector.url)
    page = await client.conversations.get_teams_conversation_paged_members("19:team", 10)
    assert [m.id for m in page.members] == ["29:user-1"]
    assert client.config.credentials is not None  # what TeamsInfo reads for its Teams client


@pytest.mark.parametrize(
    "activity",
    [
        MessageFactory.text("hej æøå"),
        card_activity(thanks_card("en")),
        Activity(type="message", text="x", channel_data={"a": [1, None, {"b": True}]}),
        Activity(
            type="message",
            conversation=ConversationAccount(id="c", tenant_id="t", is_group=False),
            from_property=ChannelAccount(id="28:bot", name="Bot"),
            recipient=ChannelAccount(id="29:u", aad_object_id="aad"),
            entities=[],
            attachments=[],
        ),
    ],
    ids=["text", "card", "channel data", "addressed"],
)
def test_activities_are_serialized_exactly_as_msrest_serializes_them(activity: Activity) -> None:
    applied = TurnContext.apply_conversation_reference(
        activity, TurnContext.get_conversation_reference(A_INCOMING)
    )
    assert activity_body(applied) == msrest_body(applied, "Activity")


A_INCOMING = Activity().deserialize(A.message("https://smba.example/emea/", 1, "hi", locale="en"))


def test_conversation_parameters_are_serialized_as_msrest_serializes_them() -> None:
    parameters = ConversationParameters(
        is_group=False,
        bot=ChannelAccount(id="28:bot"),
        members=[ChannelAccount(id="29:user-1")],
        tenant_id="tenant-1",
        channel_data={"tenant": {"id": "tenant-1"}},
    )
    assert conversation_parameters_body(parameters) == msrest_body(
        parameters, "ConversationParameters"
    )


async def test_error_statuses_surface_as_the_sdks_exception_with_retry_after_and_code(
    clients: ConnectorClients,
) -> None:
    mock = await ThrottlingConnector(tenant_rate=None, retry_after=7).start()
    try:
        mock.script["c-429"] = ["429"]
        mock.permanent["c-403"] = (403, "MessageWritesBlocked")
        mock.script["c-502"] = ["502"]
        operations = (await clients.client(mock.url)).conversations
        seen: dict[str, ErrorResponseException] = {}
        for conversation in ("c-429", "c-403", "c-502"):
            with pytest.raises(ErrorResponseException) as caught:
                await operations.send_to_conversation(conversation, reply_to(mock.url))
            seen[conversation] = caught.value
    finally:
        await mock.stop()
    assert [e.response.status_code for e in seen.values()] == [429, 403, 502]
    assert retry_after(seen["c-429"]) == 7.0
    assert retry_after(seen["c-502"]) is None
    assert error_code(seen["c-403"]) == "MessageWritesBlocked"
    assert error_code(seen["c-502"]) == "ServiceError"


async def test_transport_failures_say_whether_the_request_may_have_arrived(
    clients: ConnectorClients,
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/"
    with pytest.raises(ClientRequestError) as refused:
        await (await clients.client(nowhere)).conversations.send_to_conversation(
            "c", reply_to(nowhere)
        )
    assert transport_failure(refused.value) == ("connection refused", False)

    mock = await ThrottlingConnector(tenant_rate=None, slow_seconds=2.0).start()
    try:
        mock.script["c-slow"] = ["slow"]
        mock.script["c-drop"] = ["drop"]
        operations = (await clients.client(mock.url)).conversations
        failures = []
        # The dropped connection gets a timeout a busy machine cannot reach before the drop.
        for conversation, timeout in (("c-slow", 0.2), ("c-drop", 5.0)):
            with pytest.raises(ConnectorTransportError) as caught:
                await operations.send_to_conversation(
                    conversation, reply_to(mock.url), timeout=timeout
                )
            failures.append(transport_failure(caught.value))
    finally:
        await mock.stop()
    assert failures == [("timeout", True), ("connection dropped", True)]


# --- the token cache ---------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def token_endpoint() -> AsyncIterator[MockTokenEndpoint]:
    endpoint = await MockTokenEndpoint(delay=0.05).start()
    yield endpoint
    await endpoint.stop()


def _tokens(
    clients: ConnectorClients, endpoint: MockTokenEndpoint, clock: Clock, **kwargs: Any
) -> ClientCredentialTokens:
    values: dict[str, Any] = {
        "app_id": "app",
        "password": endpoint.password,
        "tenant": None,
        "authority": endpoint.authority,
        "clock": clock,
    }
    values.update(kwargs)
    return ClientCredentialTokens(clients.session, **values)


async def test_concurrent_callers_share_one_fetch_and_the_token_is_refetched_near_expiry(
    clients: ConnectorClients, token_endpoint: MockTokenEndpoint
) -> None:
    clock = Clock()
    tokens = _tokens(clients, token_endpoint, clock)
    first = await asyncio.gather(*(tokens.token() for _ in range(50)))
    assert set(first) == {token_endpoint.issued(1)}
    assert len(token_endpoint.grants) == 1
    assert token_endpoint.grants[0]["tenant"] == "botframework.com", "MultiTenant's authority"

    clock.now += 3600 - 301  # more than 5 minutes left: still the cached one
    assert await tokens.token() == token_endpoint.issued(1)
    clock.now += 2  # within 5 minutes of expiry: one new fetch for everyone
    again = await asyncio.gather(*(tokens.token() for _ in range(20)))
    assert set(again) == {token_endpoint.issued(2)}
    assert len(token_endpoint.grants) == 2


async def test_a_refused_grant_is_a_transport_failure_that_never_reached_the_connector(
    clients: ConnectorClients, token_endpoint: MockTokenEndpoint, connector: MockConnector
) -> None:
    clients.tokens = _tokens(clients, token_endpoint, Clock(), password="wrong")
    with pytest.raises(TokenUnavailable):
        await clients.tokens.token()
    with pytest.raises(ConnectorTransportError) as caught:
        await (await clients.client(connector.url)).conversations.send_to_conversation(
            "c", reply_to(connector.url)
        )
    assert transport_failure(caught.value) == ("token endpoint: 401 invalid_client", False)
    assert connector.sent == []
    clients.tokens = NoToken()


# --- incoming activities ---------------------------------------------------------------------------

URL = "https://smba.example/emea/"
INCOMING = {
    "message": A.message(URL, 1, "hej"),
    "card submission": A.message(URL, 2, value={"action": "pulse.answer", "q_x": "3"}),
    "personal install": A.personal_install(URL, 1),
    "team install": A.team_install(URL),
    "members changed": A.team_members_changed(URL, added=[1, 2], removed=[3]),
    "uninstall": A.personal_uninstall(URL, 1),
    "playground shape": {
        **A.message(URL, 3, "hi"),
        "timestamp": "2026-11-23T09:00:00.123Z",
        "localTimestamp": "2026-11-23T10:00:00.123+01:00",
        "entities": [{"type": "clientInfo", "locale": "da-DK", "platform": "Web"}],
        "attachments": [],
        "unknownTopLevel": {"kept": True},
        "textFormat": "plain",
    },
}


def _shape(value: Any) -> Any:
    """A model as (class, attributes) all the way down, for comparing what two parsers built."""
    if isinstance(value, list):
        return [_shape(v) for v in value]
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if hasattr(value, "_attribute_map"):
        return (type(value).__name__, {k: _shape(v) for k, v in vars(value).items()})
    if hasattr(value, "utcoffset"):
        return (value.isoformat(), value.utcoffset())
    return value


@pytest.mark.parametrize("body", list(INCOMING.values()), ids=list(INCOMING))
def test_incoming_activities_are_parsed_into_what_msrest_builds(body: dict[str, Any]) -> None:
    assert _shape(parse_activity(body)) == _shape(Activity().deserialize(body))


def test_odd_shapes_fall_back_to_msrest_and_fail_as_it_fails() -> None:
    odd = {**A.message(URL, 1, "hej"), "id": 5, "timestamp": "not a date"}
    with pytest.raises(Exception) as msrest_error:
        Activity().deserialize(odd)
    with pytest.raises(type(msrest_error.value)):
        parse_activity(odd)
    coerced = {**A.message(URL, 1, "hej"), "id": 5}  # msrest makes a str of it; so do we
    assert _shape(parse_activity(coerced)) == _shape(Activity().deserialize(coerced))


@pytest.mark.parametrize(
    "app_type, authority_tenant",
    [("SingleTenant", "tenant-guid"), ("MultiTenant", "botframework.com")],
)
def test_the_token_endpoint_is_the_one_the_sdk_would_use(
    tmp_path: Path, app_type: str, authority_tenant: str
) -> None:
    settings = make_settings(
        tmp_path / "unused.db",
        BOT_DEV_MODE=False,
        MicrosoftAppId="app-id",
        MicrosoftAppPassword="secret",
        MicrosoftAppType=app_type,
        MicrosoftAppTenantId="tenant-guid",
    )
    tokens = create_adapter(settings).connectors.tokens
    assert isinstance(tokens, ClientCredentialTokens)
    assert tokens.url == (f"https://login.microsoftonline.com/{authority_tenant}/oauth2/v2.0/token")


def test_managed_identity_keeps_the_sdks_credentials_and_dev_mode_sends_no_token(
    tmp_path: Path,
) -> None:
    msi = make_settings(
        tmp_path / "unused.db",
        BOT_DEV_MODE=False,
        MicrosoftAppId="app-id",
        MicrosoftAppType="UserAssignedMSI",
        MicrosoftAppTenantId="tenant-guid",
    )
    assert isinstance(create_adapter(msi).connectors.tokens, SdkCredentialTokens)
    dev = make_settings(tmp_path / "unused.db")
    assert isinstance(create_adapter(dev).connectors.tokens, NoToken)
