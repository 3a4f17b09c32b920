"""The staff member look-up page: search, show, enroll, link and unlink.

Served by :class:`~django_diller.staff.admin.MemberLinkAdmin` (``get_urls``) through
``admin_site.admin_view``, so only logged-in staff reach it; each view also needs the
MemberLink change permission. Searched values are posted (never put in a URL), never logged and
never rendered back into the page; member details are shown masked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from ..accounts import account_label
from ..api import DillerError
from ..loyalty.connection import NotConfigured
from ..phones import InvalidPhoneNumber
from . import member_lookup as lookup
from .forms import EnrollForm, LinkForm, MemberSearchForm
from .setup import describe_error

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

MAX_DETAILED_RESULTS = 5
TEMPLATE = "admin/django_diller/member_lookup.html"
FAILURES = (DillerError, NotConfigured)


def _check_permission(request: HttpRequest, model_admin: ModelAdmin) -> None:
    opts = model_admin.model._meta
    if not request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}"):
        raise PermissionDenied


def _store_info(request: HttpRequest) -> lookup.StoreInfo | None:
    try:
        return lookup.store_info()
    except FAILURES as exc:
        messages.error(request, describe_error(exc))
        return None


def _render(
    model_admin: ModelAdmin,
    request: HttpRequest,
    *,
    info: lookup.StoreInfo | None,
    search_form: MemberSearchForm | None = None,
    results: list[lookup.MemberDetails] | None = None,
    searched: str = "",
    extra_matches: int = 0,
    title: str | None = None,
) -> TemplateResponse:
    identifier_label = info.identifier_type if info else ""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title or _("Member look-up"),
        "opts": model_admin.model._meta,
        "store": info,
        "identifier_label": identifier_label or _("Member identifier"),
        "search_form": search_form or MemberSearchForm(identifier_label=identifier_label),
        "enroll_form": EnrollForm(),
        "link_form": LinkForm(),
        "results": results,
        "searched": searched,
        "extra_matches": extra_matches,
    }
    return TemplateResponse(request, TEMPLATE, context)


def _details(request: HttpRequest, members) -> list[lookup.MemberDetails]:
    return [lookup.fetch_details(member) for member in members[:MAX_DETAILED_RESULTS]]


@sensitive_variables("value")
@sensitive_post_parameters("value")
def lookup_view(request: HttpRequest, model_admin: ModelAdmin) -> HttpResponse:
    _check_permission(request, model_admin)
    info = _store_info(request)
    identifier_label = info.identifier_type if info else ""
    if request.method != "POST":
        return _render(model_admin, request, info=info)
    form = MemberSearchForm(request.POST, identifier_label=identifier_label)
    if not form.is_valid() or info is None:
        return _render(model_admin, request, info=info, search_form=form)
    kind, value = form.cleaned_data["kind"], form.cleaned_data["value"]
    fresh_form = MemberSearchForm(identifier_label=identifier_label, initial={"kind": kind})
    searched = lookup.mask_search_value(kind, value)
    try:
        found = lookup.search(kind, value)
        results = _details(request, found) if found else []
    except InvalidPhoneNumber as exc:
        messages.error(request, str(exc))
        return _render(model_admin, request, info=info, search_form=fresh_form)
    except FAILURES as exc:
        messages.error(request, describe_error(exc))
        return _render(model_admin, request, info=info, search_form=fresh_form)
    if not found:
        messages.warning(request, _("No member found for %(value)s.") % {"value": searched})
    return _render(
        model_admin,
        request,
        info=info,
        search_form=fresh_form,
        results=results,
        searched=searched,
        extra_matches=max(0, len(found) - MAX_DETAILED_RESULTS),
    )


def member_view(request: HttpRequest, model_admin: ModelAdmin, member_id: str) -> HttpResponse:
    _check_permission(request, model_admin)
    info = _store_info(request)
    results = None
    if info is not None:
        try:
            results = _details(request, [member_id])
        except FAILURES as exc:
            messages.error(request, describe_error(exc))
    title = _("Member %(name)s") % {"name": results[0].name or member_id} if results else None
    return _render(model_admin, request, info=info, results=results, title=title)


def _member_url(member_id: str) -> str:
    return reverse("admin:diller_member_detail", args=[member_id])


@require_POST
@sensitive_post_parameters("phone")
def enroll_view(request: HttpRequest, model_admin: ModelAdmin) -> HttpResponse:
    _check_permission(request, model_admin)
    form = EnrollForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a mobile phone number to enroll."))
        return HttpResponseRedirect(reverse("admin:diller_member_lookup"))
    try:
        result = lookup.enroll(form.cleaned_data["phone"], staff_user=request.user)
    except InvalidPhoneNumber as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(reverse("admin:diller_member_lookup"))
    except FAILURES as exc:
        messages.error(request, describe_error(exc))
        return HttpResponseRedirect(reverse("admin:diller_member_lookup"))
    masked = lookup.mask_phone(result.phone)
    if result.already_member:
        messages.info(
            request,
            _("%(phone)s is already a member of the club: no link was sent.") % {"phone": masked},
        )
    else:
        messages.success(
            request,
            _("Diller texted %(phone)s a link to finish joining the club.") % {"phone": masked},
        )
    if result.member.id:
        return HttpResponseRedirect(_member_url(result.member.id))
    return HttpResponseRedirect(reverse("admin:diller_member_lookup"))


@require_POST
def link_view(request: HttpRequest, model_admin: ModelAdmin, member_id: str) -> HttpResponse:
    _check_permission(request, model_admin)
    form = LinkForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("email", []):
            messages.error(request, error)
        return HttpResponseRedirect(_member_url(member_id))
    try:
        link = lookup.link_user(member_id, form.user, staff_user=request.user)
    except lookup.LinkRefused as exc:
        messages.error(request, str(exc))
    except FAILURES as exc:
        messages.error(request, describe_error(exc))
    else:
        messages.success(
            request,
            _("Linked the shop account %(user)s to the member.")
            % {"user": account_label(link.user)},
        )
    return HttpResponseRedirect(_member_url(member_id))


@require_POST
def unlink_view(request: HttpRequest, model_admin: ModelAdmin, member_id: str) -> HttpResponse:
    _check_permission(request, model_admin)
    try:
        link = lookup.unlink_member(member_id, staff_user=request.user)
    except lookup.LinkRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Unlinked the shop account %(user)s from the member.")
            % {"user": account_label(link.user)},
        )
    return HttpResponseRedirect(_member_url(member_id))
