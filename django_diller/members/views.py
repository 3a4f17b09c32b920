"""The shopper's loyalty pages: join, prove an existing membership, activate, my page, edit, leave.

Rules every view here keeps:

* No member id ever comes from the browser: the member is the logged-in user's
  :class:`~django_diller.models.MemberLink`, or the one the service remembered in the session
  when it texted a one-time code, or the one Diller finds by an activation token.
* When Diller can't be reached the page is shown again (HTTP 200) with what the shopper typed
  and a plain message; Diller's own error texts go to the log, never to the page, except the
  per-field messages of a validation error, which land on the matching field.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from ..api import models as wire
from ..api.errors import DillerError, DillerUnavailable, DillerValidationError
from ..loyalty.store import store_details
from ..models import MemberLink
from .club import link_of, remember_member
from .forms import ActivationForm, MemberEditForm, MemberProfileForm, OneTimeCodeForm
from .limits import client_ip
from .segments import visible_segments
from .service import (
    AlreadyLinked,
    JoinNotConfigured,
    LoginNeeded,
    MemberService,
    MemberTaken,
    NoPendingLink,
    RateLimited,
    TokenUsed,
    TooManyAttempts,
    WrongCode,
)

logger = logging.getLogger(__name__)

UNAVAILABLE = _("The loyalty club can't be reached right now. Please try again in a few minutes.")
FAILED = _("Something went wrong with the loyalty club. Please try again in a few minutes.")
RATE_LIMITED = _("Too many codes have been sent. Please wait a while and try again.")
MEMBER_TAKEN = _(
    "That membership is already linked to another account in this shop. "
    "Log in with that account, or contact us."
)
ALREADY_LINKED = _("Your account is already linked to a membership.")
# The same words whether the phone got a code (a member's) or Diller's link (a new phone), so
# the page tells nobody whether a number belongs to the club.
CODE_SENT = _("We have sent an SMS to the mobile phone number you gave.")
# The profile fields a join sends, as the join page labels them.
PROFILE_LABELS = {
    "first_name": _("First name"),
    "last_name": _("Last name"),
    "email": _("E-mail"),
    "birth_date": _("Date of birth"),
    "gender": _("Gender"),
    "address": _("Address"),
    "segments": _("Your answers to the club's questions"),
}
CODE_VOID = _("The code is no longer valid. Start again to get a new code.")

TEMPLATES = "django_diller/members/"


def _template(name: str) -> str:
    return f"{TEMPLATES}{name}.html"


def _diller_problem(form: Any, error: DillerError) -> None:
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


def _problem_message(error: DillerError) -> Any:
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


def _form_context() -> tuple[list[wire.StoreSegmentResponse], wire.StoreResponse]:
    return visible_segments(), store_details()


def _without_diller(
    request: HttpRequest, page: str, form_class: type[MemberProfileForm], error: DillerError
) -> HttpResponse:
    """The page when Diller can't give what the form is built from (segments, store, member).

    A GET shows the message alone. A POST shows the fields that need no Diller with what the
    visitor typed, so nothing is lost; they can send again when Diller is back.
    """
    form = None
    if request.method == "POST":
        form = form_class(request.POST, segments=(), store=None, user=request.user)
    return render(request, _template(page), {"form": form, "problem": _problem_message(error)})


def account_links(next_url: str) -> dict[str, str]:
    """Log-in and register links that come back to ``next_url``."""
    query = urlencode({"next": next_url})
    links = {"login_url": f"{resolve_url(settings.LOGIN_URL)}?{query}"}
    try:
        links["register_url"] = f"{reverse('customer:register')}?{query}"
    except NoReverseMatch:  # a shop without Oscar's customer app
        links["register_url"] = links["login_url"]
    return links


# join ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    """Join the loyalty club.

    Anonymous visitors are asked to log in or create a shop account first (links carry
    ``?next=`` back here): a membership belongs to a shop account, so that "my loyalty" and
    checkout can find it.

    For a logged-in shopper, the profile form, then one SMS to the phone, and nothing linked
    or created before its owner proves it (``MemberService.start_join``):

    * the phone (or e-mail) already belongs to a Diller member: a one-time code goes to the
      member's phone, to enter on the verify page;
    * the phone is new: Diller enrolls it and texts its owner a link to finish joining on the
      activation page; the typed profile and the ticked consents wait for that.

    The page goes to the verify page with the same words either way, and whether the
    membership is linked to another account is said only after the code: the page tells
    nobody whether a number belongs to the club.
    """
    if not request.user.is_authenticated:
        return render(request, _template("join_login"), account_links(request.get_full_path()))
    if link_of(request.user) is not None:
        return redirect("diller:me")
    try:
        segments, store = _form_context()
    except DillerError as error:
        return _without_diller(request, "join", MemberProfileForm, error)
    form = MemberProfileForm(
        request.POST or None, segments=segments, store=store, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            MemberService().start_join(request, form.to_profile(), segments)
        except RateLimited:
            form.add_error(None, RATE_LIMITED)
        except AlreadyLinked:
            form.add_error(None, ALREADY_LINKED)
        except JoinNotConfigured:
            logger.error("Joining needs a web shop department: set it on the Diller set-up page")
            form.add_error(None, FAILED)
        except DillerError as error:
            _diller_problem(form, error)
        else:
            return redirect("diller:join-verify")  # which says CODE_SENT
    return render(request, _template("join"), {"form": form, "store": store})


def _kept_message(kept: list[str]) -> str:
    names = ", ".join(str(PROFILE_LABELS.get(name, name)) for name in kept)
    return str(
        _(
            "Some of your details were not accepted, so your membership kept its own: "
            "%(fields)s. Please check them."
        )
        % {"fields": names}
    )


@login_required
@require_http_methods(["GET", "POST"])
def join_verify(request: HttpRequest) -> HttpResponse:
    """Enter the code texted to the membership's phone (never shown here). The right code
    links the member, with the profile and consents typed on the join page. A new phone got
    Diller's link instead: the page says so in the same words, and a code typed here is
    refused like a wrong one."""
    service = MemberService()
    if service.pending_link(request) is None:
        messages.warning(request, CODE_VOID)
        return redirect("diller:join")
    form = OneTimeCodeForm(request.POST or None)
    problem = None
    if request.method == "POST" and "resend" in request.POST:
        form = OneTimeCodeForm()
        try:
            service.resend_code(request)
        except RateLimited:
            problem = RATE_LIMITED
        except NoPendingLink:
            messages.warning(request, CODE_VOID)
            return redirect("diller:join")
        except DillerError as error:
            problem = _problem_message(error)
        else:
            messages.info(request, _("We have sent a new SMS."))
            return redirect("diller:join-verify")
    elif request.method == "POST" and form.is_valid():
        try:
            result = service.verify_code_link(request, form.cleaned_data["code"])
        except WrongCode as wrong:
            form.add_error(
                "code",
                _("That code is wrong or has expired. Attempts left: %(left)d.")
                % {"left": wrong.attempts_left},
            )
        except (TooManyAttempts, NoPendingLink):
            messages.warning(request, CODE_VOID)
            return redirect("diller:join")
        except MemberTaken:
            form.add_error(None, MEMBER_TAKEN)
        except AlreadyLinked:
            form.add_error(None, ALREADY_LINKED)
        except DillerValidationError as error:
            # Not the shopper's typing on this page: nothing to put on the code field.
            logger.error("Diller refused a call after a verified code: %s", error)
            form.add_error(None, FAILED)
        except DillerError as error:
            _diller_problem(form, error)
        else:
            if result.kept:
                if result.joined:
                    messages.success(request, _("Welcome to the loyalty club!"))
                messages.warning(request, _kept_message(result.kept))
                return redirect("diller:me-edit")
            if result.joined:
                messages.success(request, _("Welcome to the loyalty club!"))
                return redirect("diller:me")
            messages.success(
                request,
                _(
                    "Your membership is now linked to your account, with the details you "
                    "typed. Check them here."
                ),
            )
            return redirect("diller:me-edit")
    context = {"form": form, "code_sent": CODE_SENT, "problem": problem}
    return render(request, _template("verify"), context)


@require_http_methods(["GET", "POST"])
def activate(request: HttpRequest) -> HttpResponse:
    """Finish joining from the link Diller texted to the phone (``?token=…``).

    The link was sent by a shop counter, by this shop's join page for a new phone, or for a
    guest who ticked "join" at checkout. Whoever holds it received the SMS. A shop account
    logged in here is linked to the membership; the profile and consents typed on the join
    page prefill the form only for the account that typed them. A guest's join is finished
    without a shop account; any other asks the visitor to log in first. A link that already
    finished a membership finishes no other.
    """
    token = (request.GET.get("token") or "").strip()
    user = request.user if request.user.is_authenticated else None
    if user is not None and link_of(request.user) is not None:
        return redirect("diller:me")
    service = MemberService()
    try:
        found = service.activation(token, client_address=client_ip(request))
        segments, store = _form_context()
    except RateLimited:
        return render(request, _template("activate"), {"form": None, "invalid": True}, status=429)
    except DillerError as error:
        return _without_diller(request, "activate", ActivationForm, error)
    if found is None or found.used:
        return render(request, _template("activate"), {"form": None, "invalid": True})
    if user is None and not found.for_guest:
        return redirect_to_login(request.get_full_path())
    form = ActivationForm(
        request.POST or None,
        segments=segments,
        store=store,
        user=user,
        member=found.member,
        typed=found.typed_for(user),
    )
    context: dict[str, Any] = {"form": form, "store": store, "for_guest": found.for_guest}
    if request.method == "POST" and form.is_valid():
        try:
            done = service.complete_activation(user, token, form.to_profile(), segments)
        except MemberTaken:
            form.add_error(None, MEMBER_TAKEN)
        except AlreadyLinked:
            form.add_error(None, ALREADY_LINKED)
        except (TokenUsed, LoginNeeded):
            return render(request, _template("activate"), {"form": None, "invalid": True})
        except DillerError as error:
            _diller_problem(form, error)
        else:
            if done is None:
                return render(request, _template("activate"), {"form": None, "invalid": True})
            if user is None:
                return render(request, _template("activate"), {"form": None, "finished": True})
            messages.success(request, _("Welcome to the loyalty club!"))
            return redirect("diller:me")
    return render(request, _template("activate"), context)


# my loyalty ----------------------------------------------------------------------------------


CURRENCY_SYMBOLS = {"NOK": "kr", "SEK": "kr", "DKK": "kr", "ISK": "kr", "EUR": "€", "USD": "$"}


def _amount(value: Decimal) -> str:
    value = value.quantize(Decimal(1)) if value == value.to_integral_value() else value
    return f"{value:.2f}" if value != value.to_integral_value() else f"{value:f}"


@dataclass
class CouponRow:
    title: str
    description: str
    value: str
    valid_to: datetime
    uses_left: int | None
    only_selected_products: bool


def coupon_value(coupon: wire.MemberCouponResponse, currency: str) -> str:
    """The value as shoppers read it: "10 %", "50 kr" (store currency) or "Free shipping"."""
    amount = coupon.discount_value or Decimal(0)
    if coupon.discount_type == wire.CouponDiscountType.Percentage:
        return f"{_amount(amount)} %"
    if coupon.discount_type == wire.CouponDiscountType.Fixed:
        return f"{_amount(amount)} {CURRENCY_SYMBOLS.get(currency.upper(), currency)}".strip()
    if coupon.discount_type == wire.CouponDiscountType.FreeShipping:
        return str(_("Free shipping"))
    return ""


def coupon_rows(coupons: list[wire.MemberCouponResponse], currency: str) -> list[CouponRow]:
    return [
        CouponRow(
            title=c.title,
            description=c.description or "",
            value=coupon_value(c, currency),
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
    try:
        overview = MemberService().overview(link)
    except DillerError as error:
        return render(request, _template("me"), {"problem": _problem_message(error)})
    remember_member(link, overview.member)  # the header shows these points: no second read
    context = {
        "member": overview.member,
        "progress": overview.progress,
        "coupons": coupon_rows(overview.coupons, overview.currency),
        "stamp_cards": stamp_card_rows(overview.stamp_cards),
    }
    return render(request, _template("me"), context)


@member_required
@require_http_methods(["GET", "POST"])
def me_edit(request: HttpRequest, link: MemberLink) -> HttpResponse:
    """Edit the profile kept at Diller (segments included)."""
    service = MemberService()
    try:
        member = service.get_member(link)
        segments, store = _form_context()
    except DillerError as error:
        return _without_diller(request, "edit", MemberEditForm, error)
    form = MemberEditForm(
        request.POST or None, segments=segments, store=store, user=request.user, member=member
    )
    if request.method == "POST" and form.is_valid():
        try:
            service.update(request.user, link, member, form.to_profile(), segments)
        except DillerError as error:
            _diller_problem(form, error)
        else:
            messages.success(request, _("Your details have been saved."))
            return redirect("diller:me")
    return render(request, _template("edit"), {"form": form, "store": store})


@member_required
@require_http_methods(["GET", "POST"])
def me_leave(request: HttpRequest, link: MemberLink) -> HttpResponse:
    """Leave the club after a confirmation: the member is deleted at Diller, the shop
    account stays."""
    problem = None
    if request.method == "POST":
        try:
            MemberService().leave(request.user, link)
        except DillerError as error:
            problem = _problem_message(error)
        else:
            messages.success(request, _("You have left the loyalty club."))
            return redirect("diller:join")
    return render(request, _template("leave"), {"problem": problem})
