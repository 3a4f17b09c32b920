"""The loyalty provider's Celery tasks."""

from __future__ import annotations

from celery import shared_task

from ..api import DillerUnavailable

# Diller down or rate limiting: try again later, with growing, jittered waits.
RETRY_WHILE_UNAVAILABLE = {
    "autoretry_for": (DillerUnavailable,),
    "retry_backoff": True,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(name="django_diller.tasks.refresh_non_eligible_products", ignore_result=True)
def refresh_non_eligible_products(store_id: str | None = None) -> int:
    """Fetch Diller's non-eligible list again (queued by pricing when its copy is stale, or
    run from Celery beat); the number of entries. Not retried: while the copy stays stale,
    pricing queues another at most once a minute."""
    from .non_eligible import refresh_list

    return len(refresh_list(store_id).rules)
