"""The club in the shop's own pages: the member's points in the header and on the account page,
and the club's entry in the account navigation.

``{% load diller_club %}`` then:

* ``{% diller_header_points %}``: a navigation item with the member's points (nothing for
  others). It never asks Diller on ordinary pages (a basket, a product): it shows the points a
  member page read lately. On the club's pages and Oscar's account pages (URL namespaces
  ``diller`` and ``customer``) it reads them, through a cache, when none are known.
* ``{% diller_account_points %}``: the member's points and level, for the account page (read
  through a cache), or an invitation to join.
* ``{% diller_account_nav %}``: "My loyalty" for members, "Loyalty club" for others.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.http import HttpRequest
from django.utils.formats import number_format

from ..members.club import PointsRule, cached_member_summary, link_of, warm_for_member
from ..models import MemberLink

register = template.Library()

# The URL namespaces whose pages may read the member from Diller (through the cache).
MEMBER_PAGE_NAMESPACES = frozenset({"diller", "customer"})


def _link(context: template.Context) -> MemberLink | None:
    """The shopper's membership, looked up once per request however many tags ask."""
    request = context.get("request")
    user = context.get("user") or getattr(request, "user", None)
    if request is None:
        return link_of(user)
    if not hasattr(request, "_diller_link"):
        request._diller_link = link_of(user)
    return request._diller_link


def _namespaces(request: HttpRequest | None) -> set[str]:
    match = getattr(request, "resolver_match", None)
    return set(match.namespaces) if match is not None else set()


@register.filter
def diller_plural(value: Any) -> int:
    """A count for ``{% blocktranslate count %}``: the number when whole, else 2 (a fraction of
    points reads as plural)."""
    try:
        number = Decimal(value)
    except (ArithmeticError, TypeError, ValueError):
        return 0
    return int(number) if number == number.to_integral_value() else 2


@register.filter
def diller_points(value: Any) -> str:
    """Points as the shopper's language writes numbers: grouped, without trailing zeros
    ("1,250", "2.5")."""
    try:
        number = Decimal(value)
    except (ArithmeticError, TypeError, ValueError):
        return ""
    whole = number == number.to_integral_value()
    number = number.quantize(Decimal(1)) if whole else number.normalize()
    return number_format(number, force_grouping=True)


@register.simple_tag
def diller_earning(rule: PointsRule) -> dict[str, Any]:
    """``points`` for every ``amount`` of ``currency``, as the club's page words it."""
    points, amount = rule.earning()
    return {"points": points, "amount": amount, "currency": rule.currency or None}


@register.inclusion_tag("django_diller/club/_header_points.html", takes_context=True)
def diller_header_points(context: template.Context) -> dict[str, Any]:
    link = _link(context)
    if link is None:
        return {"summary": None}
    if _namespaces(context.get("request")) & MEMBER_PAGE_NAMESPACES:
        return {"summary": warm_for_member(link)}
    return {"summary": cached_member_summary(link)}


@register.inclusion_tag("django_diller/club/_header_club_link.html", takes_context=True)
def diller_header_club_link(context: template.Context) -> dict[str, Any]:
    """The club's page as a navigation item, for every shopper who is not a linked member
    (a member has their points there, :func:`diller_header_points`, which lead to their page):
    the way in from any page of the shop."""
    return {"shown": _link(context) is None}


@register.inclusion_tag("django_diller/club/_account_points.html", takes_context=True)
def diller_account_points(context: template.Context) -> dict[str, Any]:
    link = _link(context)
    return {
        "linked": link is not None,
        "summary": warm_for_member(link) if link is not None else None,
    }


@register.inclusion_tag("django_diller/club/_account_nav.html", takes_context=True)
def diller_account_nav(context: template.Context) -> dict[str, Any]:
    return {
        "linked": _link(context) is not None,
        "active": "diller" in _namespaces(context.get("request")),
    }
