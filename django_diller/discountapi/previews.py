"""Where the discount admin finds the basket preview page.

Baskets belong to the shop (Oscar's, in ``django_diller.contrib.oscar``), which this package
does not import: the shop's integration names its preview view here, by dotted path, and the
discount admin shows the page only when one is named.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.module_loading import import_string

_view_path: str | None = None


def register_basket_preview(dotted_path: str) -> None:
    """Name the view ``view(request, model_admin)`` of the "which discounts apply" page."""
    global _view_path
    _view_path = dotted_path


def basket_preview_view() -> Callable[..., Any] | None:
    """The registered preview view, or None."""
    return import_string(_view_path) if _view_path else None
