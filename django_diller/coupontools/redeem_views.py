"""The "Redeem a voucher" page in Django admin: scan or type a voucher, see where it stands,
validate it with the amount spent, or void it.

Served by :class:`~django_diller.coupontools.admin.VoucherRedemptionAdmin` through
``admin_site.admin_view``, so only logged-in staff reach it, and only with the
``diller_coupontools.redeem_voucher`` permission. The code is posted (never put in a URL) and
shown masked; the page carries it in hidden fields for the next step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from . import redeem
from .conf import enabled
from .forms import LookupForm, ValidateForm, VoidForm
from .models import REDEEM_PERMISSION

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

TEMPLATE = "admin/diller_coupontools/redeem.html"
OPERATIONS = ("lookup", "validate", "void")


def _render(
    model_admin: ModelAdmin,
    request: HttpRequest,
    *,
    lookup_form: LookupForm | None = None,
    voucher: redeem.VoucherView | None = None,
    validate_form: ValidateForm | None = None,
) -> TemplateResponse:
    code = {"code": voucher.session_id} if voucher else None
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Redeem a voucher"),
        "opts": model_admin.model._meta,
        "enabled": enabled(),
        "lookup_form": lookup_form or LookupForm(),
        "voucher": voucher,
        "validate_form": validate_form or ValidateForm(initial=code),
        "void_form": VoidForm(initial=code),
    }
    return TemplateResponse(request, TEMPLATE, context)


def _refused(
    model_admin: ModelAdmin, request: HttpRequest, refused: redeem.RedeemRefused
) -> TemplateResponse:
    messages.error(request, refused.message)
    return _render(model_admin, request, voucher=refused.view)


@sensitive_post_parameters("code")
def redeem_view(request: HttpRequest, model_admin: ModelAdmin) -> HttpResponse:
    if not request.user.has_perm(REDEEM_PERMISSION):
        raise PermissionDenied
    if request.method != "POST":
        return _render(model_admin, request)
    operation = request.POST.get("op", "lookup")
    if operation not in OPERATIONS:
        operation = "lookup"
    if operation == "lookup":
        form = LookupForm(request.POST)
        if not form.is_valid():
            return _render(model_admin, request, lookup_form=form)
        try:
            voucher = redeem.look_up(form.cleaned_data["code"])
        except redeem.RedeemRefused as refused:
            return _refused(model_admin, request, refused)
        if voucher.refusal:
            messages.warning(request, voucher.refusal)
        return _render(model_admin, request, voucher=voucher)
    if operation == "validate":
        validate_form = ValidateForm(request.POST)
        if not validate_form.is_valid():
            if "code" in validate_form.errors:
                return _render(model_admin, request)
            try:
                voucher = redeem.look_up(validate_form.data.get("code", ""))
            except redeem.RedeemRefused as refused:
                return _refused(model_admin, request, refused)
            return _render(model_admin, request, voucher=voucher, validate_form=validate_form)
        money_spent = validate_form.cleaned_data["money_spent"]
        try:
            voucher = redeem.validate(
                validate_form.cleaned_data["code"], money_spent, staff_user=request.user
            )
        except redeem.RedeemRefused as refused:
            return _refused(model_admin, request, refused)
        messages.success(request, _("The voucher is validated: it is used now."))
        return _render(model_admin, request, voucher=voucher)
    void_form = VoidForm(request.POST)
    if not void_form.is_valid():
        return _render(model_admin, request)
    try:
        voucher = redeem.void(void_form.cleaned_data["code"], staff_user=request.user)
    except redeem.RedeemRefused as refused:
        return _refused(model_admin, request, refused)
    messages.success(request, _("The voucher is voided: it cannot be used any more."))
    return _render(model_admin, request, voucher=voucher)
