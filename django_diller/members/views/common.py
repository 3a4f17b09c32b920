"""What every shopper loyalty page shares: the plain messages for Diller's failures, the
member check, the forms' store context, and the log-in links."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ...adapter import get_adapter
from ...api import models as wire
from ...api.errors import DillerError, DillerUnavailable, DillerValidationError
from ...loyalty.store import store_details
from ...models import MemberLink
from ..club import forget_member_summary, link_of
from ..forms import MemberProfileForm
from ..segments import visible_segments

logger = logging.getLogger(__name__)

UNAVAILABLE = _("The loyalty club can't be reached right now. Please try again in a few minutes.")
FAILED = _("Something went wrong with the loyalty club. Please try again in a few minutes.")
# The leave page's words for a membership Diller no longer has (only the link ends there).
GONE_PARAMETER = "gone"
GONE = _("The loyalty club no longer has your membership (it may have been closed elsewhere).")

TEMPLATES = "django_diller/members/"


def render_page(
    request: HttpRequest,
    template_name: str,
    context: dict[str, Any] | None = None,
    status: int | None = None,
) -> HttpResponse:
    """A loyalty page in the shop's frame: the adapter's ``layout_template``, which
    ``django_diller/base.html`` extends."""
    context = {**(context or {}), "diller_layout": get_adapter().layout_template}
    return render(request, template_name, context, status=status)


def template(name: str) -> str:
    return f"{TEMPLATES}{name}.html"


def membership_gone(link: MemberLink) -> Any:
    """For a member page whose member Diller answers 404 for (deleted there): trying again
    will not help, so the shopper is offered the way out, ending the link (the leave page
    finishes it here when Diller has nothing to delete), after which they may join again.
    The points cached for the header go: that membership has none any more."""
    logger.warning("Diller has no member for a linked account on a member page")
    forget_member_summary(link.store_id, link.member_id)
    return format_html(
        '{} <a href="{}?{}=1">{}</a>',
        GONE,
        reverse("diller:me-leave"),
        GONE_PARAMETER,
        _("End the link to it"),
    )


def diller_problem(form: Any, error: DillerError) -> None:
    """Put a Diller failure on ``form`` in words a shopper can use."""
    if isinstance(error, DillerValidationError):
        form.add_diller_errors(error)
        return

    if isinstance(error, DillerUnavailable):
        logger.warning("Diller unavailable on a member page: %s", error)
        form.add_error(None, UNAVAILABLE)
        return
    logger.error("Diller failed on a member page: %s", error)
    form.add_error(None, FAILED)


def problem_message(error: DillerError) -> Any:
    if isinstance(error, DillerUnavailable):
        logger.warning("Diller unavailable on a member page: %s", error)
        return UNAVAILABLE
    logger.error("Diller failed on a member page: %s", error)
    return FAILED


def member_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Login required, and a member link: without one, the shopper is sent to join."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        link = link_of(request.user)
        if link is None:
            return redirect("diller:join")
        return view(request, link, *args, **kwargs)

    return wrapper


def form_context() -> tuple[list[wire.StoreSegmentResponse], wire.StoreResponse]:
    return visible_segments(), store_details()


def without_diller(
    request: HttpRequest, page: str, form_class: type[MemberProfileForm], error: DillerError
) -> HttpResponse:
    """The page when Diller can't give what the form is built from (segments, store, member).

    A GET shows the message alone. A POST shows the fields that need no Diller with what the
    visitor typed, so nothing is lost; they can send again when Diller is back.
    """
    form = None
    if request.method == "POST":
        form = form_class(request.POST, segments=(), store=None, user=request.user)
    return render_page(request, template(page), {"form": form, "problem": problem_message(error)})


def account_links(next_url: str) -> dict[str, str]:
    """Log-in and register links that come back to ``next_url``."""
    query = urlencode({"next": next_url})
    links = {"login_url": f"{resolve_url(settings.LOGIN_URL)}?{query}"}
    try:
        links["register_url"] = f"{reverse('customer:register')}?{query}"
    except NoReverseMatch:  # a shop without Oscar's customer app
        links["register_url"] = links["login_url"]
    return links
