"""The loyalty provider's Celery tasks."""

from __future__ import annotations

import logging

from celery import shared_task

from ..api import DillerError, DillerUnavailable

logger = logging.getLogger("django_diller.wallet")

# Diller down or rate limiting: try again later, with growing, jittered waits.
RETRY_WHILE_UNAVAILABLE = {
    "autoretry_for": (DillerUnavailable,),
    "retry_backoff": True,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(name="django_diller.tasks.prefetch_wallet", ignore_result=True)
def prefetch_wallet(member_id: str) -> bool:
    """Fetch a member's coupons and stamp cards into the cache before the checkout asks (queued
    on log-in and when the basket fills). Not retried: the coupon step fetches them itself when
    this failed; whether the wallet is cached now."""
    from .wallet import fetch_wallet

    try:
        fetch_wallet(member_id)
    except DillerError as exc:
        logger.info("diller wallet prefetch failed: %s", type(exc).__name__)
        return False
    return True


@shared_task(name="django_diller.tasks.refresh_non_eligible_products", ignore_result=True)
def refresh_non_eligible_products(store_id: str | None = None) -> int:
    """Fetch Diller's non-eligible list again (queued by pricing when its copy is stale, or
    run from Celery beat); the number of entries. Not retried: while the copy stays stale,
    pricing queues another at most once a minute."""
    from .non_eligible import refresh_list

    return len(refresh_list(store_id).rules)
