"""FastTurnContext: the SDK's send/update/delete semantics, without a reference cycle per call."""

from __future__ import annotations

import gc
import weakref
from typing import Any

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount, ResourceResponse

from bot.teams.fast_adapter import FastTurnContext


class RecordingAdapter(BotAdapter):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, Any]] = []

    async def send_activities(self, context: TurnContext, activities: list[Activity]) -> Any:
        self.calls.append(("send", [a.text for a in activities]))
        return [ResourceResponse(id=f"sent-{i}") for i, _ in enumerate(activities)]

    async def update_activity(self, context: TurnContext, activity: Activity) -> Any:
        self.calls.append(("update", activity.id))
        return ResourceResponse(id=activity.id)

    async def delete_activity(self, context: TurnContext, reference: Any) -> None:
        self.calls.append(("delete", reference.activity_id))


def incoming() -> Activity:
    return Activity(
        type="message",
        id="in-1",
        channel_id="msteams",
        service_url="https://smba.example/",
        from_property=ChannelAccount(id="29:u"),
        recipient=ChannelAccount(id="28:bot"),
        conversation=ConversationAccount(id="a:1"),
    )


async def _one_turn(context_type: type[TurnContext]) -> tuple[weakref.ref[Any], RecordingAdapter]:
    adapter = RecordingAdapter()
    context = context_type(adapter, incoming())
    sent = await context.send_activity("hej")
    updated = await context.update_activity(Activity(type="message", id="card-1", text="x"))
    await context.delete_activity("card-2")
    assert (sent.id, updated.id) == ("sent-0", "card-1")
    return weakref.ref(context), adapter


async def test_the_context_is_freed_without_the_cyclic_collector() -> None:
    gc.collect()
    gc.disable()
    try:
        fast, fast_adapter = await _one_turn(FastTurnContext)
        stock, stock_adapter = await _one_turn(TurnContext)
        assert fast() is None  # freed by reference counting alone
        assert fast_adapter.calls == stock_adapter.calls
        assert fast_adapter.calls == [("send", ["hej"]), ("update", "card-1"), ("delete", "card-2")]
    finally:
        gc.enable()
    del stock


async def test_registered_handlers_run_as_the_sdks_do() -> None:
    seen: list[str] = []

    async def on_update(context: TurnContext, activity: Activity, next_handler: Any) -> Any:
        seen.append(f"update {activity.id} {activity.conversation.id}")
        return await next_handler()

    async def on_send(context: TurnContext, activities: list[Activity], next_handler: Any) -> Any:
        seen.append(f"send {len(activities)}")
        return await next_handler()

    adapter = RecordingAdapter()
    context = FastTurnContext(adapter, incoming())
    context.on_update_activity(on_update)
    context.on_send_activities(on_send)
    await context.send_activity("hej")
    await context.update_activity(Activity(type="message", id="card-1"))
    assert seen == ["send 1", "update card-1 a:1"]
    assert adapter.calls == [("send", ["hej"]), ("update", "card-1")]
