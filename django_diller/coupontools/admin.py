"""Django admin: the campaigns' voucher rules, and the "Redeem a voucher" page."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.urls import path

from . import redeem_views
from .forms import VoucherRuleForm
from .models import REDEEM_PERMISSION, VoucherRedemption, VoucherRule


@admin.register(VoucherRule)
class VoucherRuleAdmin(admin.ModelAdmin):
    form = VoucherRuleForm
    list_display = ("campaign", "title", "kind", "value", "combinable_with_diller", "active")
    list_filter = ("active", "kind", "combinable_with_diller")
    search_fields = ("campaign", "title")
    readonly_fields = ("created", "updated")


@admin.register(VoucherRedemption)
class VoucherRedemptionAdmin(admin.ModelAdmin):
    """No list: its entry in the admin index opens the "Redeem a voucher" page."""

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm(REDEEM_PERMISSION)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_urls(self):
        def view(request, *args, **kwargs):
            return redeem_views.redeem_view(request, self, *args, **kwargs)

        view.__name__ = "redeem_view"
        wrapped = self.admin_site.admin_view(view)
        opts = self.model._meta
        return [
            path("", wrapped, name="coupontools_redeem"),
            path("", wrapped, name=f"{opts.app_label}_{opts.model_name}_changelist"),
        ]
