"""Plain values that cross the storage boundary; no framework types leak in or out."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

# Column widths of the directory (storage/tables/directory.py): PostgreSQL refuses longer values outright.
MAX_USER_ID = 200
MAX_NAME = 200
MAX_AAD_OBJECT_ID = 100
MAX_TENANT_ID = 100
MAX_LOCALE = 20


class Person(BaseModel):
    """A Teams user as the directory knows them."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    aad_object_id: str | None = None
    name: str | None = None
    tenant_id: str | None = None
    locale: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _fit_the_columns(cls, data: Any) -> Any:
        """What Teams sends always fits; anything longer is not a real value: a display name is
        cut to fit, an over-long optional id or locale is dropped (the user id is checked where
        activities arrive, since without it there is no person)."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        name = data.get("name")
        if isinstance(name, str) and len(name) > MAX_NAME:
            data["name"] = name[:MAX_NAME]
        for key, limit in (
            ("aad_object_id", MAX_AAD_OBJECT_ID),
            ("tenant_id", MAX_TENANT_ID),
            ("locale", MAX_LOCALE),
        ):
            value = data.get(key)
            if isinstance(value, str) and len(value) > limit:
                data[key] = None
        return data


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
