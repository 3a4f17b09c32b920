"""Django admin for the chain's discount rules, with the same validation as the API.

* **Discounts**: list, add, change, delete. The form checks what the API checks
  (:mod:`.validation`, through the model's ``clean()``); every save and delete is kept in the
  audit log with the staff member's username (source ``admin``).
* **Discount audit log**: read-only, every change through the API or admin.
* **Which discounts apply to a basket**: a page under the discount list (when the shop's
  integration provides one, see :mod:`.previews`).
* **Apply a discount to a basket**: staff with the change permission apply the non-automatic
  discounts to an open basket (the same integration's view, ``page="manual"``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from . import audit
from .models import Discount, DiscountAudit
from .previews import basket_preview_view
from .validation import DAYS, split_ids

LIST_FIELDS = ("combinable_with", "stores", "dist_chains")


class IdListField(forms.CharField):
    """A list of ids typed one per line, or separated by commas."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(str(item) for item in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        return split_ids(super().to_python(value))


class DiscountForm(forms.ModelForm):
    combinable_with = IdListField(
        label=_("combinable with"),
        required=False,
        help_text=_("Discount ids, one per line or separated by commas."),
    )
    stores = IdListField(
        label=_("stores"),
        required=False,
        help_text=_("Store numbers, one per line or separated by commas; empty: every store."),
    )
    dist_chains = IdListField(
        label=_("distribution chains"),
        required=False,
        help_text=_("Chains, one per line or separated by commas; empty: every chain."),
    )
    days_of_week = forms.MultipleChoiceField(
        label=_("days of week"),
        required=False,
        choices=[(day, day.capitalize()) for day in DAYS],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every day."),
    )

    class Meta:
        model = Discount
        fields = (
            "discount_id",
            "name",
            "type",
            "rate",
            "automatic",
            "manual_rate",
            "employee",
            "calculated_from_base_price",
            "combinable_with",
            "valid_from_date",
            "valid_until_date",
            "valid_from_time",
            "valid_until_time",
            "days_of_week",
            "stores",
            "dist_chains",
        )

    def clean_days_of_week(self) -> list[str]:
        chosen = self.cleaned_data.get("days_of_week") or []
        return [day for day in DAYS if day in chosen]  # the week's order


@admin.register(Discount)
class DiscountAdmin(admin.ModelAdmin):
    form = DiscountForm
    list_display = ("discount_id", "name", "type", "rate", "automatic", "employee", "updated_at")
    list_filter = ("type", "automatic", "employee", "manual_rate")
    search_fields = ("discount_id", "name")
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("discount_id", "name", "type", "rate")}),
        (
            _("Properties"),
            {
                "fields": (
                    "automatic",
                    "manual_rate",
                    "employee",
                    "calculated_from_base_price",
                    "combinable_with",
                )
            },
        ),
        (
            _("When"),
            {
                "fields": (
                    ("valid_from_date", "valid_until_date"),
                    ("valid_from_time", "valid_until_time"),
                    "days_of_week",
                )
            },
        ),
        (_("Where"), {"fields": ("stores", "dist_chains")}),
        (None, {"fields": ("created_at", "updated_at")}),
    )

    def save_model(self, request: HttpRequest, obj: Discount, form: Any, change: bool) -> None:
        before = None
        if change and obj.pk:
            old = Discount.objects.filter(pk=obj.pk).first()
            before = old.to_document() if old else None
        super().save_model(request, obj, form, change)
        if before is not None and before["discountId"] != obj.discount_id:
            # a new id is a new discount to whoever knew the old one
            audit.record(
                before["discountId"],
                "deleted",
                actor=_actor(request),
                source="admin",
                before=before,
                after=None,
            )
            before = None
        audit.record(
            obj.discount_id,
            "updated" if before is not None else "created",
            actor=_actor(request),
            source="admin",
            before=before,
            after=obj.to_document(),
        )

    def delete_model(self, request: HttpRequest, obj: Discount) -> None:
        before = obj.to_document()
        super().delete_model(request, obj)
        _record_delete(request, before)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Discount]) -> None:
        documents = [discount.to_document() for discount in queryset]
        super().delete_queryset(request, queryset)
        for before in documents:
            _record_delete(request, before)

    def get_urls(self) -> list[URLPattern]:
        urls: list[URLPattern] = [
            path(
                "preview/",
                self.admin_site.admin_view(self.preview),
                name="diller_discountapi_discount_preview",
            ),
            path(
                "manual/",
                self.admin_site.admin_view(self.manual),
                name="diller_discountapi_discount_manual",
            ),
        ]
        return urls + super().get_urls()

    def preview(self, request: HttpRequest) -> HttpResponse:
        """The shop's "which discounts apply to this basket now" page (view permission)."""
        from django.core.exceptions import PermissionDenied
        from django.http import Http404

        if not self.has_view_permission(request):
            raise PermissionDenied
        view = basket_preview_view()
        if view is None:
            raise Http404
        return view(request, self)  # type: ignore[no-any-return]

    def manual(self, request: HttpRequest) -> HttpResponse:
        """The shop's "apply a discount to a basket" page (change permission)."""
        from django.core.exceptions import PermissionDenied
        from django.http import Http404

        if not self.has_change_permission(request):
            raise PermissionDenied
        view = basket_preview_view()
        if view is None:
            raise Http404
        return view(request, self, page="manual")  # type: ignore[no-any-return]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra_context = dict(extra_context or {})
        extra_context["has_basket_preview"] = basket_preview_view() is not None
        extra_context["may_apply_to_baskets"] = extra_context[
            "has_basket_preview"
        ] and self.has_change_permission(request)
        return super().changelist_view(request, extra_context)


def _actor(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    return str(getattr(user, "username", "") or "")


def _record_delete(request: HttpRequest, before: dict[str, Any]) -> None:
    audit.record(
        before["discountId"],
        "deleted",
        actor=_actor(request),
        source="admin",
        before=before,
        after=None,
    )


@admin.register(DiscountAudit)
class DiscountAuditAdmin(admin.ModelAdmin):
    list_display = ("at", "discount_id", "action", "actor", "source")
    list_filter = ("source", "action")
    search_fields = ("discount_id", "actor")
    readonly_fields = ("discount_id", "action", "actor", "source", "at", "before", "after")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
