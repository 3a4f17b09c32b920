"""How the plugin's carrier offers have their use counted.

Oscar counts an offer's use as the order is placed (``ConditionalOffer.record_usage``): it adds
to the offer's counters on the instance it loaded and saves the whole row, inside the order's
transaction. Every member's order uses the plugin's carrier offers, so on PostgreSQL each order
then waits for the one before it to commit (the offer's row stays locked until then), two
orders placed at once count one use instead of two, and a change staff saved to the offer in
the meantime (suspending it, say) is written over with what the order loaded.

For the carrier offers, the counts are added instead in one ``UPDATE`` of the three counters
once the order has committed: no lock is held while the order is written, no count is lost,
and nothing else of the offer is written. A failure to count is logged, never raised (the
order is placed by then).
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import F
from oscar.core.loading import get_model

ConditionalOffer = get_model("offer", "ConditionalOffer")


def count_use_after_commit(offer: Any) -> None:
    """Make Oscar's ``offer.record_usage(discount)``, for this loaded offer, count the use
    once the order commits (see the module's description)."""
    offer.record_usage = partial(_count_after_commit, offer.pk)


def _count_after_commit(offer_id: int, discount: dict[str, Any]) -> None:
    applications, amount = int(discount["freq"]), Decimal(discount["discount"])
    transaction.on_commit(partial(_count, offer_id, applications, amount), robust=True)


def _count(offer_id: int, applications: int, amount: Decimal) -> None:
    ConditionalOffer.objects.filter(pk=offer_id).update(
        num_applications=F("num_applications") + applications,
        total_discount=F("total_discount") + amount,
        num_orders=F("num_orders") + 1,
    )
