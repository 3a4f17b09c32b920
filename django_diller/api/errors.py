"""The client's error hierarchy.

Every failure a caller can act on has its own class, and none of their messages carry a token, a
secret or a member's personal data: they name the operation, the HTTP status and Diller's own
``detail`` text (which describes the problem, not the person).

``DillerError``
├── ``DillerUnavailable``    Diller could not be reached or answered 5xx/429 (after retries).
│   └── ``DillerTimeout``    the request may have reached Diller: its effect is unknown.
├── ``DillerAuthError``      the credentials were refused, or a fresh token was refused too.
├── ``DillerNotFound``       404: the store, member, coupon or transaction does not exist.
├── ``DillerValidationError`` 4xx problem details: ``field_errors`` maps wire fields to messages.
├── ``DillerRefused``        HTTP 200, ``is_ok = false``: a refusal; ``details`` says why.
└── ``DillerResponseError``  Diller's answer does not match the contract; ``field`` names the field.
"""

from __future__ import annotations

from collections.abc import Mapping


class DillerError(Exception):
    """Base of every error raised by the Diller client."""

    def __init__(self, message: str, *, operation: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.operation = operation
        self.status = status

    def __str__(self) -> str:
        prefix = f"{self.operation}: " if self.operation else ""
        return f"{prefix}{self.message}"


class DillerUnavailable(DillerError):
    """Diller is down, overloaded, rate limiting us, or the network failed."""

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
    ):
        super().__init__(message, operation=operation, status=status)
        self.retry_after = retry_after


class DillerTimeout(DillerUnavailable):
    """No answer in time. The request may have been processed: its effect is unknown."""


class DillerAuthError(DillerError):
    """The OAuth2 credentials were refused, or a freshly fetched token was refused."""


class ProblemDetailsError(DillerError):
    """An error answered with RFC 7807 problem details."""

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        status: int | None = None,
        title: str | None = None,
        detail: str | None = None,
        field_errors: Mapping[str, list[str]] | None = None,
    ):
        super().__init__(message, operation=operation, status=status)
        self.title = title
        self.detail = detail
        self.field_errors: dict[str, list[str]] = dict(field_errors or {})


class DillerNotFound(ProblemDetailsError):
    """404: the addressed store, member, coupon, stamp card or transaction does not exist."""


class DillerValidationError(ProblemDetailsError):
    """Diller rejected the request (4xx); ``field_errors`` maps wire field names to messages."""


class DillerRefused(DillerError):
    """``ActionResponse.is_ok`` was false: Diller understood and declined (``details`` says why).

    The message is not Diller's ``details``: that free text may quote what was sent (a phone
    number, an e-mail), and messages end up in logs. Who shows the reason to staff reads
    :meth:`for_staff`.
    """

    def __init__(self, details: str, *, operation: str | None = None):
        super().__init__("refused", operation=operation, status=200)
        self.details = details

    def for_staff(self) -> str:
        """The message with Diller's reason, for a record only staff read (the outbox's)."""
        return f"{self}: {self.details}" if self.details else str(self)


class DillerResponseError(DillerError):
    """Diller's answer does not fit the contract. ``field`` is the dotted path of the culprit."""

    def __init__(
        self, message: str, *, field: str, operation: str | None = None, status: int | None = None
    ) -> None:
        super().__init__(message, operation=operation, status=status)
        self.field = field
