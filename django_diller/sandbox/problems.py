"""RFC 7807 problem details, and the sandbox's own failure type.

Handlers raise :class:`ApiProblem`; the app turns it into an ``application/problem+json`` answer
shaped like ASP.NET Core's (``type``, ``title``, ``status``, ``detail``, ``instance``, ``errors``).
"""

from __future__ import annotations

from typing import Any

PROBLEM_CONTENT_TYPE = "application/problem+json"

_TITLES = {
    400: "One or more validation errors occurred.",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}

_TYPES = {
    400: "https://tools.ietf.org/html/rfc9110#section-15.5.1",
    401: "https://tools.ietf.org/html/rfc9110#section-15.5.2",
    403: "https://tools.ietf.org/html/rfc9110#section-15.5.4",
    404: "https://tools.ietf.org/html/rfc9110#section-15.5.5",
    405: "https://tools.ietf.org/html/rfc9110#section-15.5.6",
    409: "https://tools.ietf.org/html/rfc9110#section-15.5.10",
    415: "https://tools.ietf.org/html/rfc9110#section-15.5.16",
    429: "https://tools.ietf.org/html/rfc6585#section-4",
    500: "https://tools.ietf.org/html/rfc9110#section-15.6.1",
    503: "https://tools.ietf.org/html/rfc9110#section-15.6.4",
}


class SandboxContractError(AssertionError):
    """The sandbox was about to send a response that breaks the OpenAPI contract.

    This is a bug in the sandbox, never the client's fault, so it is raised to the caller (the
    test) instead of being sent.
    """


class ApiProblem(Exception):
    """An error answer. ``errors`` maps wire field names to messages."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: dict[str, list[str]] | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors
        self.title = title
        self.headers = headers or {}

    def payload(self, instance: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": _TYPES.get(self.status, "about:blank"),
            "title": self.title or _TITLES.get(self.status, "Error"),
            "status": self.status,
            "detail": self.detail,
            "instance": instance,
        }
        if self.errors:
            body["errors"] = self.errors
        return body


def bad_request(detail: str, errors: dict[str, list[str]]) -> ApiProblem:
    return ApiProblem(400, detail, errors=errors)


def field_error(field: str, message: str) -> ApiProblem:
    """A 400 naming one field."""
    return ApiProblem(400, f"{field}: {message}", errors={field: [message]})


def not_found(detail: str) -> ApiProblem:
    return ApiProblem(404, detail)


def conflict(field: str, message: str) -> ApiProblem:
    return ApiProblem(409, message, errors={field: [message]})
