"""Typed domain errors, raised inside storage/ and translated once at the edge into a polite reply."""

from __future__ import annotations


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
