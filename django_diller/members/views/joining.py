"""The pages that make a shopper a member: join, the code check, and the activation link.

No member id ever comes from the browser: the member is the one the flows remembered in the
session when they texted a one-time code, or the one Diller finds by an activation token.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from ...api.errors import DillerError, DillerValidationError
from ..activation import activation, complete_activation, guest_joins
from ..club import link_of
from ..code_link import resend_code, verify_code_link
from ..errors import (
    AlreadyLinked,
    JoinNotConfigured,
    LoginNeeded,
    MemberTaken,
    NoPendingLink,
    RateLimited,
    TokenUsed,
    TooManyAttempts,
    WrongCode,
)
from ..forms import ActivationForm, MemberProfileForm, OneTimeCodeForm
from ..join import start_join
from ..limits import client_ip
from ..pending import pending_link
from ..service import MemberService
from .common import (
    FAILED,
    account_links,
    diller_problem,
    form_context,
    problem_message,
    render_page,
    template,
    without_diller,
)

logger = logging.getLogger(__name__)

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


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    """Join the loyalty club.

    Anonymous visitors are asked to log in or create a shop account first (links carry
    ``?next=`` back here): a membership belongs to a shop account, so that "my loyalty" and
    checkout can find it.

    For a logged-in shopper, the profile form, then one SMS to the phone, and nothing linked
    or created before its owner proves it (:func:`~django_diller.members.join.start_join`):

    * the phone (or e-mail) already belongs to a Diller member: a one-time code goes to the
      member's phone, to enter on the verify page;
    * the phone is new: Diller enrolls it and texts its owner a link to finish joining on the
      activation page; the typed profile and the ticked consents wait for that.

    The page goes to the verify page with the same words either way, and whether the
    membership is linked to another account is said only after the code: the page tells
    nobody whether a number belongs to the club.
    """
    if not request.user.is_authenticated:
        return render_page(request, template("join_login"), account_links(request.get_full_path()))
    if link_of(request.user) is not None:
        return redirect("diller:me")
    try:
        segments, store = form_context()
    except DillerError as error:
        return without_diller(request, "join", MemberProfileForm, error)
    form = MemberProfileForm(
        request.POST or None, segments=segments, store=store, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            start_join(MemberService(), request, form.to_profile(), segments)
        except RateLimited:
            form.add_error(None, RATE_LIMITED)
        except AlreadyLinked:
            form.add_error(None, ALREADY_LINKED)
        except JoinNotConfigured:
            logger.error("Joining needs a web shop department: set it on the Diller set-up page")
            form.add_error(None, FAILED)
        except DillerError as error:
            diller_problem(form, error)
        else:
            return redirect("diller:join-verify")  # which says CODE_SENT
    return render_page(request, template("join"), {"form": form, "store": store})


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
    if pending_link(service, request) is None:
        messages.warning(request, CODE_VOID)
        return redirect("diller:join")
    form = OneTimeCodeForm(request.POST or None)
    problem = None
    if request.method == "POST" and "resend" in request.POST:
        form = OneTimeCodeForm()
        try:
            resend_code(service, request)
        except RateLimited:
            problem = RATE_LIMITED
        except NoPendingLink:
            messages.warning(request, CODE_VOID)
            return redirect("diller:join")
        except DillerError as error:
            problem = problem_message(error)
        else:
            messages.info(request, _("We have sent a new SMS."))
            return redirect("diller:join-verify")
    elif request.method == "POST" and form.is_valid():
        try:
            result = verify_code_link(service, request, form.cleaned_data["code"])
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
            diller_problem(form, error)
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
    return render_page(request, template("verify"), context)


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
        found = activation(service, token, client_address=client_ip(request))
        segments, store = form_context()
    except RateLimited:
        return render_page(
            request, template("activate"), {"form": None, "invalid": True}, status=429
        )
    except DillerError as error:
        return without_diller(request, "activate", ActivationForm, error)
    if found is None or found.used:
        return render_page(request, template("activate"), {"form": None, "invalid": True})
    if user is None and not found.for_guest:
        return redirect_to_login(request.get_full_path())
    form = ActivationForm(
        request.POST or None,
        segments=segments,
        store=store,
        user=user,
        member=found.member,
        typed=found.typed_for(user, guest_joins(request.session)),
    )
    context: dict[str, Any] = {"form": form, "store": store, "for_guest": found.for_guest}
    if request.method == "POST" and form.is_valid():
        try:
            done = complete_activation(service, user, token, form.to_profile(), segments)
        except MemberTaken:
            form.add_error(None, MEMBER_TAKEN)
        except AlreadyLinked:
            form.add_error(None, ALREADY_LINKED)
        except (TokenUsed, LoginNeeded):
            return render_page(request, template("activate"), {"form": None, "invalid": True})
        except DillerError as error:
            diller_problem(form, error)
        else:
            if done is None:
                return render_page(request, template("activate"), {"form": None, "invalid": True})
            if user is None:
                return render_page(request, template("activate"), {"form": None, "finished": True})
            messages.success(request, _("Welcome to the loyalty club!"))
            return redirect("diller:me")
    return render_page(request, template("activate"), context)
