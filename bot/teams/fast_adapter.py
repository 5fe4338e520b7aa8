"""CloudAdapter with the app's cached connector client in every turn instead of a new one.

The stock `process_activity` asks the connector factory for a new msrest ConnectorClient (new
configuration, new credentials, new token lookup) and a new user-token client on every turn. This
one puts the app-lifetime client for the activity's service URL (bot/connector/client.py) into
the TurnContext under the SDK's own key, so TurnContext, ActivityHandler, dialogs and TeamsInfo
work unchanged. Authentication is untouched: the result of the SDK's `authenticate_request` is
what decides, here as in the stock adapter.

Turns the fast client cannot serve the same way go through the stock code: skill calls (their
outbound audience is the calling bot, not the channel), streaming connections (their connector
factory answers over the socket) and tokens for another app id.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
)
from botframework.connector.auth._connector_factory_impl import _ConnectorFactoryImpl

from bot.connector.client import ConnectorClients
from bot.connector.tokens import CHANNEL_SCOPE


class FastTurnContext(TurnContext):  # type: ignore[misc]  # botbuilder ships no types: its classes are Any
    """TurnContext without a reference cycle per send, update and delete.

    The SDK's `_emit` runs the turn's on-send/on-update/on-delete handlers through a recursive
    closure (`emit_next` holds its own cell, and `self` and the activity with it), so every
    `send_activity` and `update_activity` leaves the turn's context, both activities, the claims
    and the connector factory for the cyclic garbage collector instead of freeing them at once.
    Under load that garbage made the collector's passes long enough to dominate p99 latency and
    took about a third of the bot's CPU. With no handler registered (this bot registers none),
    the SDK's `_emit` does nothing but `await logic`; that is all this one does then. With
    handlers it is the SDK's own."""

    async def _emit(self, plugins: list[Any], arg: Any, logic: Awaitable[Any]) -> Any:
        if plugins:
            return await super()._emit(plugins, arg, logic)
        return await logic


def app_id_of(claims: ClaimsIdentity) -> str | None:
    """As the SDK reads it: the audience claim for channels, the appid claim for the Emulator."""
    app_id = claims.get_claim_value(AuthenticationConstants.AUDIENCE_CLAIM)
    if app_id is None:
        app_id = claims.get_claim_value(AuthenticationConstants.APP_ID_CLAIM)
    return app_id or None


class FastCloudAdapter(CloudAdapter):  # type: ignore[misc]  # botbuilder ships no types: its classes are Any
    def __init__(
        self,
        authentication: BotFrameworkAuthentication,
        connectors: ConnectorClients,
        app_id: str,
    ) -> None:
        super().__init__(authentication)
        self.connectors = connectors
        self._app_id = app_id or None
        self._user_token_clients: dict[str | None, Any] = {}

    def _fast_path(
        self, result: AuthenticateRequestResult, activity_service_url: str | None
    ) -> bool:
        return (
            bool(activity_service_url)
            and result.audience == CHANNEL_SCOPE
            and isinstance(result.connector_factory, _ConnectorFactoryImpl)
            and app_id_of(result.claims_identity) == self._app_id
        )

    async def _user_token_client(self, claims: ClaimsIdentity) -> Any:
        """The same for every turn of this app id (it holds only the app's credentials)."""
        key = app_id_of(claims)
        client = self._user_token_clients.get(key)
        if client is None:
            client = await self.bot_framework_authentication.create_user_token_client(claims)
            self._user_token_clients[key] = client
        return client

    async def process_activity(
        self,
        auth_header_or_authenticate_request_result: str | AuthenticateRequestResult,
        activity: Activity,
        logic: Callable[[TurnContext], Awaitable[Any]],
    ) -> InvokeResponse | None:
        result = auth_header_or_authenticate_request_result
        if isinstance(result, str):
            result = await self.bot_framework_authentication.authenticate_request(activity, result)
        if not self._fast_path(result, activity.service_url):
            return await super().process_activity(result, activity, logic)
        activity.caller_id = result.caller_id
        connector = await self.connectors.client(activity.service_url)
        context = self._create_turn_context(
            activity,
            result.claims_identity,
            result.audience,
            connector,
            await self._user_token_client(result.claims_identity),
            logic,
            result.connector_factory,
        )
        await self.run_pipeline(context, logic)
        return self._process_turn_results(context)

    def _create_turn_context(
        self,
        activity: Activity,
        claims_identity: ClaimsIdentity,
        oauth_scope: str,
        connector_client: Any,
        user_token_client: Any,
        logic: Callable[[TurnContext], Awaitable[Any]],
        connector_factory: Any,
    ) -> TurnContext:
        """The SDK's own, with a FastTurnContext (for every turn this adapter makes)."""
        context = FastTurnContext(self, activity)
        context.turn_state[self.BOT_IDENTITY_KEY] = claims_identity
        context.turn_state[self.BOT_CONNECTOR_CLIENT_KEY] = connector_client
        context.turn_state[self.USER_TOKEN_CLIENT_KEY] = user_token_client
        context.turn_state[self.BOT_CALLBACK_HANDLER_KEY] = logic
        context.turn_state[self.CONNECTOR_FACTORY_KEY] = connector_factory
        context.turn_state[self.BOT_OAUTH_SCOPE_KEY] = oauth_scope
        return context
