"""How the plugin's carrier offers have their use counted.

Oscar counts an offer's use as the order is placed (``ConditionalOffer.record_usage``): it adds
to the offer's counters on the instance it loaded and saves the whole row, inside the order's
transaction. Every member's order uses the plugin's carrier offers, so on PostgreSQL each order
then waits for the one before it to commit (the offer's row stays locked until then), two
orders placed at once count one use instead of two, and a change staff saved to the offer in
the meantime (suspending it, say) is written over with what the order loaded.

For the carrier offers, the counts are added instead with one ``UPDATE`` of the three counters,
and nothing else of the offer is written: no count is lost and no change staff saved is written
over. When the checkout places the order in a transaction (``ATOMIC_REQUESTS``), it runs the
``UPDATE`` as the transaction's last statements (see :mod:`.order_commit`), so that the offer's
row is locked only for the moment before the commit and no transaction of its own follows the
order's. Otherwise (an order placed some other way, or that ``UPDATE`` failing) the use is
counted once the order has committed; a failure then is logged, never raised (the order is
placed by then).
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import F
from oscar.core.loading import get_model

ConditionalOffer = get_model("offer", "ConditionalOffer")

# Uses waiting for their transaction's commit, on its connection: key → (offer, applications,
# amount, the on_commit callback that counts it). A use whose callback a rollback discarded is
# not counted.
_keys = itertools.count()


def count_use_after_commit(offer: Any) -> None:
    """Make Oscar's ``offer.record_usage(discount)``, for this loaded offer, count the use
    when the order commits (see the module's description)."""
    offer.record_usage = partial(_count_at_commit, offer.pk)


Use = tuple[int, int, Decimal, Any]


def _pending(connection: Any) -> dict[int, Use]:
    pending: dict[int, Use] | None = getattr(connection, "_diller_offer_uses", None)
    if pending is None:
        pending = connection._diller_offer_uses = {}
    return pending


def _count_at_commit(offer_id: int, discount: dict[str, Any]) -> None:
    applications, amount = int(discount["freq"]), Decimal(discount["discount"])
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _count(offer_id, applications, amount, orders=1)
        return
    pending = _pending(connection)
    registered = {callback[1] for callback in connection.run_on_commit}
    for gone in [key for key, use in pending.items() if use[3] not in registered]:
        del pending[gone]  # rolled back with its callback
    key = next(_keys)
    callback = partial(_count_if_pending, connection, key)
    pending[key] = (offer_id, applications, amount, callback)
    transaction.on_commit(callback, robust=True)


def _count_if_pending(connection: Any, key: int) -> None:
    """After the commit: the use, unless it was counted before the commit."""
    use = _pending(connection).pop(key, None)
    if use is not None:
        offer_id, applications, amount, _callback = use
        _count(offer_id, applications, amount, orders=1)


def _within(sids: set[str], connection: Any) -> bool:
    """Whether a callback registered under the savepoints ``sids`` belongs to the innermost
    savepoint open now (or one inside it): rolled back with it, if it is."""
    return set(connection.savepoint_ids) <= sids


def uses_to_count(connection: Any) -> list[int]:
    """The uses waiting for the current transaction's commit that may be counted now, inside
    it: those whose callbacks are registered in the savepoint open now (a use from outside it
    could stay uncounted if the savepoint were rolled back). Their keys."""
    pending = _pending(connection)
    registered = {callback[1]: callback[0] for callback in connection.run_on_commit}
    return [
        key
        for key, use in pending.items()
        if use[3] in registered and _within(registered[use[3]], connection)
    ]


def count_now(connection: Any, keys: list[int]) -> None:
    """Count these uses now: one ``UPDATE`` per offer. Run it as the transaction's last
    statements (the offer's row stays locked until the commit), then :func:`forget` them."""
    pending = _pending(connection)
    by_offer: dict[int, tuple[int, Decimal, int]] = {}
    for key in keys:
        offer_id, applications, amount, _callback = pending[key]
        counted = by_offer.get(offer_id, (0, Decimal(0), 0))
        by_offer[offer_id] = (counted[0] + applications, counted[1] + amount, counted[2] + 1)
    for offer_id, (applications, amount, orders) in sorted(by_offer.items()):
        _count(offer_id, applications, amount, orders=orders)


def forget(connection: Any, keys: list[int]) -> None:
    """These uses were counted before the commit: their callbacks find nothing left."""
    pending = _pending(connection)
    for key in keys:
        pending.pop(key, None)


def _count(offer_id: int, applications: int, amount: Decimal, *, orders: int) -> None:
    ConditionalOffer.objects.filter(pk=offer_id).update(
        num_applications=F("num_applications") + applications,
        total_discount=F("total_discount") + amount,
        num_orders=F("num_orders") + orders,
    )
