"""Reading who and where from a Teams activity, including the Playground's quirks."""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ChannelAccount

from storage.values import MAX_NAME, ConversationKind, Person


def tenant_id(activity: Activity) -> str | None:
    """Teams puts the tenant in channelData.tenant.id; the Playground leaves conversation.tenant_id None."""
    data: Any = activity.channel_data or {}
    if isinstance(data, dict):
        tenant = data.get("tenant") or {}
        if isinstance(tenant, dict) and tenant.get("id"):
            return str(tenant["id"])
    conversation = activity.conversation
    return getattr(conversation, "tenant_id", None) if conversation else None


def team_of(activity: Activity) -> tuple[str, str | None] | None:
    """(team id, team name) when the activity comes from a team, else None."""
    data: Any = activity.channel_data or {}
    team = data.get("team") if isinstance(data, dict) else None
    if isinstance(team, dict) and team.get("id"):
        name = team.get("name")
        return str(team["id"]), str(name)[:MAX_NAME] if name else None
    return None


def conversation_kind(activity: Activity) -> ConversationKind:
    kind = (
        activity.conversation.conversation_type if activity.conversation else None
    ) or "personal"
    if kind == "channel":
        return ConversationKind.CHANNEL
    if kind == "groupChat":
        return ConversationKind.GROUP_CHAT
    return ConversationKind.PERSONAL


def person_from(account: ChannelAccount, activity: Activity) -> Person:
    """A directory person from a channel account (sender or roster member)."""
    return Person(
        user_id=account.id,
        aad_object_id=getattr(account, "aad_object_id", None),
        name=getattr(account, "name", None),
        tenant_id=tenant_id(activity),
        locale=activity.locale
        if account.id == getattr(activity.from_property, "id", None)
        else None,
    )


def reference_json(activity: Activity) -> str:
    """The serialized conversation reference needed to message this conversation later."""
    import json

    reference = TurnContext.get_conversation_reference(activity)
    return json.dumps(reference.serialize())
