"""Teams-shaped activities for tests, as Teams (and the Playground) send them."""

from __future__ import annotations

import uuid
from typing import Any

BOT_ID = "28:trivselsbot"
TENANT = "tenant-1"


def _base(
    service_url: str,
    conversation: dict[str, Any],
    sender: dict[str, Any],
    channel_data: dict[str, Any] | None = None,
    locale: str = "da-DK",
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4().hex,
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": sender,
        "recipient": {"id": BOT_ID, "name": "Trivselsbot"},
        "conversation": {"tenantId": TENANT, **conversation},
        "channelData": {"tenant": {"id": TENANT}, **(channel_data or {})},
        "locale": locale,
    }


def user(n: int) -> dict[str, Any]:
    return {"id": f"29:user-{n}", "name": f"Person {n}", "aadObjectId": f"aad-{n:04d}"}


def personal_conversation(n: int) -> dict[str, Any]:
    return {"id": f"a:personal-{n}", "conversationType": "personal"}


def team_channel(team_id: str = "19:team-1@thread.tacv2") -> dict[str, Any]:
    return {"id": team_id, "conversationType": "channel", "isGroup": True}


def team_data(
    team_id: str = "19:team-1@thread.tacv2", name: str = "Hjemmeplejen Nord"
) -> dict[str, Any]:
    return {"team": {"id": team_id, "name": name}}


def personal_install(service_url: str, n: int, locale: str = "da-DK") -> dict[str, Any]:
    activity = _base(service_url, personal_conversation(n), user(n), locale=locale)
    activity.update(type="conversationUpdate", membersAdded=[{"id": BOT_ID}])
    return activity


def personal_uninstall(service_url: str, n: int) -> dict[str, Any]:
    activity = _base(service_url, personal_conversation(n), user(n))
    activity.update(type="installationUpdate", action="remove")
    return activity


def team_install(
    service_url: str,
    installer: int = 1,
    team_id: str = "19:team-1@thread.tacv2",
    name: str = "Hjemmeplejen Nord",
    locale: str = "da-DK",
) -> dict[str, Any]:
    data = {**team_data(team_id, name), "eventType": "teamMemberAdded"}
    activity = _base(service_url, team_channel(team_id), user(installer), data, locale)
    activity.update(type="conversationUpdate", membersAdded=[{"id": BOT_ID}])
    return activity


def team_members_changed(
    service_url: str,
    added: list[int] = (),
    removed: list[int] = (),
    team_id: str = "19:team-1@thread.tacv2",
) -> dict[str, Any]:
    event = "teamMemberAdded" if added else "teamMemberRemoved"
    data = {**team_data(team_id), "eventType": event}
    activity = _base(service_url, team_channel(team_id), user(1), data)
    activity["type"] = "conversationUpdate"
    if added:
        activity["membersAdded"] = [user(n) for n in added]
    if removed:
        activity["membersRemoved"] = [user(n) for n in removed]
    return activity


def team_uninstall(service_url: str, team_id: str = "19:team-1@thread.tacv2") -> dict[str, Any]:
    data = {**team_data(team_id), "eventType": "teamMemberRemoved"}
    activity = _base(service_url, team_channel(team_id), user(1), data)
    activity.update(type="conversationUpdate", membersRemoved=[{"id": BOT_ID}])
    return activity


def message(
    service_url: str,
    n: int,
    text: str | None = None,
    value: dict[str, Any] | None = None,
    locale: str = "da-DK",
    reply_to_id: str | None = None,
) -> dict[str, Any]:
    activity = _base(service_url, personal_conversation(n), user(n), locale=locale)
    activity.update(type="message", text=text)
    if value is not None:
        activity["value"] = value
    if reply_to_id:
        activity["replyToId"] = reply_to_id
    return activity
