"""Coupontools' outbox handlers: lock a voucher when its order is placed, validate it with the
money spent when payment is taken, unlock it when the order is cancelled or abandoned.

Each is an outbox entry (retried, visible in admin, exactly once). An update whose answer was
lost may have been done: when Coupontools refuses a repeat, the handler looks the voucher up and
counts the update as done when the voucher is in the state it asked for, so that every answer
the contract allows for a repeat (an "OK", or a refusal of whatever code) ends the same way.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from ..outbox import registry
from ..outbox.models import OutboxEntry
from .api import CoupontoolsError, CoupontoolsRefused, CoupontoolsUnavailable, SessionState
from .connection import NotConfigured, get_client
from .kinds import Kind
from .vouchers import mask_code

logger = logging.getLogger("django_diller.coupontools")

registry.classify_errors(
    transient=(CoupontoolsUnavailable,),
    permanent=(CoupontoolsError, NotConfigured),
)


class VoucherHandler(registry.Handler):
    """Payload: ``{"session": …}`` (and ``money_spent`` to validate), written when queued."""

    def build_payload(self, entry: OutboxEntry) -> dict[str, Any]:
        return dict(entry.payload)

    def send(self, entry: OutboxEntry) -> dict[str, Any]:
        session = str(entry.payload["session"])
        try:
            self.update(session, entry.payload)
        except CoupontoolsRefused as exc:
            state = get_client().get_session(session).state
            if not self.done(state):
                raise
            logger.info(
                "coupontools voucher %s: %s refused (%s), but it is done already",
                mask_code(session),
                self.kind,
                exc.error_code,
            )
            return {"session": mask_code(session), "done_before": True}
        return {"session": mask_code(session)}

    def update(self, session: str, payload: dict[str, Any]) -> None:
        raise NotImplementedError

    def done(self, state: SessionState) -> bool:
        """Whether a voucher in ``state`` needs this update no more."""
        raise NotImplementedError


@registry.register
class LockVoucher(VoucherHandler):
    """Hold the voucher for the order: no till or other checkout can use it meanwhile."""

    kind = Kind.LOCK
    label = Kind.LOCK.label

    def update(self, session: str, payload: dict[str, Any]) -> None:
        get_client().lock(session)

    def done(self, state: SessionState) -> bool:
        return bool(state.locked or state.validated)


@registry.register
class ValidateVoucher(VoucherHandler):
    """The voucher used, with the money the order's buyer spent (after the discount)."""

    kind = Kind.VALIDATE
    label = Kind.VALIDATE.label
    after_dead = True  # validate even if the lock never went: the voucher was used

    def update(self, session: str, payload: dict[str, Any]) -> None:
        spent = payload.get("money_spent")
        get_client().validate(session, Decimal(spent) if spent is not None else None)

    def done(self, state: SessionState) -> bool:
        return bool(state.validated)


@registry.register
class UnlockVoucher(VoucherHandler):
    """Free the voucher again: its order was cancelled, its payment failed or was never made."""

    kind = Kind.UNLOCK
    label = Kind.UNLOCK.label
    after_dead = True

    def update(self, session: str, payload: dict[str, Any]) -> None:
        get_client().unlock(session)

    def done(self, state: SessionState) -> bool:
        return not state.locked and not state.validated
