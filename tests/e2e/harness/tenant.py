"""(c) The mock tenant: the people and chats of .m365agentsplayground.yml."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    upn: str
    aad_object_id: str
    given_name: str
    surname: str

    def to_config(self) -> dict[str, str]:
        # "userPrincipleName" (sic) is the Playground's schema key.
        return {
            "id": self.id,
            "name": self.name,
            "userPrincipleName": self.upn,
            "aadObjectId": self.aad_object_id,
            "givenName": self.given_name,
            "surname": self.surname,
            "email": self.upn,
        }


# The Playground's own default tenant (Alex Wilber + five), so ids match its documentation.
DEFAULT_PEOPLE: tuple[Person, ...] = (
    Person(
        "user-id-0",
        "Alex Wilber",
        "alexw@example.com",
        "00000000-0000-0000-0000-0000000000020",
        "Alex",
        "Wilber",
    ),
    Person(
        "user-id-1",
        "Megan Bowen",
        "meganb@example.com",
        "00000000-0000-0000-0000-0000000000021",
        "Megan",
        "Bowen",
    ),
    Person(
        "user-id-2",
        "Adele Vance",
        "adelev@example.com",
        "00000000-0000-0000-0000-0000000000022",
        "Adele",
        "Vance",
    ),
    Person(
        "user-id-3",
        "Isaiah Langer",
        "isaiahl@example.com",
        "00000000-0000-0000-0000-0000000000023",
        "Isaiah",
        "Langer",
    ),
    Person(
        "user-id-4",
        "Patti Fernandez",
        "pattif@example.com",
        "00000000-0000-0000-0000-0000000000024",
        "Patti",
        "Fernandez",
    ),
    Person(
        "user-id-5",
        "Lynne Robbins",
        "lynner@example.com",
        "00000000-0000-0000-0000-0000000000025",
        "Lynne",
        "Robbins",
    ),
)


@dataclass(frozen=True)
class PlaygroundConfig:
    """The mock tenant: six people (one is the current user, the other five are ``users``),
    one personal chat (per current user), one group chat, one team with General + one channel."""

    people: tuple[Person, ...] = DEFAULT_PEOPLE
    current_user_id: str = "user-id-0"
    tenant_id: str = "00000000-0000-0000-0000-0000000000001"
    bot_id: str = "00000000-0000-0000-0000-00000000000011"
    bot_name: str = "Test Bot"
    group_chat_id: str = "group-chat-id"
    group_chat_name: str = "Group Chat"
    team_id: str = "team-id"
    team_name: str = "My Team"
    team_aad_group_id: str = "00000000-0000-0000-0000-000000000031"
    channel_id: str = "channel-announcements-id"
    channel_name: str = "Announcements"
    personal_chat_prefix: str = "personal-chat-"

    def __post_init__(self) -> None:
        if len(self.people) != 6:
            raise ValueError("the Playground needs exactly six people (current user + five users)")
        if self.current_user_id not in {p.id for p in self.people}:
            raise ValueError(f"unknown current user {self.current_user_id!r}")

    @property
    def current_user(self) -> Person:
        return next(p for p in self.people if p.id == self.current_user_id)

    @property
    def users(self) -> list[Person]:
        """The five people who are not the current user."""
        return [p for p in self.people if p.id != self.current_user_id]

    @property
    def personal_chat_id(self) -> str:
        """Each person has their own personal-chat id, stable across restarts."""
        return self.personal_chat_prefix + self.current_user_id

    @property
    def general_channel_id(self) -> str:
        """The General channel's conversation id is the team id."""
        return self.team_id

    def person(self, key: str) -> Person:
        """Look a person up by id, full name or given name (case-insensitive)."""
        k = key.lower()
        for p in self.people:
            if k in (p.id.lower(), p.name.lower(), p.given_name.lower()):
                return p
        raise KeyError(key)

    def as_user(self, who: str) -> PlaygroundConfig:
        """The same tenant with another current user (by id or name)."""
        return replace(self, current_user_id=self.person(who).id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": "0.1.1",
            "tenantId": self.tenant_id,
            "bot": {"id": self.bot_id, "name": self.bot_name},
            "currentUser": self.current_user.to_config(),
            "users": [p.to_config() for p in self.users],
            "personalChat": {"id": self.personal_chat_id},
            "groupChat": {"id": self.group_chat_id, "name": self.group_chat_name},
            "team": {
                "id": self.team_id,
                "name": self.team_name,
                "aadGroupId": self.team_aad_group_id,
                "channels": [{"id": self.channel_id, "name": self.channel_name}],
            },
        }

    def to_yaml(self) -> str:
        # JSON is valid YAML 1.2, and keeps every id a string without any quoting rules to get wrong.
        return (
            "# written by tests/e2e/harness (tenant.py)\n"
            + json.dumps(self.to_dict(), indent=2)
            + "\n"
        )


CONFIG_FILE_NAME = ".m365agentsplayground.yml"


def write_playground_config(workdir: Path, config: PlaygroundConfig) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / CONFIG_FILE_NAME
    path.write_text(config.to_yaml())
    return path
