"""The two operations: look a coupon session up, and update it.

Handlers get the request's parameters under the contract's names (the account's own names are
translated first) and check what they rely on themselves, so that they answer the guide's
errors with request validation off too: 200 a missing parameter, 300 an invalid
``couponsession``, 301 another invalid parameter, 513 no such session, and the refusal codes of
:class:`~django_diller.coupontools.sandbox.options.SessionOptions` for an update the session's
state does not allow.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from .errors import Refused, invalid, missing, not_found, refusal
from .options import ACTIONS, SessionOptions
from .state import CouponSession, SandboxState
from .wire import session_answer, update_answer

DATA = "couponsession_data"
UPDATE = "couponsession_update"

SESSION_ID = re.compile(r"^[A-Za-z0-9]{1,128}$")
MONEY_SPENT = re.compile(r"^\d+\.\d{3}$")  # the guide's 0.000


@dataclass
class Context:
    state: SandboxState
    client_id: str  # the API client behind the X-Client-Id header
    params: dict[str, Any]  # under the contract's names
    now: datetime
    options: SessionOptions

    def text(self, name: str) -> str:
        """A required parameter as text (200 when missing or empty, 300/301 when not text)."""
        value = self.params.get(name)
        if value is None or value == "":
            raise missing(name)
        if not isinstance(value, str):
            raise invalid(name)
        return value

    def session(self) -> CouponSession:
        """The session ``couponsession`` names (300 for a character not allowed, 513 for none)."""
        reference = self.text("couponsession")
        if not SESSION_ID.match(reference):
            raise invalid("couponsession")
        found = self.state.find(reference, exact_case=self.options.session_case == "exact")
        if found is None:
            raise not_found()
        return found


Handler = Callable[[Context], Any]


def data(ctx: Context) -> Any:
    return session_answer(ctx.session())


def _money_spent(ctx: Context) -> Decimal | None:
    value = ctx.params.get("money_spent")
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not MONEY_SPENT.match(value):
        raise invalid("money_spent")
    return Decimal(value)


def update(ctx: Context) -> Any:
    action = ctx.text("action")
    if action not in ACTIONS:
        raise invalid("action")
    money_spent = _money_spent(ctx) if action == "validate" else None
    session = ctx.session()
    options = ctx.options
    held = options.locks == "held"
    try:
        if action == "lock":
            session.lock(ctx.client_id, ctx.now, held=held, relock=options.relock == "accepted")
        elif action == "unlock":
            session.unlock(ctx.client_id, ctx.now, held=held)
        elif action == "validate":
            session.validate(ctx.client_id, ctx.now, money_spent, held=held)
        else:
            session.void(ctx.client_id, ctx.now, held=held)
    except Refused as refused:
        raise refusal(refused.state, options.refusal_codes) from None
    return update_answer(options.names.wire_action(action), session)


HANDLERS: dict[str, Handler] = {DATA: data, UPDATE: update}

__all__ = ["DATA", "HANDLERS", "UPDATE", "Context", "Handler"]
