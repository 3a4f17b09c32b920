"""The ``apiResponseStatus`` of every answer: the document's codes for success, ours for errors.

The document's four codes (``I04001`` … ``I04004``) and their messages are part of the wire
contract, so their messages stay in English whatever the request's language; the list's code
and the error codes are ours (``docs/discount-api.md`` has the table), and their messages follow
the request's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Status:
    """One ``apiResponseStatus``: a code, its HTTP status, and the message sent with it."""

    code: str
    http_status: int
    message: Any  # a str, or a lazy translation

    def as_dict(self, message: str | None = None) -> dict[str, str]:
        return {"responseCode": self.code, "message": str(message or self.message)}


# The document's codes: its messages, untranslated.
CREATED = Status("I04001", 201, "Created successfully")
RETRIEVED = Status("I04002", 200, "Retrieved successfully")
UPDATED = Status("I04003", 200, "Updated successfully")
DELETED = Status("I04004", 200, "Deleted successfully")
# Ours: the paginated list.
LISTED = Status("I04005", 200, "Listed successfully")

# Ours: the errors.
INVALID_BODY = Status("E04001", 400, _("The request body is invalid."))
MALFORMED_BODY = Status("E04002", 400, _("The request body is not valid JSON."))
INVALID_QUERY = Status("E04003", 400, _("A query parameter is invalid."))
NOT_AUTHENTICATED = Status("E04010", 401, _("A valid bearer token is required."))
MISSING_SCOPE = Status("E04030", 403, _("The token lacks the scope this request needs."))
DISCOUNT_NOT_FOUND = Status("E04040", 404, _("No discount has this id."))
ENTRY_NOT_FOUND = Status("E04041", 404, _("The discount's list does not hold this id."))
METHOD_NOT_ALLOWED = Status("E04050", 405, _("This method is not allowed here."))
NOT_ACCEPTABLE = Status("E04060", 406, _("The API answers only in JSON."))
DUPLICATE_ID = Status("E04090", 409, _("A discount with this id exists already."))
UNSUPPORTED_MEDIA_TYPE = Status("E04150", 415, _("The request body must be JSON."))
THROTTLED = Status("E04290", 429, _("Too many requests; try again later."))
OTHER_ERROR = Status("E04000", 400, _("The request could not be handled."))

SUCCESS = (CREATED, RETRIEVED, UPDATED, DELETED, LISTED)
ERRORS = (
    INVALID_BODY,
    MALFORMED_BODY,
    INVALID_QUERY,
    NOT_AUTHENTICATED,
    MISSING_SCOPE,
    DISCOUNT_NOT_FOUND,
    ENTRY_NOT_FOUND,
    METHOD_NOT_ALLOWED,
    NOT_ACCEPTABLE,
    DUPLICATE_ID,
    UNSUPPORTED_MEDIA_TYPE,
    THROTTLED,
    OTHER_ERROR,
)
