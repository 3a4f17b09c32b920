"""``{% diller_guest_signup order %}``: on the thank-you page, where the guest's club sign-up
stands (see :mod:`django_diller.contrib.oscar.guests`). Renders nothing for an order whose
buyer did not tick "join" or was logged in."""

from __future__ import annotations

from django import template

from ..guests import guest_signup

register = template.Library()


@register.inclusion_tag("django_diller/oscar/_guest_signup.html")
def diller_guest_signup(order) -> dict:
    return {"signup": guest_signup(order)}
