"""One module per API area; :data:`HANDLERS` maps every operationId to its handler."""

from __future__ import annotations

from . import coupons, members, misc, non_eligible, otp, stamps, stores, transactions
from .base import Context, Handler, Reply, Settings

HANDLERS: dict[str, Handler] = {
    **stores.HANDLERS,
    **members.HANDLERS,
    **otp.HANDLERS,
    **coupons.HANDLERS,
    **stamps.HANDLERS,
    **transactions.HANDLERS,
    **non_eligible.HANDLERS,
    **misc.HANDLERS,
}

__all__ = ["HANDLERS", "Context", "Handler", "Reply", "Settings"]
