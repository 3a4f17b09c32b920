"""The club's own page, at the root of the loyalty URLs: what members get, and the way in.

Everything it shows about the store comes through the caches of
:mod:`~django_diller.members.club`; when Diller can't be reached the page is still shown,
without figures.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET

from ...api.errors import DillerError
from ...loyalty.connection import NotConfigured
from ...loyalty.store import store_details
from ..club import club_facts, link_of, safe_web_address, warm_for_member
from .common import account_links, render_page


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    """The club: the store's name, what members get, its privacy policy, and a Join button
    (visitors without a shop account are asked to log in or register first, as the join page
    does), or "My loyalty" with the points for a linked member."""
    link = link_of(request.user)
    context: dict[str, object] = {
        "facts": club_facts(),
        "link": link,
        "summary": warm_for_member(link) if link is not None else None,
    }
    if not request.user.is_authenticated:
        context.update(account_links(reverse("diller:join")))
    return render_page(request, "django_diller/club/landing.html", context)


@require_GET
def privacy_policy(request: HttpRequest) -> HttpResponse:
    """The club's terms and privacy policy, wherever the store keeps them: a link that always
    leads there, for a page that must not wait for Diller to learn the address (the guest's
    "join" box at checkout). Without an address, or without Diller, the club's own page."""
    try:
        address = safe_web_address(store_details().privacy_policy_url)
    except (DillerError, NotConfigured):
        address = ""
    return redirect(address or reverse("diller:club"))
