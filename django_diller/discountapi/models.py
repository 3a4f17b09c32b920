"""The Discount API's models: a chain's discount rules and the audit log of their changes.

A :class:`Discount` holds one discount exactly as the Discount API document describes it
(``to_document()`` gives that shape back); :mod:`django_diller.discountapi.rules` prices with
it. Every change through the API or admin leaves a :class:`DiscountAudit` row.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class DiscountType(models.TextChoices):
    RELATIVE = "RELATIVE", _("Relative (1/100 of a percent)")
    ABSOLUTE = "ABSOLUTE", _("Absolute (minor units of the currency)")


class Discount(models.Model):
    """One discount rule of the chain, as its back office manages it."""

    discount_id = models.CharField(_("discount id"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    rate = models.PositiveIntegerField(
        _("rate"),
        help_text=_(
            "Relative: in 1/100 of a percent (500 = 5.00 %). Absolute: in the currency's minor "
            "units (500 = 5.00)."
        ),
    )
    type = models.CharField(_("type"), max_length=8, choices=DiscountType.choices)
    automatic = models.BooleanField(
        _("automatic"),
        default=False,
        help_text=_("Applied to every eligible product without the shopper doing anything."),
    )
    manual_rate = models.BooleanField(
        _("manual rate"),
        default=False,
        help_text=_("Staff may change the rate when they apply the discount."),
    )
    employee = models.BooleanField(
        _("employee"), default=False, help_text=_("Only for the shop's employees.")
    )
    calculated_from_base_price = models.BooleanField(
        _("calculated from base price"),
        default=False,
        help_text=_(
            "A relative discount is computed from the product's base price, not from the price "
            "after earlier discounts."
        ),
    )
    combinable_with = models.JSONField(
        _("combinable with"),
        default=list,
        blank=True,
        help_text=_("The ids of the discounts this one may be applied together with."),
    )
    valid_from_date = models.DateField(_("valid from date"), null=True, blank=True)
    valid_until_date = models.DateField(_("valid until date"), null=True, blank=True)
    valid_from_time = models.PositiveSmallIntegerField(
        _("valid from time"),
        null=True,
        blank=True,
        help_text=_("Local time as HHMM (500 = 05:00)."),
    )
    valid_until_time = models.PositiveSmallIntegerField(
        _("valid until time"),
        null=True,
        blank=True,
        help_text=_("Local time as HHMM (2300 = 23:00; 2400 = midnight at the end of the day)."),
    )
    days_of_week = models.JSONField(
        _("days of week"),
        default=list,
        blank=True,
        help_text=_('Day names such as "MONDAY"; empty: every day.'),
    )
    stores = models.JSONField(
        _("stores"), default=list, blank=True, help_text=_("Store numbers; empty: every store.")
    )
    dist_chains = models.JSONField(
        _("distribution chains"),
        default=list,
        blank=True,
        help_text=_("Distribution chains; empty: every chain."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("discount")
        verbose_name_plural = _("discounts")
        ordering = ["discount_id"]

    def __str__(self) -> str:
        return f"{self.discount_id}: {self.name}"

    def clean(self) -> None:
        """The same checks as the API's (:mod:`django_diller.discountapi.validation`)."""
        from .validation import validate_discount

        validate_discount(self)

    def to_document(self) -> dict[str, Any]:
        """The discount in the Discount API document's shape (without ``apiResponseStatus``)."""
        return {
            "discountId": self.discount_id,
            "name": self.name,
            "rate": self.rate,
            "type": self.type,
            "properties": {
                "automatic": self.automatic,
                "manualRate": self.manual_rate,
                "employee": self.employee,
                "calculatedFromBasePrice": self.calculated_from_base_price,
                "combinableWith": list(self.combinable_with or []),
            },
            "temporalValidity": {
                "validFromDate": _iso(self.valid_from_date),
                "validUntilDate": _iso(self.valid_until_date),
                "validFromTime": self.valid_from_time,
                "validUntilTime": self.valid_until_time,
                "dayOfWeekList": list(self.days_of_week or []),
            },
            "locationValidity": {
                "stores": list(self.stores or []),
                "distChains": list(self.dist_chains or []),
            },
        }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


class DiscountAudit(models.Model):
    """One change of a discount, through the API or admin: who, when, before and after."""

    discount_id = models.CharField(_("discount id"), max_length=64, db_index=True)
    action = models.CharField(_("action"), max_length=40)
    actor = models.CharField(_("actor"), max_length=200)
    source = models.CharField(_("source"), max_length=10)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    class Meta:
        verbose_name = _("discount audit entry")
        verbose_name_plural = _("discount audit log")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.discount_id} {self.action} ({self.source})"
