"""Single sign-on for the tab: the Entra ID token Teams gives the page, checked as the bot checks
the tokens on /api/messages.

The signature, key id, algorithm, issuer, expiry and not-before are checked by the SDK's own
`JwtTokenExtractor` (the same code and the same five-minute clock tolerance that authenticate every
incoming activity, bot/teams/adapter.py), against the keys Entra ID publishes for our tenant (its OpenID
metadata under BOT_LOGIN_AUTHORITY). On top of it, as the SDK does for the channel's tokens, the
audience is ours (`api://<host of BOT_PUBLIC_URL>/<MicrosoftAppId>`, the manifest's
webApplicationInfo resource; v2.0 tokens carry the app id itself), the tenant is MicrosoftAppTenantId, the token was issued for the `access_as_user` scope
Teams asks for, and it names the person (`oid`). Any failure is a refusal with a reason the page
can turn into words; which check failed is logged, the token never is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

import jwt
from botframework.connector.auth import ChannelValidation, JwtTokenExtractor, VerifyOptions

from bot.settings import Settings
from manifest.build import sso_resource

log = logging.getLogger(__name__)

SCOPE = "access_as_user"  # the scope the app registration exposes for Teams SSO
ALGORITHMS = ["RS256"]  # what Entra ID signs access tokens with
RefusalReason = Literal["not_configured", "no_token", "bad_token", "other_tenant"]


class Refused(Exception):
    """The request does not come from a person of our tenant signed in to Teams."""

    def __init__(self, reason: RefusalReason, check: str = "") -> None:
        super().__init__(reason)
        self.reason: RefusalReason = reason
        self.check = check or reason


@dataclass(frozen=True)
class TabIdentity:
    """Who is looking: their Entra object id (what roles and leader assignments are keyed by)."""

    aad_object_id: str
    name: str | None = None


def audiences(settings: Settings) -> frozenset[str]:
    """`api://<host>/<app id>` (v1.0 tokens, the Application ID URI) and the app id (v2.0)."""
    if not (settings.public_url and settings.app_id):
        return frozenset()
    return frozenset({sso_resource(settings.app_id, settings.public_url), settings.app_id})


class TabTokens:
    """Validates the bearer tokens of the tab's API calls for one tenant."""

    def __init__(self, settings: Settings) -> None:
        self._tenant = settings.app_tenant_id
        self._configured = bool(settings.app_id and settings.app_tenant_id and settings.public_url)
        self._audiences = audiences(settings)
        authority = settings.login_authority.rstrip("/") + "/"
        channel = ChannelValidation.TO_BOT_FROM_CHANNEL_TOKEN_VALIDATION_PARAMETERS
        self._options = VerifyOptions(
            issuer=[
                f"{authority}{self._tenant}/v2.0",  # v2.0 access tokens
                f"https://sts.windows.net/{self._tenant}/",  # v1.0 access tokens
            ],
            audience=None,  # checked below against both forms, as the SDK checks its own
            clock_tolerance=channel.clock_tolerance,
            ignore_expiration=False,
        )
        self.metadata_url = f"{authority}{self._tenant}/v2.0/.well-known/openid-configuration"

    @property
    def configured(self) -> bool:
        """SSO needs the app id, the one tenant and the public address (the token's audience)."""
        return self._configured

    async def identify(self, authorization: str) -> TabIdentity:
        """The person a bearer token names, or Refused."""
        if not self._configured:
            raise Refused("not_configured")
        scheme, _, token = authorization.partition(" ")
        if scheme != "Bearer" or not token.strip() or " " in token.strip():
            raise Refused("no_token")
        token = token.strip()
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise Refused("bad_token", "malformed") from None
        # Told apart before the signature only to say the right thing on the page: a token of
        # another organisation is refused whether or not it is genuine.
        if unverified.get("tid") != self._tenant:
            raise Refused("other_tenant")
        extractor = JwtTokenExtractor(self._options, self.metadata_url, ALGORITHMS)
        try:
            identity = await extractor.get_identity_from_auth_header(f"Bearer {token}", "")
        except Exception as error:  # jwt errors, unknown key id (IndexError), metadata fetch
            raise Refused("bad_token", type(error).__name__) from None
        if identity is None:  # the SDK's answer for an issuer it does not accept
            raise Refused("bad_token", "issuer")
        return self._checked(identity.claims)

    def _checked(self, claims: dict[str, Any]) -> TabIdentity:
        if claims.get("aud") not in self._audiences:
            raise Refused("bad_token", "audience")
        if claims.get("tid") != self._tenant:
            raise Refused("other_tenant")
        if SCOPE not in str(claims.get("scp", "")).split():
            raise Refused("bad_token", "scope")
        oid = claims.get("oid")
        if not isinstance(oid, str) or not oid or len(oid) > 100:
            raise Refused("bad_token", "oid")
        name = claims.get("name")
        return TabIdentity(aad_object_id=oid, name=name if isinstance(name, str) else None)
