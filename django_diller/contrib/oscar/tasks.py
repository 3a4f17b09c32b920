"""Celery tasks of the Oscar integration."""

from __future__ import annotations

from celery import shared_task

from ...loyalty.tasks import RETRY_WHILE_UNAVAILABLE

GUEST_INVITE_RETRIES = 8


@shared_task(bind=True, ignore_result=True, max_retries=GUEST_INVITE_RETRIES)
def invite_guest(self, order_number: str) -> str:
    """Invite the phone of a guest who ticked "join" (see :mod:`.guests`); the invitation's
    state. Retried while Diller is unavailable, with growing waits; the last try, and any
    try run in-process (eager, as in the demo), records the failure instead of raising, so a
    placed order never turns into an error page."""
    from ...api import DillerUnavailable
    from .guests import invite_guest_from_order

    last_try = bool(self.request.is_eager) or self.request.retries >= GUEST_INVITE_RETRIES
    try:
        return invite_guest_from_order(order_number, last_try=last_try)
    except DillerUnavailable as exc:
        raise self.retry(exc=exc, countdown=min(600, 15 * 2**self.request.retries)) from exc


@shared_task(ignore_result=True)
def check_guest_invitations() -> int:
    """Run from Celery beat: guests whose phone's owner finished joining elsewhere, invitations
    whose wait ended, and invitations whose task was lost (see :mod:`.guests`)."""
    from .guests import check_guest_invitations as check

    return check()


@shared_task(bind=True, ignore_result=True, **RETRY_WHILE_UNAVAILABLE)
def push_non_eligible_products(self, store_id: str | None = None) -> dict[str, int]:
    """Push staff's non-eligible marks to Diller's list (see :mod:`.non_eligible`). Retried
    while Diller is unavailable, and shortly after when another push is running."""
    from ...loyalty.non_eligible import PushBusy
    from .non_eligible import push_marks

    try:
        result = push_marks(store_id)
    except PushBusy as busy:
        raise self.retry(exc=busy, countdown=15) from busy
    return {
        "added": result.added,
        "adopted": result.adopted,
        "updated": result.updated,
        "deleted": result.deleted,
        "failed": result.failed,
    }


@shared_task(ignore_result=True)
def release_abandoned_vouchers() -> int:
    """Run from Celery beat: unlock the Coupontools vouchers of orders whose payment was never
    taken within ``COUPONTOOLS['LOCK_MINUTES']``; how many orders."""
    from .vouchers import release_abandoned, vouchers_on

    if not vouchers_on():
        return 0
    from ...coupontools.conf import coupontools_settings

    return release_abandoned(float(coupontools_settings.LOCK_MINUTES))


@shared_task(ignore_result=True)
def release_unpaid_reservations() -> int:
    """Run from Celery beat: release at Diller the coupon reservations of orders whose payment
    never came within ``DILLER['RELEASE_UNPAID_AFTER_MINUTES']``; how many orders."""
    from ...conf import app_settings
    from .unpaid import release_unpaid_reservations as release

    minutes = app_settings.RELEASE_UNPAID_AFTER_MINUTES
    return 0 if minutes is None else release(float(minutes))
