"""What every step of a flow gets: the turn, who is speaking, in which language and role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from dialogs.i18n import Language
from dialogs.prompt_services import PromptServices
from storage.answers.pulse import Answers
from storage.comments import comment_threshold
from storage.delivery.status import Deliveries
from storage.directory.hierarchy import Hierarchy
from storage.directory.recipients import Directory
from storage.directory.roles import Roles
from storage.privacy.audit import AuditLog
from storage.privacy.rights import Privacy
from storage.question_bank import QuestionBank
from storage.questions.store import QuestionBankStore
from storage.questions.templates import Templates
from storage.results.download_links import DownloadLinks
from storage.results.month_notes import MonthNotes
from storage.results.summaries import Summaries
from storage.results.team_share import TeamShares
from storage.rounds.closing_note import ClosingNotes
from storage.rounds.lifecycle import Rounds
from storage.values import ConversationKind, Person, Role


@dataclass(frozen=True)
class Services:
    """The storage services a flow may call; built once by bot/ at start-up."""

    directory: Directory
    roles: Roles
    rounds: Rounds
    answers: Answers
    privacy: Privacy
    prompts: PromptServices  # the prompt library, publishing and reflections
    deliveries: Deliveries  # HR's delivery status of a push
    hierarchy: Hierarchy
    closing_notes: ClosingNotes
    summaries: Summaries
    shares: TeamShares  # a leader posts a round's summary in the team's channel
    month_notes: MonthNotes  # leaders above the teams hear when a month is settled
    audit: AuditLog  # who looked at which results: every view is recorded before it is shown
    bank: QuestionBank
    min_group_size: int
    min_comment_group_size: int  # comments and reflection texts need this many answers
    default_language: Language
    pulse_open_days: int
    pulse_reminder_hours: int
    now: Callable[[], datetime]
    download_links: DownloadLinks  # the MED document's links (dialogs/flows/document.py)
    questions: QuestionBankStore | None = None  # HR's question bank (storage/questions/store.py)
    templates: Templates | None = None  # which template each unit's pulses are asked from

    @property
    def comment_k(self) -> int:
        """The comment threshold in force, as storage applies it (never below k)."""
        return comment_threshold(self.min_group_size, self.min_comment_group_size)


class RolesNotLookedUp(LookupError):
    """A step read `turn.roles` on a route declared never to read them (dialogs/access.py)."""


@dataclass(frozen=True)
class Turn:
    """One incoming activity, already resolved to a person, a language and their roles."""

    context: TurnContext
    person: Person
    language: Language
    looked_up_roles: frozenset[Role] | None  # None: the route never reads them
    conversation_kind: ConversationKind
    services: Services

    @property
    def roles(self) -> frozenset[Role]:
        """Raises rather than guess: a step that reads roles must have its route look them up."""
        if self.looked_up_roles is None:
            raise RolesNotLookedUp("this route is declared not to read roles")
        return self.looked_up_roles

    @property
    def activity(self) -> Activity:
        return self.context.activity

    @property
    def k(self) -> int:
        return self.services.min_group_size

    @property
    def comment_k(self) -> int:
        return self.services.comment_k
