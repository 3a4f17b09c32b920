"""The member's own pages: "my loyalty" (points, level, coupons, stamp cards), editing the
profile kept at Diller, and leaving the club. Each needs a linked member
(:func:`~.common.member_required`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from ...adapter import get_adapter
from ...api import models as wire
from ...api.errors import DillerError, DillerNotFound
from ...models import MemberLink
from ..club import remember_member
from ..forms import MemberEditForm
from ..membership import get_member, leave, member_exists, update
from ..overview import loyalty_overview
from ..service import MemberService
from .common import (
    GONE_PARAMETER,
    diller_problem,
    form_context,
    member_required,
    membership_gone,
    problem_message,
    render_page,
    template,
    without_diller,
)


@dataclass
class CouponRow:
    title: str
    description: str
    value: str
    valid_to: datetime
    uses_left: int | None
    only_selected_products: bool


def coupon_rows(coupons: list[wire.MemberCouponResponse], currency: str) -> list[CouponRow]:
    adapter = get_adapter()
    return [
        CouponRow(
            title=c.title,
            description=c.description or "",
            value=adapter.coupon_value(c, currency),
            valid_to=c.valid_to,
            uses_left=(
                max(c.max_redemptions - (c.times_redeemed or 0), 0) if c.max_redemptions else None
            ),
            only_selected_products=bool(c.product_ids),
        )
        for c in coupons
    ]


@dataclass
class StampCardRow:
    title: str
    description: str
    collected: int
    required: int
    stamps: list[bool]
    reward: str


def stamp_card_rows(cards: list[wire.MemberStampCard]) -> list[StampCardRow]:
    rows = []
    for card in cards:
        required = max(card.required_stamps or 0, 0)
        collected = min(max(card.stamps_collected or 0, 0), required) if required else 0
        rows.append(
            StampCardRow(
                title=card.title or "",
                description=card.description or "",
                collected=collected,
                required=required,
                stamps=[i < collected for i in range(min(required, 50))],
                # Diller's "last stamp" text announces the reward: shown once one stamp is left.
                reward=(card.last_stamp_text or "")
                if required and collected >= required - 1
                else "",
            )
        )
    return rows


@member_required
@require_http_methods(["GET"])
def me(request: HttpRequest, link: MemberLink) -> HttpResponse:
    """The member's own page: points, level, coupons and stamp cards."""
    service = MemberService()
    try:
        overview = loyalty_overview(service, link)
    except DillerNotFound as error:
        # Gone only if the member is: a 404 of the coupons or the store is a failure.
        gone = not member_exists(service, link)
        problem = membership_gone(link) if gone else problem_message(error)
        return render_page(request, template("me"), {"problem": problem})
    except DillerError as error:
        return render_page(request, template("me"), {"problem": problem_message(error)})
    remember_member(link, overview.member)  # the header shows these points: no second read
    context = {
        "member": overview.member,
        "progress": overview.progress,
        "coupons": coupon_rows(overview.coupons, overview.currency),
        "stamp_cards": stamp_card_rows(overview.stamp_cards),
    }
    return render_page(request, template("me"), context)


@member_required
@require_http_methods(["GET", "POST"])
def me_edit(request: HttpRequest, link: MemberLink) -> HttpResponse:
    """Edit the profile kept at Diller (segments included)."""
    service = MemberService()
    try:
        member = get_member(service, link)
        segments, store = form_context()
    except DillerNotFound as error:
        if member_exists(service, link):  # the segments or the store, not the member
            return without_diller(request, "edit", MemberEditForm, error)
        gone = membership_gone(link)
        return render_page(request, template("edit"), {"form": None, "problem": gone})
    except DillerError as error:
        return without_diller(request, "edit", MemberEditForm, error)
    form = MemberEditForm(
        request.POST or None, segments=segments, store=store, user=request.user, member=member
    )
    if request.method == "POST" and form.is_valid():
        try:
            update(service, request.user, link, member, form.to_profile(), segments)
        except DillerError as error:
            diller_problem(form, error)
        else:
            messages.success(request, _("Your details have been saved."))
            return redirect("diller:me")
    return render_page(request, template("edit"), {"form": form, "store": store})


@member_required
@require_http_methods(["GET", "POST"])
def me_leave(request: HttpRequest, link: MemberLink) -> HttpResponse:
    """Leave the club after a confirmation: the member is deleted at Diller, the shop
    account stays."""
    problem = None
    service = MemberService()
    # Sent here from a page that found the membership gone at Diller: only the link ends (the
    # page says so, and is shown only while Diller has no such member).
    gone = GONE_PARAMETER in request.POST or (
        GONE_PARAMETER in request.GET and not member_exists(service, link)
    )
    if request.method == "POST":
        try:
            leave(service, request.user, link, at_diller=not gone)
        except DillerError as error:
            problem = problem_message(error)
        else:
            if gone:
                messages.success(
                    request, _("Your account is no longer linked to a loyalty membership.")
                )
            else:
                messages.success(request, _("You have left the loyalty club."))
            return redirect("diller:join")
    return render_page(request, template("leave"), {"problem": problem, "gone": gone})
