"""Celery tasks: thin wrappers over the services, retried while Diller is unavailable."""

from __future__ import annotations

from celery import shared_task

from .api import DillerUnavailable
from .services import reservations

# Diller down or rate limiting: try again later, with growing, jittered waits.
RETRY_WHILE_UNAVAILABLE = {
    "autoretry_for": (DillerUnavailable,),
    "retry_backoff": True,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(**RETRY_WHILE_UNAVAILABLE)
def reserve_order_loyalty(order_number: str) -> None:
    reservations.reserve_order(order_number)


@shared_task(**RETRY_WHILE_UNAVAILABLE)
def release_order_loyalty(order_number: str) -> None:
    reservations.release_order(order_number)
