"""What a route needs before its step runs, and what a person it is not for is told.

Each route in the routing table (bot/teams/router.py) names the roles it needs (`Who`) and the kinds
of chat it is for (`Where`); the router checks both before the step runs, so a step trusts them and
checks neither again. A domain error a step raises (storage/errors.py) is told to the person by the
route's `refuse`, called once by the router: steps never catch one to translate it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from dialogs.turn import Turn
from storage.errors import DomainError
from storage.values import ConversationKind, Role

Step = Callable[[Turn], Awaitable[None]]
# Tells the person why a domain error stopped the step; False: not a refusal this route knows, and
# the router lets it go on up to the turn error handler (a polite generic reply and a log line).
Refuse = Callable[[Turn, DomainError], Awaitable[bool]]


@dataclass(frozen=True)
class Refusal:
    """The text a person is told when a route is not for them, and the log line (never who)."""

    text: str  # a key in dialogs/texts/
    event: str | None = None  # logged at INFO with `reason`; None: not logged
    reason: str = ""


@dataclass(frozen=True)
class Who:
    """The roles a route needs: any one of `any_of`; empty means everyone.

    `looked_up=False` is for steps that never read `turn.roles` (a person's own answers): their
    turns skip the roles lookup, a database read per turn, and `turn.roles` raises if read."""

    any_of: frozenset[Role]
    refusal: Refusal | None = None
    looked_up: bool = True

    def __post_init__(self) -> None:
        if self.any_of and (self.refusal is None or not self.looked_up):
            raise ValueError("a route that needs a role looks it up and says why it refuses")

    def admits(self, turn: Turn) -> bool:
        return not self.any_of or bool(self.any_of & turn.roles)


@dataclass(frozen=True)
class Where:
    """The kinds of chat a route is for; a card pressed anywhere else is refused."""

    kinds: frozenset[ConversationKind]
    refusal: Refusal | None = None

    def __post_init__(self) -> None:
        if not self.kinds or (self.kinds != ANY_KIND and self.refusal is None):
            raise ValueError("a route for some chats only says why it refuses the others")

    def admits(self, turn: Turn) -> bool:
        return turn.conversation_kind in self.kinds


ANY_KIND = frozenset(ConversationKind)
EVERYONE = Who(frozenset())
EVERYONE_UNSEEN = Who(frozenset(), looked_up=False)  # the step never reads roles
ANY_CHAT = Where(ANY_KIND)


def only(*roles: Role, refusal: Refusal) -> Who:
    return Who(frozenset(roles), refusal)


def personal_only(refusal: Refusal) -> Where:
    return Where(frozenset({ConversationKind.PERSONAL}), refusal)


@dataclass(frozen=True)
class Route:
    """One command word or card action: its step, who may use it where, and its refusals."""

    step: Step
    who: Who
    where: Where
    refuse: Refuse | None = None  # None: the step raises no domain error it could tell
    where_first: bool = False  # the chat is checked before the roles (the order the step had)
    quiet: bool = False  # logged at DEBUG: a person's own answers (bot/teams/router.py says why)

    def refusal_for(self, turn: Turn) -> Refusal | None:
        """The first check this turn fails, in the route's order; None when it passes both."""
        checks = [(self.who.admits, self.who.refusal), (self.where.admits, self.where.refusal)]
        if self.where_first:
            checks.reverse()
        for admits, refusal in checks:
            if not admits(turn):
                return refusal
        return None
