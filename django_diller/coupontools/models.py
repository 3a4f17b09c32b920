"""Coupontools' models: staff's rules for a campaign's vouchers.

A voucher's value usually comes from Coupontools (the session's ``value``, or the custom field
``COUPONTOOLS['VALUE_FIELD']``). A :class:`VoucherRule` is what staff set in admin for a
campaign instead: what its vouchers take off, on which products, and whether they go with
Diller's coupons. :class:`VoucherRedemption` is no table of its own: it gives the "Redeem a
voucher" page its place in the admin index.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

REDEEM_PERMISSION = "diller_coupontools.redeem_voucher"
HUNDRED = Decimal(100)
_UPC_SEPARATORS = re.compile(r"[\s,;]+")


class RuleKind(models.TextChoices):
    AMOUNT = "amount", _("Amount off")
    PERCENTAGE = "percentage", _("Percentage off")


def split_upcs(text: str) -> list[str]:
    """The UPCs in ``text``: one per line, or separated by commas (blank lines ignored)."""
    return [upc for upc in _UPC_SEPARATORS.split(text or "") if upc]


class VoucherRule(models.Model):
    """What a Coupontools campaign's vouchers take off, as staff set it."""

    campaign = models.CharField(
        _("campaign"),
        max_length=64,
        unique=True,
        help_text=_(
            "The campaign's code, as in the voucher's link (digicpn.com/p/<code>/…), or the "
            "campaign id Coupontools answers (cam_…)."
        ),
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=RuleKind.choices, default=RuleKind.AMOUNT
    )
    value = models.DecimalField(
        _("value"),
        max_digits=12,
        decimal_places=2,
        help_text=_("An amount in the shop's currency, or a percentage from 0 to 100."),
    )
    product_upcs = models.TextField(
        _("products"),
        blank=True,
        help_text=_(
            "The UPCs of the products the voucher applies to, one per line or separated by "
            "commas. Empty: the whole purchase."
        ),
    )
    combinable_with_diller = models.BooleanField(
        _("combinable with Diller coupons"),
        default=True,
        help_text=_("Whether the voucher may be used together with the club's coupons."),
    )
    active = models.BooleanField(_("active"), default=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("voucher rule")
        verbose_name_plural = _("voucher rules")
        ordering = ("campaign",)
        permissions = [("redeem_voucher", _("Can redeem vouchers at the counter"))]

    def __str__(self) -> str:
        return self.title or self.campaign

    @property
    def product_ids(self) -> set[str]:
        """The UPCs the voucher applies to; empty for the whole purchase."""
        return set(split_upcs(self.product_upcs))

    def clean(self) -> None:
        super().clean()
        self.campaign = (self.campaign or "").strip()
        if self.value is None:
            return
        if self.kind == RuleKind.PERCENTAGE and not (0 < self.value <= HUNDRED):
            raise ValidationError(
                {"value": _("A percentage is more than 0 and at most 100.")},
                code="percentage",
            )
        if self.kind == RuleKind.AMOUNT and self.value <= 0:
            raise ValidationError(
                {"value": _("An amount is more than 0.")},
                code="amount",
            )


def rule_for(*campaigns: str | None) -> VoucherRule | None:
    """The first active rule of the given campaigns, in the order given (the campaign's code
    from the voucher's link, then its id from Coupontools' answer, say); None without one."""
    wanted = [campaign for campaign in campaigns if campaign]
    if not wanted:
        return None
    found = {
        rule.campaign: rule for rule in VoucherRule.objects.filter(active=True, campaign__in=wanted)
    }
    return next((found[campaign] for campaign in wanted if campaign in found), None)


class VoucherRedemption(VoucherRule):
    """The "Redeem a voucher" page's entry in the admin (no table, no permissions of its own:
    the page needs ``diller_coupontools.redeem_voucher``)."""

    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = _("Redeem a voucher")
        verbose_name_plural = _("Redeem a voucher")


__all__ = [
    "REDEEM_PERMISSION",
    "RuleKind",
    "VoucherRedemption",
    "VoucherRule",
    "rule_for",
    "split_upcs",
]
