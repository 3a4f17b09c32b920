"""``GET /discounts``: the discounts one page at a time, in discount id order, for a back office
that syncs.

``?page=1&pageSize=50`` (``pageSize`` at most :data:`MAX_PAGE_SIZE`). The answer gives the
page's discounts, the totals, and the ``next`` and ``previous`` pages' URLs (null at the ends);
a page past the last is empty rather than an error, so a sync that races a delete ends cleanly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext
from rest_framework.request import Request
from rest_framework.utils.urls import remove_query_param, replace_query_param

from . import codes
from .errors import ApiError

PAGE = "page"
PAGE_SIZE = "pageSize"
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_PAGE = 1_000_000


@dataclass(frozen=True)
class Page:
    items: list[Any]
    number: int
    size: int
    total: int
    next: str | None
    previous: str | None

    @property
    def total_pages(self) -> int:
        return (self.total + self.size - 1) // self.size


def _number(request: Request, name: str, default: int, highest: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= highest:
        message = gettext("Expected a whole number from 1 to %(max)d.") % {"max": highest}
        raise ApiError(codes.INVALID_QUERY, errors=[(name, message)])
    return int(raw)


def paginate(request: Request, queryset: QuerySet) -> Page:
    """The page of ``queryset`` the request asks for (400 naming a bad parameter)."""
    number = _number(request, PAGE, 1, MAX_PAGE)
    size = _number(request, PAGE_SIZE, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    total = queryset.count()
    start = (number - 1) * size
    items = list(queryset[start : start + size]) if start < total else []
    url = request.build_absolute_uri()
    following = replace_query_param(url, PAGE, number + 1) if start + size < total else None
    if number == 1:
        previous = None
    elif number == 2:
        previous = remove_query_param(url, PAGE)
    else:
        previous = replace_query_param(url, PAGE, min(number - 1, max(1, -(-total // size))))
    return Page(items, number, size, total, following, previous)
