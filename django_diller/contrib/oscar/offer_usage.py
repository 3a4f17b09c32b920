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

from ...commit_waiting import Waiting

ConditionalOffer = get_model("offer", "ConditionalOffer")

# Uses waiting for their transaction's commit: key → (offer, applications, amount).
USES: Waiting[int, tuple[int, int, Decimal]] = Waiting("_diller_offer_uses")
_keys = itertools.count()


def count_use_at_commit(offer: Any) -> None:
    """Make Oscar's ``offer.record_usage(discount)``, for this loaded offer, count the use
    when the order commits (see the module's description)."""
    offer.record_usage = partial(_count_at_commit, offer.pk)


def _count_at_commit(offer_id: int, discount: dict[str, Any]) -> None:
    applications, amount = int(discount["freq"]), Decimal(discount["discount"])
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _count(offer_id, applications, amount, orders=1)
        return
    key = next(_keys)
    callback = partial(_count_if_pending, connection, key)
    transaction.on_commit(callback, robust=True)
    USES.add(connection, key, (offer_id, applications, amount), callback)


def _count_if_pending(connection: Any, key: int) -> None:
    """After the commit: the use, unless it was counted before the commit."""
    use = USES.pop(connection, key)
    if use is not None:
        offer_id, applications, amount = use
        _count(offer_id, applications, amount, orders=1)


def uses_to_count(connection: Any) -> list[int]:
    """The uses waiting for the current transaction's commit that may be counted now, inside
    it: those of the savepoint open now (see :mod:`django_diller.commit_waiting`). Their keys."""
    return USES.in_open_savepoint(connection)


def count_now(connection: Any, keys: list[int]) -> None:
    """Count these uses now: one ``UPDATE`` per offer. Run it as the transaction's last
    statements (the offer's row stays locked until the commit), then :func:`forget` them."""
    by_offer: dict[int, tuple[int, Decimal, int]] = {}
    for key in keys:
        offer_id, applications, amount = USES.value(connection, key)
        counted = by_offer.get(offer_id, (0, Decimal(0), 0))
        by_offer[offer_id] = (counted[0] + applications, counted[1] + amount, counted[2] + 1)
    for offer_id, (applications, amount, orders) in sorted(by_offer.items()):
        _count(offer_id, applications, amount, orders=orders)


def forget(connection: Any, keys: list[int]) -> None:
    """These uses were counted before the commit: their callbacks find nothing left."""
    for key in keys:
        USES.pop(connection, key)


def _count(offer_id: int, applications: int, amount: Decimal, *, orders: int) -> None:
    ConditionalOffer.objects.filter(pk=offer_id).update(
        num_applications=F("num_applications") + applications,
        total_discount=F("total_discount") + amount,
        num_orders=F("num_orders") + orders,
    )
