"""One module per area; :data:`HANDLERS` maps every operationId to its handler."""

from __future__ import annotations

from django_diller.sandbox.handlers.base import Reply

from . import customers, receipts, tokens
from .base import Context, Handler, Settings

HANDLERS: dict[str, Handler] = {**receipts.HANDLERS, **customers.HANDLERS, **tokens.HANDLERS}

__all__ = ["HANDLERS", "Context", "Handler", "Reply", "Settings"]
