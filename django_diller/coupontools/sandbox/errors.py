"""Coupontools' error answers, and the sandbox's own failure type.

Handlers raise :class:`CoupontoolsError`; the app turns it into Coupontools' answer,
``{"status": {"status": "ERROR", "error_code": 513, "message": "..."}}``. The HTTP status it
goes with is the sandbox's choice (:attr:`CoupontoolsError.http_status`, used when the sandbox
maps errors to HTTP statuses; otherwise every answer is a 200, and only ``status.status`` says
whether it worked).

The codes of the integration guide: 200 a missing parameter, 300 an invalid character in
``couponsession``, 513 no such session; 301 an invalid character in another parameter and 1000
a failed authentication are Coupontools' too. The codes for a session that cannot be updated
(already validated, voided, expired, locked) are not in the guide: see :data:`REFUSAL_CODES`.
"""

from __future__ import annotations

from typing import Any

from django_diller.sandbox.problems import SandboxContractError

ERROR_STATUS = "ERROR"

MISSING_PARAMETER = 200
INVALID_CHARACTER = 300  # in couponsession
INVALID_PARAMETER = 301  # an invalid character in another parameter (money_spent, the action)
SESSION_NOT_FOUND = 513
AUTHENTICATION_FAILED = 1000

# The codes of a refused update (the state the session is in -> code, message). Assumed: the
# guide names none, the contract allows any ("others may come"); a sandbox's
# ``SessionOptions.refusal_codes`` changes the codes.
REFUSAL_CODES: dict[str, tuple[int, str]] = {
    "validated": (514, "Coupon session already validated"),
    "voided": (515, "Coupon session voided"),
    "expired": (516, "Coupon session expired"),
    "locked": (517, "Coupon session locked"),
}

# The HTTP status each code goes with when errors are mapped to HTTP statuses.
HTTP_STATUSES: dict[int, int] = {
    MISSING_PARAMETER: 400,
    INVALID_CHARACTER: 400,
    INVALID_PARAMETER: 400,
    SESSION_NOT_FOUND: 404,
    AUTHENTICATION_FAILED: 401,
}
REFUSED_HTTP_STATUS = 409


class CoupontoolsError(Exception):
    """An error answer: Coupontools' ``error_code`` and message, and the HTTP status it goes
    with when the sandbox maps errors to HTTP statuses."""

    def __init__(
        self,
        error_code: int,
        message: str,
        *,
        http_status: int | None = None,
        fixed: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.message = message
        self.http_status = http_status or HTTP_STATUSES.get(error_code, REFUSED_HTTP_STATUS)
        # The sandbox's own errors (no such route, a contract breach) keep their HTTP status;
        # Coupontools' go with 200 unless the sandbox maps them.
        self.fixed = fixed
        self.headers = headers or {}

    def payload(self) -> dict[str, Any]:
        return {
            "status": {
                "status": ERROR_STATUS,
                "error_code": self.error_code,
                "message": self.message,
            }
        }


def missing(parameter: str) -> CoupontoolsError:
    return CoupontoolsError(MISSING_PARAMETER, f"Missing parameter: {parameter}")


def invalid(parameter: str) -> CoupontoolsError:
    code = INVALID_CHARACTER if parameter == "couponsession" else INVALID_PARAMETER
    return CoupontoolsError(code, f"Invalid character in parameter: {parameter}")


def not_found() -> CoupontoolsError:
    return CoupontoolsError(SESSION_NOT_FOUND, "Coupon session not found")


def unauthorized() -> CoupontoolsError:
    return CoupontoolsError(AUTHENTICATION_FAILED, "Authentication failed")


class Refused(Exception):
    """The state machine's refusal: the session is ``state`` ("validated", "voided",
    "expired" or "locked"); :func:`refusal` makes it an answer."""

    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state


def refusal(state: str, codes: dict[str, int] | None = None) -> CoupontoolsError:
    """The answer to an update refused because the session is ``state``."""
    code, message = REFUSAL_CODES[state]
    return CoupontoolsError((codes or {}).get(state, code), message)


__all__ = [
    "AUTHENTICATION_FAILED",
    "INVALID_CHARACTER",
    "INVALID_PARAMETER",
    "MISSING_PARAMETER",
    "REFUSAL_CODES",
    "SESSION_NOT_FOUND",
    "CoupontoolsError",
    "Refused",
    "SandboxContractError",
    "invalid",
    "missing",
    "not_found",
    "refusal",
    "unauthorized",
]
