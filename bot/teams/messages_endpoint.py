"""POST /api/messages: our own edge, because the stock one answers 500 for bad tokens and 404 for bad JSON.

Authentication is the SDK's own (`authenticate_request`; a token it accepted is remembered for
the same channel and service URL for a minute at most, bot/teams/verified_tokens.py); we only
classify its failures correctly:
any failure to authenticate is 401, malformed input is 400, an authenticated activity from another
tenant than MicrosoftAppTenantId is 403 before any turn, and bot crashes are handled inside the
turn (see adapter.on_turn_error) so they never reach the client as a stack trace.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from botbuilder.core import Bot, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from botbuilder.schema.teams import TeamsChannelData
from msrest.serialization import Model
from yarl import URL

from bot.connector.activity_json import parse_activity
from bot.operations.metrics import Metrics, turn_kind
from bot.teams.request_body import BodyTooLarge, parse_json, read_body, too_large_response
from bot.teams.verified_tokens import VerifiedTokens
from storage.db.engine import is_database_unavailable
from storage.values import MAX_TENANT_ID, MAX_USER_ID

log = logging.getLogger(__name__)


def _bad_request(reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=400)


async def _read_activity(request: web.Request) -> Activity | web.Response:
    if "application/json" not in request.headers.get("Content-Type", ""):
        return web.json_response({"error": "Content-Type must be application/json"}, status=415)
    try:
        raw = await read_body(request)
    except BodyTooLarge:
        return too_large_response()
    try:
        body = parse_json(raw)
    except (ValueError, UnicodeDecodeError):
        return _bad_request("body is not valid JSON")
    if not isinstance(body, dict):
        return _bad_request("body must be a JSON object (an activity)")
    try:
        activity = parse_activity(body)
    except Exception:  # msrest raises several unrelated types for wrong shapes
        return _bad_request("body is not a valid activity")
    problem = _address_problem(activity)
    if problem:
        return _bad_request(problem)
    return activity


# The longest value of each address the database holds (storage/tables/directory.py); Teams' own ids are
# far shorter, and PostgreSQL refuses a longer one in the middle of the turn.
ADDRESS_LIMITS = {
    "type": 100,
    "channelId": 100,
    "serviceUrl": 500,
    "from.id": MAX_USER_ID,
    "recipient.id": MAX_USER_ID,
    "conversation.id": 300,
}
OPTIONAL_LIMITS = {
    "conversation.tenantId": MAX_TENANT_ID,
    "channelData.tenant.id": MAX_TENANT_ID,
    "channelData.team.id": 200,
}


def _address_problem(activity: Activity) -> str | None:
    """Every activity from a channel says who sent it, to whom, where and where to reply; without
    these (or with junk there) no reply can be addressed and the turn would crash midway."""
    data: Any = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = data.get("tenant") if isinstance(data.get("tenant"), dict) else {}
    team = data.get("team") if isinstance(data.get("team"), dict) else {}
    required = {
        "type": activity.type,
        "channelId": activity.channel_id,
        "serviceUrl": activity.service_url,
        "from.id": getattr(activity.from_property, "id", None),
        "recipient.id": getattr(activity.recipient, "id", None),
        "conversation.id": getattr(activity.conversation, "id", None),
    }
    optional = {
        "conversation.tenantId": getattr(activity.conversation, "tenant_id", None),
        "channelData.tenant.id": tenant.get("id"),
        "channelData.team.id": team.get("id"),
    }
    for name, value in required.items():
        if not value:
            return f"activity has no {name}"
        if len(value) > ADDRESS_LIMITS[name]:
            return f"{name} is longer than {ADDRESS_LIMITS[name]} characters"
    for name, value in optional.items():
        if value is not None and len(str(value)) > OPTIONAL_LIMITS[name]:
            return f"{name} is longer than {OPTIONAL_LIMITS[name]} characters"
    if not _is_http_url(activity.service_url):
        return "serviceUrl must be an http(s) URL"
    return _teams_shape_problem(activity)


# The keys msrest reads into TeamsChannelData; any other key it keeps aside without looking.
_TEAMS_KEYS = frozenset(desc["key"] for desc in TeamsChannelData._attribute_map.values())


def surely_teams_channel_data(data: dict[str, Any]) -> bool:
    """True for channel data msrest's TeamsChannelData certainly accepts: no key it reads but
    the tenant, and the tenant an object whose id is text. That is the shape of nearly every
    activity (a card submission's is `tenant` and `source`), decided without msrest's walk,
    which was a tenth of a card submission's CPU; anything else is msrest's to decide."""
    for key in data:
        if key in _TEAMS_KEYS and key != "tenant":
            return False
    tenant = data.get("tenant")
    if tenant is None:
        return True
    return isinstance(tenant, dict) and isinstance(tenant.get("id", ""), str | None)


# The SDK looks each added member up at /v3/conversations/{id}/members/{member id}; msrest leaves
# "." and ".." as they are, the URL normalises them away, and the answer (another route's, or a
# plain-text 404) fails the whole turn. Teams never sends them; fuzzing did.
DOT_SEGMENTS = frozenset({".", ".."})


def _teams_shape_problem(activity: Activity) -> str | None:
    """What the SDK's Teams handler reads without checking: channelData as TeamsChannelData, a
    team with an id, members with ids (it looks each one up by id before our code runs)."""
    data = activity.channel_data
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return "channelData must be an object"
    if not surely_teams_channel_data(data):
        try:
            TeamsChannelData().deserialize(data)
        except Exception:  # msrest raises several unrelated types for wrong shapes
            return "channelData is not Teams channel data"
    team = data.get("team")
    if team is not None and (
        not isinstance(team, dict) or not team.get("id") or len(str(team["id"])) > 200
    ):
        return "channelData.team must be an object with an id"
    for key, members in (
        ("membersAdded", activity.members_added),
        ("membersRemoved", activity.members_removed),
    ):
        for member in members or []:
            member_id = getattr(member, "id", None)
            if not member_id or len(member_id) > MAX_USER_ID:
                return f"every member in {key} needs an id of at most {MAX_USER_ID} characters"
            if member_id in DOT_SEGMENTS:
                return f"a member id in {key} cannot be {member_id!r}: no address can name it"
    return None


def _is_http_url(text: str) -> bool:
    """Replies go to serviceUrl; anything but an absolute http(s) URL would only crash the turn."""
    try:
        url = URL(text)
    except (ValueError, TypeError):
        return False
    return url.scheme in ("http", "https") and bool(url.host)


def _invoke_body(body: Any) -> Any:
    """4.17.1 serializes invoke bodies twice and crashes on dicts; we serialize exactly once."""
    if isinstance(body, Model):
        try:
            return body.serialize()
        except Exception:  # noqa: BLE001 - see _error_body
            return _error_body(body)
    return body


def _error_body(body: Model) -> dict[str, Any]:
    """4.17.1 answers a bad Action.Execute with `value=Exception(code, message)`, which msrest
    cannot serialize (that was a 500): the same error in the shape Teams documents."""
    error = getattr(body, "value", None)
    args = [str(arg) for arg in getattr(error, "args", ())] + ["BadRequest", ""]
    return {
        "statusCode": int(getattr(body, "status_code", None) or 400),
        "type": "application/vnd.microsoft.error",
        "value": {"code": args[0], "message": args[1]},
    }


def _tenants(activity: Activity) -> set[str | None]:
    """Every tenant the activity names: Teams puts it in channelData and, for most activities, in
    the conversation too; both must be ours."""
    data: Any = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = data.get("tenant") if isinstance(data.get("tenant"), dict) else {}
    named: set[str | None] = {tenant.get("id")}
    conversation = activity.conversation
    extra = getattr(conversation, "additional_properties", None) or {}
    # The SDK's model reads "tenantID"; Teams writes "tenantId", which msrest keeps aside.
    for value in (getattr(conversation, "tenant_id", None), extra.get("tenantId")):
        if value is not None:
            named.add(value)
    return named


def foreign_tenant(activity: Activity, tenant_id: str) -> bool:
    """True when the bot serves one tenant and the activity does not come from it (or names none).

    A valid Bot Framework token says the channel sent the activity, not from which organisation:
    an app that another tenant installs (or a multi-tenant registration) gets their turns too."""
    return bool(tenant_id) and _tenants(activity) != {tenant_id}


def _refused_tenant(activity: Activity) -> web.Response:
    """403, empty. The token was valid, so this is not 401 (which tells the channel its credentials
    failed and invites a retry with new ones); Bot Framework treats any non-2xx as "not delivered"
    and does not retry a 4xx, and Teams shows the sender nothing. No body: whoever sent it learns
    nothing about our tenant. The log line holds neither the activity nor the tenant it named."""
    log.warning("activity.foreign_tenant", extra={"activity_type": activity.type})
    return web.Response(status=403)


def messages_handler(
    adapter: CloudAdapter, bot: Bot, tenant_id: str = "", metrics: Metrics | None = None
) -> Handler:
    """Build the aiohttp handler for /api/messages around one adapter and one bot.

    `tenant_id` (MicrosoftAppTenantId): when set, activities from any other tenant are refused
    after authentication and before any turn, so no handler runs and nothing is written.
    `metrics`: every request counted by kind and outcome, turns timed (bot/operations/metrics.py);
    a counter bump and a clock read per turn, nothing else."""
    counts = metrics or Metrics()
    # The SDK's own validation decides; a token it accepted is remembered for a minute at most.
    verified = VerifiedTokens(adapter.bot_framework_authentication)

    async def handle(request: web.Request) -> web.StreamResponse:
        parsed = await _read_activity(request)
        if isinstance(parsed, web.Response):
            counts.turn("other", "bad_request")
            return parsed
        activity = parsed
        kind = turn_kind(activity.type, activity.value is not None)
        auth_header = request.headers.get("Authorization", "")
        try:
            auth_result = await verified.authenticate_request(activity, auth_header)
        except Exception as error:  # PermissionError, jwt errors, KeyError from key lookup, …
            log.warning("auth.rejected", extra={"reason": type(error).__name__})
            counts.turn(kind, "unauthorized")
            return web.json_response({"error": "unauthorized"}, status=401)
        if foreign_tenant(activity, tenant_id):
            counts.turn(kind, "foreign_tenant")
            return _refused_tenant(activity)
        started = time.perf_counter()
        outcome = "ok"

        async def turn(context: TurnContext) -> None:
            nonlocal outcome
            try:
                await bot.on_turn(context)
            except Exception as error:  # the adapter's on_turn_error answers it; we only count
                outcome = "database_unavailable" if is_database_unavailable(error) else "error"
                raise

        try:
            invoke_response = await adapter.process_activity(auth_result, activity, turn)
        except Exception:
            log.exception("messages.failed", extra={"activity_type": activity.type})
            counts.turn(kind, "error", time.perf_counter() - started)
            return web.json_response({"error": "internal error"}, status=500)
        counts.turn(kind, outcome, time.perf_counter() - started)
        if outcome == "database_unavailable":
            counts.database_error("turn")
        if invoke_response:
            return web.json_response(
                _invoke_body(invoke_response.body), status=invoke_response.status
            )
        return web.Response(status=201)

    return handle
