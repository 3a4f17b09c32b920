"""Django admin: Diller's non-eligible list as the shop last read it, and the shop's entries on it.

Both are read-only. The list can be fetched again from Diller on demand ("Fetch from Diller
now"); the shop's entries change only through staff's marks (the Oscar integration's
"not eligible for loyalty" admin), so their state and last error are here to be seen.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .api import DillerError, DillerRefused
from .loyalty.non_eligible import refresh_list
from .models import NonEligibleEntry, NonEligibleSnapshot


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # Rows are read-only; the change permission only unlocks the list's actions.
        return obj is None and super().has_change_permission(request)


@admin.register(NonEligibleSnapshot)
class NonEligibleSnapshotAdmin(_ReadOnly):
    list_display = ("store_id", "entry_count", "fetched_at")
    readonly_fields = ("store_id", "fetched_at", "entries")
    fields = readonly_fields
    actions = ("fetch_now",)

    @admin.display(description=_("entries"))
    def entry_count(self, row: NonEligibleSnapshot) -> int:
        return len(row.items)

    @admin.display(description=_("entries"))
    def entries(self, row: NonEligibleSnapshot) -> str:
        def label(item: dict) -> str:
            if item.get("product_id"):
                return _("product %(id)s") % {"id": item["product_id"]}
            if item.get("product_id_prefix"):
                return _("ids starting %(prefix)s") % {"prefix": item["product_id_prefix"]}
            return _("category %(id)s") % {"id": item.get("product_category_id")}

        return format_html_join(
            "",
            "<div>{}: {} {}</div>",
            ((item.get("id"), label(item), item.get("description") or "") for item in row.items),
        )

    @admin.action(description=_("Fetch from Diller now"), permissions=["change"])
    def fetch_now(self, request: HttpRequest, queryset) -> None:
        for row in queryset:
            try:
                fresh = refresh_list(row.store_id)
            except DillerRefused as refusal:
                messages.error(request, refusal.for_staff())
                continue
            except DillerError as error:
                messages.error(request, str(error))
                continue
            messages.success(
                request,
                ngettext(
                    "Diller lists %(count)d non-eligible entry.",
                    "Diller lists %(count)d non-eligible entries.",
                    len(fresh.rules),
                )
                % {"count": len(fresh.rules)},
            )


@admin.register(NonEligibleEntry)
class NonEligibleEntryAdmin(_ReadOnly):
    list_display = (
        "product_id",
        "description",
        "wanted",
        "state",
        "diller_id",
        "last_error",
        "pushed_at",
    )
    list_filter = ("state", "wanted", "store_id")
    search_fields = ("^product_id", "description")
    readonly_fields = (
        "store_id",
        "product_id",
        "description",
        "wanted",
        "diller_id",
        "state",
        "last_error",
        "updated_at",
        "pushed_at",
    )
    fields = readonly_fields
