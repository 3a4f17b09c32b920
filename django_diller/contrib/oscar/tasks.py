"""Celery tasks of the Oscar integration."""

from __future__ import annotations

from celery import shared_task

from ...tasks import RETRY_WHILE_UNAVAILABLE


@shared_task(**RETRY_WHILE_UNAVAILABLE)
def register_guest_member(order_number: str, save_order_history: bool) -> str | None:
    from .guests import register_guest_from_order

    return register_guest_from_order(order_number, save_order_history)
