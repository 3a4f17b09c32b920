"""Django admin for staff's non-eligible marks.

* **Not eligible for loyalty** (the marks): add one for a product class or a product, see
  whether it reached Diller's list (status and last error), push again, or delete it to make
  the products eligible again.
* Oscar's **product classes** and **products** lists get two actions: "Mark as not eligible for
  loyalty" and "Mark as eligible for loyalty".

Every change queues the push to Diller after the commit
(:mod:`django_diller.contrib.oscar.non_eligible`).
"""

from __future__ import annotations

import logging

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from oscar.core.loading import get_model

from .marks import NonEligibleMark
from .non_eligible import one_push, queue_push

logger = logging.getLogger("django_diller.oscar")

Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")


@admin.register(NonEligibleMark)
class NonEligibleMarkAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "status", "last_error", "marked_at", "pushed_at")
    list_filter = ("status",)
    raw_id_fields = ("product",)
    fields = ("product_class", "product", "status", "last_error", "marked_at", "pushed_at")
    readonly_fields = ("status", "last_error", "marked_at", "pushed_at")
    actions = ("push_again",)

    @admin.display(description=_("kind"))
    def kind(self, mark: NonEligibleMark) -> str:
        return str(_("product class") if mark.product_class_id else _("product"))

    @admin.action(description=_("Push to Diller again"), permissions=["change"])
    def push_again(self, request: HttpRequest, queryset) -> None:
        queue_push()
        messages.success(request, _("The push to Diller's non-eligible list was queued."))


def _marked_message(count: int) -> str:
    return ngettext(
        "%(count)d marked as not eligible for loyalty; Diller's list follows shortly.",
        "%(count)d marked as not eligible for loyalty; Diller's list follows shortly.",
        count,
    ) % {"count": count}


def _unmarked_message(count: int) -> str:
    return ngettext(
        "%(count)d marked as eligible for loyalty again.",
        "%(count)d marked as eligible for loyalty again.",
        count,
    ) % {"count": count}


@admin.action(description=_("Mark as not eligible for loyalty"), permissions=["change"])
def mark_not_eligible(modeladmin, request: HttpRequest, queryset) -> None:
    field = "product_class" if queryset.model is ProductClass else "product"
    created = 0
    with one_push():
        for target in queryset:
            _mark, was_created = NonEligibleMark.objects.get_or_create(**{field: target})
            created += was_created
    messages.success(request, _marked_message(created))


@admin.action(description=_("Mark as eligible for loyalty"), permissions=["change"])
def mark_eligible(modeladmin, request: HttpRequest, queryset) -> None:
    field = "product_class__in" if queryset.model is ProductClass else "product__in"
    marks = list(NonEligibleMark.objects.filter(**{field: queryset}))
    with one_push():
        for mark in marks:
            mark.delete()
    messages.success(request, _unmarked_message(len(marks)))


def add_actions(site: admin.AdminSite = admin.site) -> None:
    """Give Oscar's product class and product admins the two actions (when registered)."""
    for model in (ProductClass, Product):
        if not site.is_registered(model):
            logger.info("diller: no admin for %s; its mark actions are not added", model.__name__)
            continue
        model_admin = site.get_model_admin(model)
        actions = list(model_admin.actions or ())
        for action in (mark_not_eligible, mark_eligible):
            if action not in actions:
                actions.append(action)
        model_admin.actions = actions


add_actions()
