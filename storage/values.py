"""Plain values that cross the storage boundary; no framework types leak in or out."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Person(BaseModel):
    """A Teams user as the directory knows them."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    aad_object_id: str | None = None
    name: str | None = None
    tenant_id: str | None = None
    locale: str | None = None


class UnitInfo(BaseModel):
    """A unit as shown to the rest of the bot."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    teams_team_id: str | None = None
    parent_id: str | None = None


class ConversationKind(StrEnum):
    PERSONAL = "personal"
    GROUP_CHAT = "groupChat"
    CHANNEL = "channel"


class Role(StrEnum):
    EMPLOYEE = "employee"
    LEADER = "leader"
    HR = "hr"
