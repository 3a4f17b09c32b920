"""Celery tasks: thin wrappers over the services, retried while Diller is unavailable."""

from __future__ import annotations

from celery import shared_task

from .api import DillerUnavailable
from .services import reservations


@shared_task(
    bind=True,
    autoretry_for=(DillerUnavailable,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=8,
)
def reserve_order_loyalty(self, order_number: str) -> None:
    reservations.reserve_order(order_number)


@shared_task(
    bind=True,
    autoretry_for=(DillerUnavailable,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=8,
)
def release_order_loyalty(self, order_number: str) -> None:
    reservations.release_order(order_number)
