"""The Coupontools client's error hierarchy.

Every failure a caller can act on has its own class. Messages name the operation, Coupontools'
``error_code`` and the session masked (its first four characters: whoever has a session id can
redeem the voucher), never a client secret or Coupontools' free-text ``message``, which may
quote what was sent: that text stays in the ``detail`` attribute, for staff screens.

``CoupontoolsError``
├── ``CoupontoolsUnavailable``        Coupontools could not be reached, or answered 5xx/429
│   │                                 without an answer of its own (after retries). Transient.
│   └── ``CoupontoolsTimeout``        the request may have reached Coupontools: effect unknown.
├── ``CoupontoolsRefused``            Coupontools answered with an error code; ``kind`` says
│   │                                 which (:class:`RefusalKind`), ``error_code`` the number.
│   ├── ``CoupontoolsMissingParameter``   200: a parameter is missing.
│   ├── ``CoupontoolsInvalidCharacter``   300, 301: a parameter has a character it refuses.
│   ├── ``CoupontoolsSessionNotFound``    513: no such coupon session.
│   └── ``CoupontoolsAuthError``          1000 (or HTTP 401/403 without an answer): the client
│                                         id or secret was refused. For staff, not shoppers.
└── ``CoupontoolsResponseError``      the answer does not fit the contract; ``field`` names it.
"""

from __future__ import annotations

from enum import StrEnum


def mask(session: str) -> str:
    """A session id as messages and logs may show it: its first four characters and an
    ellipsis (whoever has the whole id can redeem the voucher)."""
    return session[:4] + "…"


class RefusalKind(StrEnum):
    """What a refusal means, whatever its number."""

    MISSING_PARAMETER = "missing_parameter"
    INVALID_CHARACTER = "invalid_character"
    NOT_FOUND = "not_found"
    AUTHENTICATION = "authentication"
    OTHER = "other"


class CoupontoolsError(Exception):
    """Base of every error raised by the Coupontools client.

    ``status``: the HTTP status of the answer, when there was one (Coupontools' own verdict is
    in its body: see :class:`CoupontoolsRefused`). ``session``: the session masked.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        status: int | None = None,
        session: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.operation = operation
        self.status = status
        self.session = session

    def __str__(self) -> str:
        prefix = f"{self.operation}: " if self.operation else ""
        return f"{prefix}{self.message}"


class CoupontoolsUnavailable(CoupontoolsError):
    """Coupontools is down, overloaded, rate limiting us, or the network failed. Try again."""

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        status: int | None = None,
        session: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, operation=operation, status=status, session=session)
        self.retry_after = retry_after


class CoupontoolsTimeout(CoupontoolsUnavailable):
    """No answer in time. The request may have been processed: its effect is unknown."""


class CoupontoolsRefused(CoupontoolsError):
    """Coupontools answered, with an error: ``error_code`` (None when an HTTP 401/403 came
    without an answer of Coupontools'), its ``kind`` and Coupontools' message as ``detail``."""

    kind: RefusalKind = RefusalKind.OTHER

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        status: int | None = None,
        session: str | None = None,
        error_code: int | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message, operation=operation, status=status, session=session)
        self.error_code = error_code
        self.detail = detail  # Coupontools' message: may quote what was sent, kept out of str()


class CoupontoolsMissingParameter(CoupontoolsRefused):
    """200: a parameter the operation needs was not sent (a parameter name setting is wrong)."""

    kind = RefusalKind.MISSING_PARAMETER


class CoupontoolsInvalidCharacter(CoupontoolsRefused):
    """300, 301: a parameter holds a character Coupontools does not take."""

    kind = RefusalKind.INVALID_CHARACTER


class CoupontoolsSessionNotFound(CoupontoolsRefused):
    """513: Coupontools has no coupon session with this id."""

    kind = RefusalKind.NOT_FOUND


class CoupontoolsAuthError(CoupontoolsRefused):
    """1000: the client id or secret was refused. A set-up problem for staff to fix."""

    kind = RefusalKind.AUTHENTICATION


class CoupontoolsResponseError(CoupontoolsError):
    """Coupontools' answer does not fit the contract. ``field`` is the dotted path of the
    culprit (``data.status.validated``), ``(body)`` when the answer is not a JSON object."""

    def __init__(
        self,
        message: str,
        *,
        field: str,
        operation: str | None = None,
        status: int | None = None,
        session: str | None = None,
    ) -> None:
        super().__init__(message, operation=operation, status=status, session=session)
        self.field = field


#: The classes of the error codes the integration guide (and our account) name.
ERROR_CODES: dict[int, type[CoupontoolsRefused]] = {
    200: CoupontoolsMissingParameter,
    300: CoupontoolsInvalidCharacter,
    301: CoupontoolsInvalidCharacter,
    513: CoupontoolsSessionNotFound,
    1000: CoupontoolsAuthError,
}

_REASONS = {
    RefusalKind.MISSING_PARAMETER: "missing parameter",
    RefusalKind.INVALID_CHARACTER: "invalid character",
    RefusalKind.NOT_FOUND: "session not found",
    RefusalKind.AUTHENTICATION: "authentication failed",
    RefusalKind.OTHER: "refused",
}


def refusal(
    error_code: int | None,
    *,
    operation: str,
    status: int | None,
    session: str | None,
    detail: str | None,
) -> CoupontoolsRefused:
    """The error for Coupontools' ``error_code`` (an :class:`CoupontoolsAuthError` for None:
    an HTTP 401/403 without an answer)."""
    cls = CoupontoolsAuthError if error_code is None else ERROR_CODES.get(error_code)
    cls = cls or CoupontoolsRefused
    code = "no error code" if error_code is None else f"error {error_code}"
    about = f" for session {session}" if session else ""
    return cls(
        f"Coupontools refused ({code}: {_REASONS[cls.kind]}){about}",
        operation=operation,
        status=status,
        session=session,
        error_code=error_code,
        detail=detail,
    )


__all__ = [
    "ERROR_CODES",
    "CoupontoolsAuthError",
    "CoupontoolsError",
    "CoupontoolsInvalidCharacter",
    "CoupontoolsMissingParameter",
    "CoupontoolsRefused",
    "CoupontoolsResponseError",
    "CoupontoolsSessionNotFound",
    "CoupontoolsTimeout",
    "CoupontoolsUnavailable",
    "RefusalKind",
    "mask",
    "refusal",
]
