"""Dintero's error answers, and the sandbox's own failure type.

Handlers raise :class:`DinteroError`; the app turns it into Dintero's ``Error`` body,
``{"error": {"code": ..., "message": ..., "errors": [...]}}``, sent as ``application/json``.
"""

from __future__ import annotations

from typing import Any

from django_diller.sandbox.problems import SandboxContractError

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    415: "unsupported_media_type",
    429: "too_many_requests",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


class DinteroError(Exception):
    """An error answer. ``errors`` are the nested validation errors (``field``, ``message``)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or _CODES.get(status, "error")
        self.errors = errors
        self.headers = headers or {}

    def payload(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.errors:
            error["errors"] = self.errors
        return {"error": error}


def bad_request(message: str, field: str | None = None, code: str | None = None) -> DinteroError:
    """A 400; ``field`` names the wire field at fault (``receipts[0].receipt_id``)."""
    errors = [{"field": field, "message": message}] if field else None
    return DinteroError(400, message, code=code, errors=errors)


def not_found(message: str) -> DinteroError:
    return DinteroError(404, message)


def forbidden(message: str, status: int = 403) -> DinteroError:
    return DinteroError(status, message, code="forbidden")


__all__ = ["DinteroError", "SandboxContractError", "bad_request", "forbidden", "not_found"]
