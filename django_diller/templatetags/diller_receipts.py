"""Dintero's receipts in the club's pages.

``{% load diller_receipts %}`` then ``{% diller_my_receipts_link %}``: the link to "My
receipts" (``django_diller/receipts/_my_receipts_link.html``), rendered only while Dintero is
on.
"""

from __future__ import annotations

from django import template

from ..dintero.conf import enabled

register = template.Library()


@register.inclusion_tag("django_diller/receipts/_my_receipts_link.html")
def diller_my_receipts_link() -> dict:
    return {"receipts_on": enabled()}
