"""The Bot Framework adapter: SDK authentication wired from our settings, and a polite turn error."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import ActivityTypes

from bot.settings import Settings
from dialogs.i18n import language_for, t
from storage.db import is_database_unavailable

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
    """The SDK's own validation of incoming tokens (issuer, keys, endorsements, audience, serviceUrl)."""
    return ConfigurationBotFrameworkAuthentication(sdk_configuration(settings))


def create_adapter(settings: Settings) -> CloudAdapter:
    adapter = CloudAdapter(create_authentication(settings))
    adapter.on_turn_error = _make_turn_error_handler(settings)
    return adapter


def _make_turn_error_handler(settings: Settings):  # type: ignore[no-untyped-def]
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
