"""Coupontools vouchers in the Oscar checkout: entered in the basket or on the payment page,
claimed for exactly one order when it is placed, locked with the order, validated with the money
spent when payment is taken, unlocked when the order is cancelled or abandoned.

Active only while ``django_diller.coupontools`` is installed and configured
(:func:`vouchers_on`).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

from django.apps import apps
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ...discounts import DiscountPlan
from ...loyalty import claims
from ...models import CouponClaim
from ...outbox.models import OutboxEntry
from .guard import guarded

logger = logging.getLogger("django_diller.oscar")

CLAIM_STORE = "coupontools"  # a voucher's claim: apart from Diller's stores' coupon claims


def vouchers_on() -> bool:
    if not apps.is_installed("django_diller.coupontools"):
        return False
    from ...coupontools.conf import enabled

    return enabled()


def _back(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("basket:summary")


@require_POST
def add_voucher(request: HttpRequest) -> HttpResponse:
    """The shopper's voucher code: looked up once, then kept on the basket."""
    from ...coupontools.basket_vouchers import keep
    from ...coupontools.entry import VoucherRefused, look_up

    back = _back(request)
    basket = request.basket
    if not vouchers_on() or not basket.id or basket.is_empty:
        messages.error(request, _("Add something to your basket first, then your voucher."))
        return HttpResponseRedirect(back)
    typed = request.POST.get("voucher", "")
    try:
        voucher = look_up(typed)
    except VoucherRefused as refused:
        messages.error(request, str(refused))
        keep_typed(request, typed)
        return HttpResponseRedirect(back)
    keep(basket.id, voucher)
    messages.success(request, _("Your voucher was added."))
    return HttpResponseRedirect(back)


# What a refused voucher entry held, shown once in the box again so that a typo can be fixed.
TYPED_KEY = "diller_voucher_typed"
TYPED_KEPT = 200  # longer input is no code (a pasted page): not kept


def keep_typed(request: HttpRequest, typed: str) -> None:
    """Keep the refused entry for the page the shopper goes back to (only in their own
    session: it may be their voucher, so never in a URL)."""
    typed = typed.strip()
    if typed and len(typed) <= TYPED_KEPT:
        request.session[TYPED_KEY] = typed


def typed_before(request: HttpRequest | None) -> str:
    """The refused entry, once: the box is empty again after the page shows it."""
    session = getattr(request, "session", None)
    return str(session.pop(TYPED_KEY, "")) if session is not None else ""


@require_POST
def remove_voucher(request: HttpRequest) -> HttpResponse:
    from ...coupontools.basket_vouchers import drop

    basket = request.basket
    if basket.id and drop(basket.id, request.POST.get("session", "")):
        messages.info(request, _("The voucher was removed."))
    return HttpResponseRedirect(_back(request))


def applied_vouchers(plan: DiscountPlan | None) -> list[str]:
    """The sessions of the vouchers the plan applies."""
    if plan is None:
        return []
    from ...coupontools.basket_vouchers import session_of

    return [s for code in plan.applied_codes if (s := session_of(code))]


def recheck_vouchers(plan: DiscountPlan | None) -> dict[str, str]:
    """Each applied voucher asked about again just before the order is placed: session → why it
    can no longer be used (a till used it meanwhile, say). While Coupontools cannot be reached
    a voucher is not taken on trust: it comes off the order, and the shopper is told."""
    sessions = applied_vouchers(plan)
    if not sessions or not vouchers_on():
        return {}
    from ...coupontools.api import CoupontoolsError
    from ...coupontools.conf import coupontools_settings
    from ...coupontools.connection import get_client
    from ...coupontools.entry import VoucherRefused, judge

    client = get_client(deadline=float(coupontools_settings.REQUEST_DEADLINE))
    problems = {}
    for session in sessions:
        try:
            judge(client.get_session(session))
        except VoucherRefused as refused:
            problems[session] = str(refused)
        except CoupontoolsError as exc:
            logger.warning("coupontools could not check a voucher before the order: %s", exc)
            problems[session] = _("Vouchers can't be checked right now. Please try later.")
    return problems


def claim_vouchers(basket, plan: DiscountPlan | None) -> list[str]:
    """Claim each applied voucher for this basket; the sessions another order holds.

    A claim is a unique row in the order's own database transaction, so of two checkouts (or
    twenty) with the same voucher exactly one places its order with it.
    """
    if not vouchers_on():
        return []
    return [
        session
        for session in applied_vouchers(plan)
        if not claims.claim(CLAIM_STORE, "", session, 1, 1, basket.id)
    ]


def queue_locks(order, plan: DiscountPlan | None) -> None:
    """Lock the order's vouchers at Coupontools once the order is committed."""
    from ...coupontools.queueing import queue_lock

    for session in applied_vouchers(plan):
        guarded(queue_lock)(str(order.number), session)


def order_vouchers(order_number: str) -> list[str]:
    """The sessions of the vouchers an order was placed with (its lock entries)."""
    from ...coupontools.kinds import Kind

    rows = OutboxEntry.objects.filter(kind=Kind.LOCK, order_number=str(order_number))
    return [str(row.payload.get("session")) for row in rows if row.payload.get("session")]


def validate_vouchers(order, source: str) -> None:
    """Payment was taken: each voucher used, with the money the buyer spent."""
    from ...coupontools.queueing import queue_validate

    spent = Decimal(order.total_incl_tax)
    for session in order_vouchers(str(order.number)):
        guarded(queue_validate)(str(order.number), session, spent, source=source)


def release_vouchers(order_number: str, source: str) -> None:
    """The order was cancelled (or abandoned): its vouchers free again, here and there."""
    from ...coupontools.queueing import queue_unlock

    number = str(order_number)
    for session in order_vouchers(number):
        if guarded(queue_unlock)(number, session, source=source) is not None:
            CouponClaim.objects.filter(
                store_id=CLAIM_STORE, code=session, order_number=number
            ).delete()


def release_abandoned(minutes: float) -> int:
    """Unlock the vouchers of orders placed more than ``minutes`` ago whose payment was never
    taken (a payment page left, a gateway that never came back); how many orders. An order
    paid some other way than the payment events that validate (an authorised card, a payment
    event of another type) keeps them."""
    from ...coupontools.kinds import Kind
    from .unpaid import paid_numbers

    before = timezone.now() - timedelta(minutes=minutes)
    locked = OutboxEntry.objects.filter(kind=Kind.LOCK, created_at__lt=before)
    settled = OutboxEntry.objects.filter(kind__in=[Kind.VALIDATE, Kind.UNLOCK]).values(
        "order_number"
    )
    left = set(locked.exclude(order_number__in=settled).values_list("order_number", flat=True))
    numbers = sorted(left - paid_numbers(left))
    for number in numbers:
        release_vouchers(number, "abandoned checkout")
    return len(numbers)


# -- Oscar's signals ---------------------------------------------------------------------------


def validate_on_payment_event(sender, instance, created, raw=False, **kwargs) -> None:
    from ...conf import app_settings

    if created and not raw and instance.event_type.name in app_settings.SEND_ON_PAYMENT_EVENTS:
        validate_vouchers(instance.order, f"payment_event:{instance.pk}")


def release_on_status(sender, order, old_status, new_status, **kwargs) -> None:
    from ...conf import app_settings

    cancelling = {*app_settings.CANCEL_ON_ORDER_STATUSES, *app_settings.RELEASE_ON_ORDER_STATUSES}
    if new_status in cancelling:
        release_vouchers(str(order.number), f"order_status:{new_status}")


def connect() -> None:
    """Validate on the payment events that send Diller's transaction; release on the statuses
    that cancel it (``DILLER['SEND_ON_PAYMENT_EVENTS']``, ``CANCEL_ON_ORDER_STATUSES``,
    ``RELEASE_ON_ORDER_STATUSES``)."""
    from django.db.models.signals import post_save
    from oscar.apps.order.signals import order_status_changed
    from oscar.core.loading import get_model

    post_save.connect(
        validate_on_payment_event,
        sender=get_model("order", "PaymentEvent"),
        dispatch_uid="coupontools-validate-on-payment-event",
    )
    order_status_changed.connect(release_on_status, dispatch_uid="coupontools-release-on-status")
