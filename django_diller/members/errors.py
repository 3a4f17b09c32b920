"""The refusals of the member flows; the views show a matching message of their own.

Diller's own errors (``DillerUnavailable``, ``DillerValidationError``…) are not wrapped: they
pass through the flows for the view to show.
"""

from __future__ import annotations


class MemberServiceError(Exception):
    """A refusal of the member flows; views show a matching message of their own."""


class RateLimited(MemberServiceError):
    """Too many codes or links asked for this phone or from this address."""


class NoPendingLink(MemberServiceError):
    """No code is pending in this session (never sent, expired, used up or voided)."""


class WrongCode(MemberServiceError):
    """The code was refused; ``attempts_left`` more tries before the pending link is void."""

    def __init__(self, attempts_left: int):
        super().__init__(f"wrong code, {attempts_left} attempt(s) left")
        self.attempts_left = attempts_left


class TooManyAttempts(MemberServiceError):
    """The fifth wrong code: the pending link is void, a new code must be asked for."""


class MemberTaken(MemberServiceError):
    """The Diller member is already linked to another shop account."""


class AlreadyLinked(MemberServiceError):
    """This shop account is already linked to a member."""


class TokenUsed(MemberServiceError):
    """The activation token already finished a membership: it cannot finish another."""


class LoginNeeded(MemberServiceError):
    """The activation link is for a membership that belongs with a shop account."""


class JoinNotConfigured(MemberServiceError):
    """No web shop department is configured: Diller's enroll needs one."""
