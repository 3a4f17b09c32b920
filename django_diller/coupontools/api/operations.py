"""The two operations of Coupontools' v3 API that we use: method, path, idempotency, answer.

Paths are the contract's, relative to the host (``https://api.coupontools.com``).
``tests/coupontools/api/test_operations_contract.py`` checks this table against the contract.

The look-up changes nothing, so the client tries it again after a timeout or a 5xx. The update
does not: locking, unlocking, validating or voiding twice is not the same as once (a second
validate may be refused as "already used" after the first succeeded unseen), so it is tried
again only when the request certainly never reached Coupontools (no connection, or a 429 that
refused it unprocessed); the outbox, which knows what it asked for, decides the rest.
"""

from __future__ import annotations

from django_diller.api.operations import Operation

from . import models as m

DATA = Operation("couponsession_data", "POST", "/v3/couponsession/data", True, m.CouponSession)
UPDATE = Operation(
    "couponsession_update", "POST", "/v3/couponsession/update", False, m.UpdateResult
)

OPERATIONS: dict[str, Operation] = {op.operation_id: op for op in (DATA, UPDATE)}

__all__ = ["DATA", "OPERATIONS", "UPDATE", "Operation"]
