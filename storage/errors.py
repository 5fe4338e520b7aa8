"""Typed domain errors, raised inside storage/ and translated once at the edge into a polite reply."""

from __future__ import annotations

from datetime import datetime


class DomainError(Exception):
    """Base for refusals a person can be told about; the message is never shown to them."""

    code = "domain_error"


class RoundNotFound(DomainError):
    code = "round_not_found"


class RoundNotOpen(DomainError):
    """Scheduled but not yet open."""

    code = "round_not_open"


class RoundClosed(DomainError):
    code = "round_closed"


class PulseAlreadyRunning(DomainError):
    """HR asked for a pulse now while the unit has one open (or opening): a second press, or the
    same press arriving at two replicas. `closes_at` says until when, when it is known."""

    code = "pulse_already_running"

    def __init__(self, unit_name: str, closes_at: datetime | None) -> None:
        super().__init__(unit_name)
        self.unit_name = unit_name
        self.closes_at = closes_at


class NotAMember(DomainError):
    code = "not_a_member"


class AlreadyAnswered(DomainError):
    code = "already_answered"


class InvalidAnswer(DomainError):
    """Missing, extra or out-of-range values: a tampered or broken submission."""

    code = "invalid_answer"


class CommentTooLong(DomainError):
    code = "comment_too_long"


class UnitNotFound(DomainError):
    code = "unit_not_found"


class InvalidTemplate(DomainError):
    code = "invalid_template"


class NotAllowed(DomainError):
    """The viewer may not see or change this unit's results or plan."""

    code = "not_allowed"
