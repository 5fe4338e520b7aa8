"""POST /api/messages: our own edge, because the stock one answers 500 for bad tokens and 404 for bad JSON.

Authentication is the SDK's own (`authenticate_request`); we only classify its failures correctly:
any failure to authenticate is 401, malformed input is 400, and bot crashes are handled inside the
turn (see adapter.on_turn_error) so they never reach the client as a stack trace.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web
from botbuilder.core import Bot
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from msrest.serialization import Model

from bot.request_body import BodyTooLarge, read_body, too_large_response

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
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return _bad_request("body is not valid JSON")
    if not isinstance(body, dict):
        return _bad_request("body must be a JSON object (an activity)")
    try:
        activity = Activity().deserialize(body)
    except Exception:  # msrest raises several unrelated types for wrong shapes
        return _bad_request("body is not a valid activity")
    if not activity.type:
        return _bad_request("activity has no type")
    return activity


def _invoke_body(body: Any) -> Any:
    """4.17.1 serializes invoke bodies twice and crashes on dicts; we serialize exactly once."""
    if isinstance(body, Model):
        return body.serialize()
    return body


def messages_handler(adapter: CloudAdapter, bot: Bot) -> Any:
    """Build the aiohttp handler for /api/messages around one adapter and one bot."""

    async def handle(request: web.Request) -> web.StreamResponse:
        parsed = await _read_activity(request)
        if isinstance(parsed, web.Response):
            return parsed
        activity = parsed
        auth_header = request.headers.get("Authorization", "")
        try:
            auth_result = await adapter.bot_framework_authentication.authenticate_request(
                activity, auth_header
            )
        except Exception as error:  # PermissionError, jwt errors, KeyError from key lookup, …
            log.warning("auth.rejected", extra={"reason": type(error).__name__})
            return web.json_response({"error": "unauthorized"}, status=401)
        try:
            invoke_response = await adapter.process_activity(auth_result, activity, bot.on_turn)
        except Exception:
            log.exception("messages.failed", extra={"activity_type": activity.type})
            return web.json_response({"error": "internal error"}, status=500)
        if invoke_response:
            return web.json_response(
                _invoke_body(invoke_response.body), status=invoke_response.status
            )
        return web.Response(status=201)

    return handle
