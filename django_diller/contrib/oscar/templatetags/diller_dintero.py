"""``{% load diller_dintero %}{% diller_receipt_link order %}``: on the thank-you page of a
guest's order, a link to its Dintero receipt (see :mod:`django_diller.dintero.receipt_links`).

Renders nothing unless Dintero is on with receipt tokens (``DINTERO['TOKEN_EXPIRE_DAYS']``),
and nothing for a logged-in buyer, who finds the receipt under "My receipts". The link names
the order signed, never Dintero's token.
"""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse

from ....dintero.conf import dintero_settings
from ....dintero.receipt_links import link_value, links_on

register = template.Library()


@register.inclusion_tag("django_diller/oscar/_receipt_link.html")
def diller_receipt_link(order) -> dict:
    if order is None or getattr(order, "user_id", None) or not links_on():
        return {"receipt_url": ""}
    try:
        url = reverse("diller:receipt-link", args=[link_value(str(order.number))])
    except NoReverseMatch:  # the shop does not include django_diller.urls
        return {"receipt_url": ""}
    return {"receipt_url": url, "days": int(dintero_settings.TOKEN_EXPIRE_DAYS)}
