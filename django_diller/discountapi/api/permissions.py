"""The API's scopes: reading needs ``discounts:read``, every change ``discounts:write``.

A token from django-oauth-toolkit (client credentials) carries the scopes the back office asked
for; :class:`DiscountScopes` refuses a request whose token lacks the method's scope (403) and
leaves a request without a valid token to REST framework, which answers 401.
"""

from __future__ import annotations

from typing import Any

from oauth2_provider.contrib.rest_framework import TokenHasScope
from rest_framework.permissions import SAFE_METHODS

READ_SCOPE = "discounts:read"
WRITE_SCOPE = "discounts:write"
SCOPES = {
    READ_SCOPE: "Read the discounts",
    WRITE_SCOPE: "Create, change and delete discounts",
}


class DiscountScopes(TokenHasScope):
    """``discounts:read`` for GET, HEAD and OPTIONS; ``discounts:write`` for the rest."""

    def get_scopes(self, request: Any, view: Any) -> list[str]:
        return [READ_SCOPE] if request.method in SAFE_METHODS else [WRITE_SCOPE]


def actor(request: Any) -> str:
    """The audit log's actor of a request: ``"oauth:<application name>"`` (its client id when
    the application has no name)."""
    application = getattr(request.auth, "application", None)
    if application is None:
        return "oauth:unknown"
    return f"oauth:{application.name or application.client_id}"
