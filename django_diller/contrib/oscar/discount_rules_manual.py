"""The staff page "Apply a discount to a basket": the chain's non-automatic discounts, by hand.

The web shop's pricing never applies a non-automatic discount by itself; staff do, on a phone
order for instance. Under the discount admin (``admin/diller_discountapi/discount/manual/``,
the Discount change permission): staff pick an open basket by its number, or a user's open
basket, see the non-automatic discounts that apply to it here and now (place, time, and
employees only for an employee's basket) and apply one, or remove one applied before. Only a
discount with ``manualRate`` takes another rate.

The applied ones are kept on the basket's snapshot
(:class:`~django_diller.models.BasketLoyalty`), ``providers["discountapi"]``, as
``[{"discountId": ..., "rate": int | None}]`` (None: the discount's own rate). The carrier
offer (:mod:`.discount_rules`) prices them with the automatic ones by the same rules, while
they still apply here and now. Every apply and remove is kept in the discount audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ...discountapi import audit
from ...discountapi.rules import RELATIVE, Rule
from ...discountapi.validation import MAX_RATE, MAX_RELATIVE_RATE
from ...models import BasketLoyalty

PROVIDER = "discountapi"


@dataclass(frozen=True)
class AppliedDiscount:
    """A non-automatic discount staff applied to a basket; ``rate`` None: its own rate."""

    discount_id: str
    rate: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"discountId": self.discount_id, "rate": self.rate}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AppliedDiscount:
        rate = data.get("rate")
        return cls(discount_id=str(data["discountId"]), rate=None if rate is None else int(rate))


def applied_of(row: BasketLoyalty | None) -> list[AppliedDiscount]:
    """The discounts staff applied to the basket whose snapshot ``row`` is."""
    if row is None:
        return []
    found = []
    for item in (row.providers or {}).get(PROVIDER) or []:
        try:
            found.append(AppliedDiscount.from_json(item))
        except (
            AttributeError,
            KeyError,
            TypeError,
            ValueError,
        ):  # not this page's: priced without it
            continue
    return found


def keep(basket_id: int, applied: AppliedDiscount) -> BasketLoyalty:
    """Keep ``applied`` on the basket (replacing the same discount applied before)."""
    row, _created = BasketLoyalty.objects.get_or_create(
        basket_id=basket_id,
        defaults={"store_id": "", "member_id": "", "fetched_at": timezone.now()},
    )
    kept = [a for a in applied_of(row) if a.discount_id != applied.discount_id]
    row.providers = {
        **(row.providers or {}),
        PROVIDER: [a.as_json() for a in kept] + [applied.as_json()],
    }
    row.save(update_fields=["providers", "updated_at"])
    return row


def drop(basket_id: int, discount_id: str) -> AppliedDiscount | None:
    """Take the discount off the basket; what was applied, or None if it was not."""
    row = BasketLoyalty.objects.of_basket(basket_id)
    kept = applied_of(row)
    gone = next((a for a in kept if a.discount_id == discount_id), None)
    if row is None or gone is None:
        return None
    row.providers = {
        **(row.providers or {}),
        PROVIDER: [a.as_json() for a in kept if a.discount_id != discount_id],
    }
    row.save(update_fields=["providers", "updated_at"])
    return gone


def available(basket) -> list[Rule]:
    """The non-automatic discounts that apply to ``basket``'s owner here and now."""
    from ...discountapi.active import active_rules, this_shop, why_not_here
    from ...discountapi.active import is_employee as in_employee_group

    rules = [rule for rule in active_rules() if not rule.automatic]
    employee = any(rule.employee for rule in rules) and in_employee_group(basket.owner)
    place, when = this_shop(), timezone.now()
    found = [
        rule
        for rule in rules
        if why_not_here(rule, when=when, place=place, employee=employee, automatic_only=False)
        is None
    ]
    return sorted(found, key=lambda rule: rule.discount_id)


class ApplyForm(forms.Form):
    """One of the discounts that apply now, and another rate where the discount allows it."""

    discount = forms.ChoiceField(label=_("Discount"))
    rate = forms.IntegerField(
        label=_("Rate"),
        required=False,
        min_value=0,
        max_value=MAX_RATE,
        help_text=_(
            "Empty: the discount's own rate. Only a discount with a manual rate takes another."
        ),
    )

    def __init__(self, *args: Any, rules: list[Rule], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rules = {rule.discount_id: rule for rule in rules}
        self.fields["discount"].choices = [
            (rule.discount_id, f"{rule.discount_id}: {rule.name}") for rule in rules
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        rule = self.rules.get(cleaned.get("discount") or "")
        rate = cleaned.get("rate")
        if rule is None or rate is None:
            return cleaned
        if not rule.manual_rate:
            self.add_error("rate", gettext("The rate of this discount cannot be changed."))
        elif rule.type == RELATIVE and rate > MAX_RELATIVE_RATE:
            self.add_error(
                "rate",
                gettext("A relative rate is at most %(max)d (100.00 %%).")
                % {"max": MAX_RELATIVE_RATE},
            )
        return cleaned


def _page(basket_id: int) -> str:
    url = reverse("admin:diller_discountapi_discount_manual")
    return f"{url}?{urlencode({'basket': basket_id})}"


def _actor(request: HttpRequest) -> str:
    return str(getattr(getattr(request, "user", None), "username", "") or "")


def _apply(request: HttpRequest, model_admin, basket, form: ApplyForm) -> None:
    discount_id, rate = form.cleaned_data["discount"], form.cleaned_data["rate"]
    before = next((a for a in applied_of(_row(basket)) if a.discount_id == discount_id), None)
    applied = AppliedDiscount(discount_id, rate)
    keep(basket.pk, applied)
    audit.record(
        discount_id,
        f"applied to basket {basket.pk}",
        actor=_actor(request),
        source="admin",
        before={"basket": basket.pk, **before.as_json()} if before else None,
        after={"basket": basket.pk, **applied.as_json()},
    )
    model_admin.message_user(
        request,
        gettext("Discount %(id)s applied to basket %(number)s.")
        % {"id": discount_id, "number": basket.pk},
    )


def _remove(request: HttpRequest, model_admin, basket, discount_id: str) -> None:
    gone = drop(basket.pk, discount_id)
    if gone is None:
        return
    audit.record(
        discount_id,
        f"removed from basket {basket.pk}",
        actor=_actor(request),
        source="admin",
        before={"basket": basket.pk, **gone.as_json()},
        after=None,
    )
    model_admin.message_user(
        request,
        gettext("Discount %(id)s removed from basket %(number)s.")
        % {"id": discount_id, "number": basket.pk},
    )


def _row(basket) -> BasketLoyalty | None:
    return BasketLoyalty.objects.of_basket(basket.pk)


def _applied_rows(basket, rules: list[Rule]) -> list[dict[str, Any]]:
    """The discounts applied to ``basket``, as the page lists them."""
    from ...discountapi.active import active_rules

    every = {rule.discount_id: rule for rule in active_rules()}
    now = {rule.discount_id for rule in rules}
    rows = []
    for applied in applied_of(_row(basket)):
        rule = every.get(applied.discount_id)
        rate = applied.rate if applied.rate is not None else getattr(rule, "rate", None)
        rows.append(
            {
                "id": applied.discount_id,
                "name": rule.name if rule else "",
                "rate": rate,
                "overridden": applied.rate is not None,
                "applies_now": applied.discount_id in now,
            }
        )
    return rows


def manual(request: HttpRequest, model_admin) -> HttpResponse:
    """The page; the admin checks the Discount change permission before it calls this."""
    from .discount_rules_preview import BasketChoiceForm, explain, find_basket

    data = request.POST if request.method == "POST" else request.GET
    choice = BasketChoiceForm(data or None)
    context: dict[str, Any] = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": gettext("Apply a discount to a basket"),
        "form": choice,
    }
    basket = None
    if choice.is_bound and choice.is_valid():
        basket = find_basket(choice.cleaned_data["basket"], choice.cleaned_data["username"].strip())
        if basket is None:
            context["message"] = gettext("No open basket was found.")
    if basket is None:
        return TemplateResponse(request, "admin/diller_discountapi/discount/manual.html", context)

    rules = available(basket)
    apply_form = ApplyForm(rules=rules)
    if request.method == "POST":
        if request.POST.get("remove"):
            _remove(request, model_admin, basket, request.POST["remove"])
            return HttpResponseRedirect(_page(basket.pk))
        apply_form = ApplyForm(request.POST, rules=rules)
        if apply_form.is_valid():
            _apply(request, model_admin, basket, apply_form)
            return HttpResponseRedirect(_page(basket.pk))

    context.update(explain(basket))
    context.update(
        basket=basket, apply_form=apply_form, available=rules, applied=_applied_rows(basket, rules)
    )
    return TemplateResponse(request, "admin/diller_discountapi/discount/manual.html", context)
