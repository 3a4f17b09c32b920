"""``{% load diller_dashboard %}{% diller_dashboard_order_loyalty order %}``: the loyalty panel
of Oscar's dashboard order page (see :mod:`django_diller.contrib.oscar.dashboard`)."""

from __future__ import annotations

from django import template

from ..dashboard import order_dashboard_loyalty

register = template.Library()


@register.inclusion_tag("django_diller/oscar/dashboard/_order_loyalty.html", takes_context=True)
def diller_dashboard_order_loyalty(context, order) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return {"loyalty": order_dashboard_loyalty(order, user)}
