"""The Dintero client's error hierarchy.

Every failure a caller can act on has its own class. Messages name the operation and the HTTP
status (and Dintero's error ``code``, an identifier), never a token, a secret, a customer id or
Dintero's free-text ``message``, which may quote what was sent: that text stays in the
``detail`` attribute, for staff screens.

``DinteroError``
├── ``DinteroUnavailable``     Dintero could not be reached, or answered 5xx/429 (after retries).
│   ├── ``DinteroTimeout``      the request may have reached Dintero: its effect is unknown.
│   └── ``DinteroTokenUnavailable`` the token endpoint failed: no API request was sent.
├── ``DinteroAuthError``       the credentials or the token were refused (401, 403).
├── ``DinteroNotFound``        404: the account, customer or receipt does not exist.
├── ``DinteroConflict``        409: the receipt (or change) conflicts with one Dintero has.
├── ``DinteroRefused``         another 4xx: Dintero understood the request and said no.
└── ``DinteroResponseError``   the answer does not fit the contract; ``field`` names the culprit.
"""

from __future__ import annotations

from typing import Any


class DinteroError(Exception):
    """Base of every error raised by the Dintero client."""

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        status: int | None = None,
        code: str | None = None,
        detail: str | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.operation = operation
        self.status = status
        self.code = code  # Dintero's error code, when it sent one
        self.detail = detail  # Dintero's error message: may quote data, kept out of str()
        self.errors: list[dict[str, Any]] = list(errors or [])  # Dintero's nested errors

    def __str__(self) -> str:
        prefix = f"{self.operation}: " if self.operation else ""
        return f"{prefix}{self.message}"


class DinteroUnavailable(DinteroError):
    """Dintero is down, overloaded, rate limiting us, or the network failed. Try again later."""

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        status: int | None = None,
        code: str | None = None,
        detail: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(
            message, operation=operation, status=status, code=code, detail=detail, errors=errors
        )
        self.retry_after = retry_after


class DinteroTimeout(DinteroUnavailable):
    """No answer in time. The request may have been processed: its effect is unknown."""


class DinteroTokenUnavailable(DinteroUnavailable):
    """The token endpoint failed (down, 5xx, 429, network): no API request was sent."""


class DinteroAuthError(DinteroError):
    """The client credentials were refused, or a token was refused (also when freshly fetched),
    or the client lacks the scope for the operation (403)."""


class DinteroNotFound(DinteroError):
    """404: the addressed account, customer or receipt does not exist."""


class DinteroConflict(DinteroError):
    """409: the request conflicts with what Dintero has (a receipt it already holds).

    Creating receipts does not raise it for receipts Dintero already has: they are *already
    received* (:attr:`~django_diller.dintero.api.client.CreateReceiptsResult.already_received`).
    """


class DinteroRefused(DinteroError):
    """Dintero understood the request and refused it (400 and other 4xx); ``errors`` holds
    Dintero's nested errors (which field, why)."""


class DinteroResponseError(DinteroError):
    """Dintero's answer does not fit the contract. ``field`` is the dotted path of the culprit."""

    def __init__(
        self, message: str, *, field: str, operation: str | None = None, status: int | None = None
    ) -> None:
        super().__init__(message, operation=operation, status=status)
        self.field = field
