"""The shopper's receipts from Dintero: "My receipts" (a member's list, newest first, and one
receipt with its lines, discounts and totals), and the receipt a guest's thank-you link names.

Rules these pages keep:

* Each answers 404 while Dintero is off (:func:`~django_diller.dintero.conf.enabled`), and the
  guest's link page also while receipts carry no token (``TOKEN_EXPIRE_DAYS``).
* No customer id comes from the browser: a member's is the one their receipts name
  (:func:`~django_diller.dintero.my_receipts.customer_id_for`); a receipt Dintero does not
  find for it, someone else's included, is a 404.
* When Dintero can't be reached the page says so (HTTP 200) instead of failing; what Dintero
  said goes to the log, without customer ids or tokens.
* Nothing on them is cached by the browser or a proxy: they show a person's purchases.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ..dintero.api import DinteroError, DinteroUnavailable
from ..dintero.conf import enabled
from ..dintero.connection import NotConfigured
from ..dintero.my_receipts import customer_id_for, customer_receipt, customer_receipts
from ..dintero.receipt_links import linked_receipt, links_on, order_number_in
from ..members.views.common import member_required, render_page
from ..models import MemberLink

logger = logging.getLogger("django_diller.dintero")

UNAVAILABLE = _("Your receipts can't be fetched right now. Please try again in a few minutes.")
FAILED = _("Something went wrong while fetching your receipts. Please try again later.")

TEMPLATES = "django_diller/receipts/"


def problem_message(error: Exception) -> Any:
    """A Dintero failure in words a shopper can use; the failure itself to the log."""
    if isinstance(error, DinteroUnavailable):
        logger.warning("Dintero unavailable on a receipts page: %s", error)
        return UNAVAILABLE
    logger.error("Dintero failed on a receipts page: %s", error)
    return FAILED


def dintero_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """404 while Dintero is off."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not enabled():
            raise Http404("Dintero receipts are off")
        return view(request, *args, **kwargs)

    return wrapper


@dintero_required
@never_cache
@require_GET
@member_required
def my_receipts(request: HttpRequest, link: MemberLink) -> HttpResponse:
    """The member's receipts, newest first, each linking to the whole receipt."""
    customer = customer_id_for(request.user, link.member_id)
    context: dict[str, Any] = {"receipts": [], "problem": None}
    if customer:
        try:
            context["receipts"] = customer_receipts(customer)
        except (DinteroError, NotConfigured) as error:
            context["problem"] = problem_message(error)
    return render_page(request, f"{TEMPLATES}list.html", context)


@dintero_required
@never_cache
@require_GET
@member_required
def my_receipt(request: HttpRequest, link: MemberLink, ref: str) -> HttpResponse:
    """One of the member's receipts; 404 for one that is not theirs."""
    customer = customer_id_for(request.user, link.member_id)
    if not customer:
        raise Http404("no customer id")
    try:
        receipt = customer_receipt(customer, ref)
    except (DinteroError, NotConfigured) as error:
        context = {"receipt": None, "problem": problem_message(error)}
        return render_page(request, f"{TEMPLATES}detail.html", context)
    if receipt is None:
        raise Http404("no such receipt of this customer")
    return render_page(request, f"{TEMPLATES}detail.html", {"receipt": receipt})


@never_cache
@require_GET
def receipt_by_link(request: HttpRequest, value: str) -> HttpResponse:
    """The receipt of the order a guest's thank-you link names (a signed order number), or
    that it is being prepared."""
    if not links_on():
        raise Http404("receipt links are off")
    number = order_number_in(value)
    if number is None:
        raise Http404("not a valid receipt link")
    context: dict[str, Any] = {"state": None, "receipt": None, "problem": None}
    try:
        linked = linked_receipt(number)
    except (DinteroError, NotConfigured) as error:
        context["problem"] = problem_message(error)
    else:
        context.update(state=str(linked.state), receipt=linked.receipt)
    response = render_page(request, f"{TEMPLATES}by_link.html", context)
    response["Referrer-Policy"] = "no-referrer"  # the link is the key: keep it on this page
    return response
