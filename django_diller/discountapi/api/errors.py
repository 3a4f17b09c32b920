"""The API's errors and its exception handler: every error answers in the document's style,
``{"apiResponseStatus": {"responseCode", "message"}, "errors": [{"field", "message"}]}``.

``errors`` names each invalid field by its path in the document (``"rate"``,
``"temporalValidity.validFromTime"``, ``"locationValidity.stores[1]"``); the message repeats the
first one, so that a back office that logs only ``apiResponseStatus`` still sees which field.
Messages never echo the token or the request's values.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from . import codes
from .codes import Status


class ApiError(exceptions.APIException):
    """An error with one of our codes, and the fields it concerns (``[(field, message)]``)."""

    def __init__(
        self, status: Status, *, errors: list[tuple[str | None, str]] | None = None
    ) -> None:
        self.status = status
        self.status_code = status.http_status
        self.errors = errors or []
        super().__init__(detail=str(status.message))


def field_errors(detail: Any, path: str = "") -> Iterator[tuple[str | None, str]]:
    """``(field path, message)`` of each message in a DRF ``ValidationError``'s detail."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key == "non_field_errors":
                yield from field_errors(value, path)
            elif isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
                yield from field_errors(value, f"{path}[{key}]")
            else:
                yield from field_errors(value, f"{path}.{key}" if path else str(key))
    elif isinstance(detail, list):
        for item in detail:
            yield from field_errors(item, path)
    else:
        yield (path or None, str(detail))


def body(status: Status, errors: list[tuple[str | None, str]] | None = None) -> dict[str, Any]:
    """An error answer's body; its message names the first field in error."""
    errors = errors or []
    message = str(status.message)
    if errors:
        field, error = errors[0]
        named = f"{field}: {error}" if field else error
        message = f"{message.rstrip('.')} ({named})"
    return {
        "apiResponseStatus": status.as_dict(message),
        "errors": [{"field": field, "message": error} for field, error in errors],
    }


BY_CLASS: tuple[tuple[type[Exception], Status], ...] = (
    (exceptions.ParseError, codes.MALFORMED_BODY),
    (exceptions.NotAuthenticated, codes.NOT_AUTHENTICATED),
    (exceptions.AuthenticationFailed, codes.NOT_AUTHENTICATED),
    (exceptions.PermissionDenied, codes.MISSING_SCOPE),
    (DjangoPermissionDenied, codes.MISSING_SCOPE),
    (exceptions.NotFound, codes.DISCOUNT_NOT_FOUND),
    (Http404, codes.DISCOUNT_NOT_FOUND),
    (exceptions.MethodNotAllowed, codes.METHOD_NOT_ALLOWED),
    (exceptions.NotAcceptable, codes.NOT_ACCEPTABLE),
    (exceptions.UnsupportedMediaType, codes.UNSUPPORTED_MEDIA_TYPE),
    (exceptions.Throttled, codes.THROTTLED),
)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's exception handler for the API's views: every error in the document's style.

    Anything that is not an API error is left to Django (None), as DRF's own handler does.
    """
    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(int(exc.wait))

    if isinstance(exc, ApiError):
        status, errors = exc.status, exc.errors
    elif isinstance(exc, exceptions.ValidationError):
        status, errors = codes.INVALID_BODY, list(field_errors(exc.detail))
    else:
        found = next((st for cls, st in BY_CLASS if isinstance(exc, cls)), None)
        if found is None and not isinstance(exc, exceptions.APIException):
            return None
        status, errors = found or codes.OTHER_ERROR, []
    http_status = status.http_status
    if status is codes.OTHER_ERROR and isinstance(exc, exceptions.APIException):
        http_status = exc.status_code
    set_rollback()
    return Response(body(status, errors), status=http_status, headers=headers)
