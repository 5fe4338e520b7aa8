"""The Bot Framework adapter: SDK authentication wired from our settings, the app's connector
clients (bot/connector/client.py) for outgoing calls, and a polite turn error."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import ActivityTypes
from botframework.connector.auth import (
    AuthenticationConstants,
    CertificateServiceClientCredentialsFactory,
    ClaimsIdentity,
)

from bot.connector.client import ConnectorClients
from bot.connector.tokens import CHANNEL_SCOPE, NoToken, token_source
from bot.settings import Settings
from bot.teams.fast_adapter import FastCloudAdapter
from bot.teams.model_copy import install_model_copy
from dialogs.i18n import language_for, t
from storage.db.engine import is_database_unavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SdkConfiguration:
    """The SDK reads its configuration by these attribute names (note APP_TENANTID, no underscore)."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str


def sdk_configuration(settings: Settings) -> SdkConfiguration:
    """Without an app id (dev mode only) the SDK must be told MultiTenant, its 'auth disabled' path."""
    return SdkConfiguration(
        APP_ID=settings.app_id,
        APP_PASSWORD=settings.app_password.get_secret_value(),
        APP_TYPE=settings.app_type if settings.app_id else "MultiTenant",
        APP_TENANTID=settings.app_tenant_id,
    )


def create_authentication(settings: Settings) -> ConfigurationBotFrameworkAuthentication:
    """The SDK's own validation of incoming tokens (issuer, keys, endorsements, audience, serviceUrl).

    With a certificate the SDK's credentials (for the calls it makes itself: rosters, members) are
    its certificate credentials too; incoming validation does not depend on them."""
    certificate = settings.client_certificate() if settings.app_id else None
    if certificate is None:
        return ConfigurationBotFrameworkAuthentication(sdk_configuration(settings))
    factory = CertificateServiceClientCredentialsFactory(
        certificate.thumbprint,
        certificate.private_key_pem(),
        settings.app_id,
        settings.app_tenant_id if settings.app_type == "SingleTenant" else None,
    )
    return ConfigurationBotFrameworkAuthentication(
        sdk_configuration(settings), credentials_factory=factory
    )


def create_connector_clients(
    settings: Settings, authentication: ConfigurationBotFrameworkAuthentication
) -> ConnectorClients:
    """One session, one token source and one client per service URL, for turns and proactive sends.

    Operations the fast client does not implement use the SDK's client for the URL, made here once
    by the SDK's own connector factory (so their credentials are the SDK's)."""
    app_id = settings.app_id

    async def sdk_client(service_url: str) -> object:
        claims = ClaimsIdentity(
            {
                AuthenticationConstants.AUDIENCE_CLAIM: app_id,
                AuthenticationConstants.APP_ID_CLAIM: app_id,
            },
            True,
        )
        factory = authentication.create_connector_factory(claims)
        client = await factory.create(service_url, CHANNEL_SCOPE)
        client.config.keep_alive = True
        client.config.connection.timeout = settings.send_timeout_seconds
        return client

    clients = ConnectorClients(NoToken(), sdk_client, settings.send_timeout_seconds)
    clients.tokens = token_source(settings, clients.session)
    return clients


def create_adapter(settings: Settings) -> FastCloudAdapter:
    install_model_copy()
    authentication = create_authentication(settings)
    connectors = create_connector_clients(settings, authentication)
    adapter = FastCloudAdapter(authentication, connectors, settings.app_id)
    adapter.on_turn_error = _make_turn_error_handler(settings)
    return adapter


def create_stock_adapter(settings: Settings) -> CloudAdapter:
    """The SDK's adapter as it comes (a new connector client per turn): the benchmark's baseline."""
    adapter = CloudAdapter(create_authentication(settings))
    adapter.on_turn_error = _make_turn_error_handler(settings)
    return adapter


def _make_turn_error_handler(
    settings: Settings,
) -> Callable[[TurnContext, Exception], Awaitable[None]]:
    async def on_turn_error(context: TurnContext, error: Exception) -> None:
        """A crash in bot code: log it with the activity type only, and tell the person kindly.

        When the database is away the turn's transaction was rolled back whole, so nothing was
        saved: the person is asked to try again in a moment rather than told something broke."""
        activity = context.activity
        unavailable = is_database_unavailable(error)
        if unavailable:
            log.warning(
                "turn.database_unavailable",
                extra={
                    "activity_type": activity.type if activity else None,
                    "error": type(error).__name__,
                },
            )
        else:
            log.error(
                "turn.failed",
                exc_info=error,
                extra={"activity_type": activity.type if activity else None},
            )
        if activity is None or activity.type not in (ActivityTypes.message, ActivityTypes.invoke):
            return
        language = language_for(activity.locale, settings.default_language)
        key = "error.database_unavailable" if unavailable else "error.generic"
        try:
            await context.send_activity(t(language, key))
        except Exception:  # the connector itself may be what failed
            log.warning("turn.error_reply_failed")

    return on_turn_error
