"""A minimal echo/card bot: the e2e harness's self-test target, shaped like the real bot's start-up.

Run: ``python -m tests.e2e.sample_bot --host 127.0.0.1 --port 3979`` (empty app id: no auth, which
is what the Agents Playground needs). Besides ``/api/messages`` it serves ``/healthz`` and
``/_test/activities`` (every activity it received, summarised) so tests can assert what reached it.
"""

from __future__ import annotations

import argparse
import logging
import re
from typing import Any

from aiohttp import web
from botbuilder.core import ActivityHandler, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity, Attachment, InvokeResponse

logger = logging.getLogger("sample_bot")

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


class _Config:
    """Empty app id: the SDK skips authentication (Playground only, never production)."""

    APP_ID = ""
    APP_PASSWORD = ""
    APP_TYPE = "MultiTenant"
    APP_TENANTID = ""


def question_card() -> dict[str, Any]:
    """A card with a choice set, an Action.Submit and an Action.Execute."""
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": [
            {"type": "TextBlock", "text": "Sample question", "weight": "Bolder", "wrap": True},
            {"type": "TextBlock", "text": "How is your day?", "wrap": True},
            {
                "type": "Input.ChoiceSet",
                "id": "score",
                "style": "expanded",
                "value": "3",
                "choices": [
                    {"title": "Very bad", "value": "1"},
                    {"title": "Bad", "value": "2"},
                    {"title": "Neutral", "value": "3"},
                    {"title": "Good", "value": "4"},
                    {"title": "Very good", "value": "5"},
                ],
            },
            {"type": "TextBlock", "text": "Team spirit", "wrap": True},
            {
                "type": "Input.ChoiceSet",
                "id": "spirit",
                "style": "compact",
                "value": "medium",
                "choices": [
                    {"title": "Low", "value": "low"},
                    {"title": "Medium", "value": "medium"},
                    {"title": "High", "value": "high"},
                ],
            },
            {"type": "Input.Text", "id": "comment", "placeholder": "Optional comment"},
        ],
        "actions": [
            {"type": "Action.Submit", "title": "Send answer", "data": {"action": "sample_submit"}},
            {
                "type": "Action.Execute",
                "title": "Execute answer",
                "verb": "sample_execute",
                "data": {"action": "sample_execute"},
            },
        ],
    }


def thanks_card(text: str) -> dict[str, Any]:
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": [{"type": "TextBlock", "text": text, "wrap": True}],
    }


def card_activity(card: dict[str, Any]) -> Activity:
    return MessageFactory.attachment(Attachment(content_type=CARD_CONTENT_TYPE, content=card))


def _summary(activity: Activity) -> dict[str, Any]:
    conv = activity.conversation
    channel_data = activity.channel_data or {}
    return {
        "type": activity.type,
        "name": activity.name,
        "action": activity.action,
        "text": activity.text,
        "value": activity.value,
        "id": activity.id,
        "replyToId": activity.reply_to_id,
        "from": {"id": activity.from_property.id, "name": activity.from_property.name}
        if activity.from_property
        else None,
        "conversation": {"id": conv.id, "conversationType": conv.conversation_type}
        if conv
        else None,
        "membersAdded": [m.id for m in activity.members_added or []],
        "membersRemoved": [m.id for m in activity.members_removed or []],
        "channelData": channel_data if isinstance(channel_data, dict) else {},
        "serviceUrl": activity.service_url,
    }


class SampleBot(ActivityHandler):
    """Echo, card, submit → update_activity, Action.Execute, welcome and roster."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.submissions = 0

    async def on_turn(self, turn_context: TurnContext) -> None:
        self.received.append(_summary(turn_context.activity))
        await super().on_turn(turn_context)

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        kind = turn_context.activity.conversation.conversation_type
        await turn_context.send_activity(f"Welcome to the sample bot ({kind})")

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        logger.info("uninstalled from %s", turn_context.activity.conversation.id)

    async def on_members_added_activity(self, members_added, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        if activity.conversation.conversation_type != "channel":
            return
        if not any(m.id == bot_id for m in members_added):
            return
        await self._send_roster(turn_context)

    async def _send_roster(self, turn_context: TurnContext) -> None:
        members = []
        token = None
        while True:
            page = await TeamsInfo.get_paged_members(turn_context, continuation_token=token)
            members.extend(page.members or [])
            token = page.continuation_token
            if not token:
                break
        names = ", ".join(sorted(m.name or m.id for m in members))
        await turn_context.send_activity(f"Roster: {len(members)} members: {names}")

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.value is not None:
            await self._on_submit(turn_context)
            return
        text = TurnContext.remove_recipient_mention(activity) or activity.text or ""
        text = re.sub(r"<at>.*?</at>", "", text).strip()
        if text.lower() == "card":
            await turn_context.send_activity(card_activity(question_card()))
        elif text.lower() == "roster":
            await self._send_roster(turn_context)
        else:
            await turn_context.send_activity(f"Echo: {text}")

    async def _on_submit(self, turn_context: TurnContext) -> None:
        self.submissions += 1
        reply_to = turn_context.activity.reply_to_id
        replacement = card_activity(
            thanks_card(f"Thank you, submission {self.submissions} received")
        )
        replacement.id = reply_to
        await turn_context.update_activity(replacement)

    async def on_invoke_activity(self, turn_context: TurnContext):  # type: ignore[override]
        activity = turn_context.activity
        if activity.name == "adaptiveCard/action":
            return InvokeResponse(
                status=200,
                body={
                    "statusCode": 200,
                    "type": CARD_CONTENT_TYPE,
                    "value": thanks_card("Thank you, execute received"),
                },
            )
        return await super().on_invoke_activity(turn_context)


def create_app() -> web.Application:
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(_Config()))
    bot = SampleBot()

    async def on_error(context: TurnContext, error: Exception) -> None:
        logger.exception("turn failed", exc_info=error)

    adapter.on_turn_error = on_error

    async def messages(request: web.Request) -> web.Response:
        # Process ourselves: botbuilder 4.17.1 crashes serialising dict invoke bodies.
        body = await request.json()
        activity = Activity().deserialize(body)
        auth = request.headers.get("Authorization", "")
        invoke_response = await adapter.process_activity(auth, activity, bot.on_turn)
        if invoke_response:
            return web.json_response(invoke_response.body, status=invoke_response.status)
        return web.Response(status=201)

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def activities(_: web.Request) -> web.Response:
        return web.json_response(bot.received)

    async def clear(_: web.Request) -> web.Response:
        bot.received.clear()
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/_test/activities", activities)
    app.router.add_delete("/_test/activities", clear)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3979)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    web.run_app(create_app(), host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
