"""What every step of a flow gets: the turn, who is speaking, in which language and role."""

from __future__ import annotations

from dataclasses import dataclass

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from dialogs.i18n import Language
from storage.directory import Directory
from storage.roles import Roles
from storage.values import ConversationKind, Person, Role


@dataclass(frozen=True)
class Services:
    """The storage services a flow may call; built once by bot/ at start-up."""

    directory: Directory
    roles: Roles
    min_group_size: int
    default_language: Language


@dataclass(frozen=True)
class Turn:
    """One incoming activity, already resolved to a person, a language and their roles."""

    context: TurnContext
    person: Person
    language: Language
    roles: frozenset[Role]
    conversation_kind: ConversationKind
    services: Services

    @property
    def activity(self) -> Activity:
        return self.context.activity

    @property
    def k(self) -> int:
        return self.services.min_group_size
