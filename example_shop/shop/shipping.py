"""The demo shop's shipping methods: "Standard delivery" for 49 kr and Oscar's free shipping.

Oscar 4.2 asks ``shipping.repository.Repository`` (through ``get_class``) for the methods, so the
shop forks the ``shipping`` app (``example_shop/shipping/``, models and migrations unchanged) and
its ``repository`` module re-exports :class:`Repository` from here.

The paid method comes first: Oscar shows the first method's charge on the basket page, and it
gives free-shipping coupons (Diller ``FreeShipping``) a charge to discount.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from oscar.apps.shipping import methods
from oscar.apps.shipping.repository import Repository as CoreRepository
from oscar.core import prices

from .vat import SHIPPING_VAT_RATE, split_vat, tax_code


class Standard(methods.FixedPrice):
    """Home delivery at a fixed 49 kr including 25 % VAT."""

    code = "standard"
    name = _("Standard delivery")
    description = _("Delivered to your door in 2 to 4 working days.")

    charge_incl_tax = Decimal("49.00")
    charge_excl_tax, _charge_tax = split_vat(charge_incl_tax, SHIPPING_VAT_RATE)

    def calculate(self, basket):
        return prices.Price(
            currency=basket.currency,
            excl_tax=self.charge_excl_tax,
            incl_tax=self.charge_incl_tax,
            tax_code=tax_code(SHIPPING_VAT_RATE),
        )


class Repository(CoreRepository):
    methods = (Standard(), methods.Free())
