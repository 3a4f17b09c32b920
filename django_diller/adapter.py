"""What the plugin needs to know about the shop, in one class a shop can swap (allauth style).

Name a subclass in ``DILLER['ADAPTER']``; :func:`get_adapter` returns an instance of it. Left
unset, the plugin picks :class:`DefaultAdapter`, which works for any Django shop, or the Oscar
integration's ``OscarAdapter`` when ``django_diller.contrib.oscar`` is installed.
"""

from __future__ import annotations

import ipaddress
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.apps import apps
from django.http import HttpRequest
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from .api import models as wire
from .conf import app_settings

DEFAULT_ADAPTER = "django_diller.adapter.DefaultAdapter"
OSCAR_ADAPTER = "django_diller.contrib.oscar.adapter.OscarAdapter"


def _plain_amount(value: Decimal) -> str:
    """``50`` for a whole amount, ``12.50`` otherwise, written the active language's way
    (``12,50`` in Norwegian and Swedish)."""
    return floatformat(value, "-2")


class DefaultAdapter:
    """The shop as a plain Django project sees it: products are objects with ``upc``/``pk``
    attributes, lines have ``product`` and ``partner_sku``, and nothing is known of payments,
    categories or addresses."""

    # products and lines ----------------------------------------------------------------------

    def product_external_id(self, product: Any) -> str:
        """The product's id at Diller, as coupons' and stamp cards' ``product_ids`` name it.

        The UPC when there is one (often the EAN/GTIN the shop's other systems use too),
        otherwise the primary key.
        """
        return str(getattr(product, "upc", None) or product.pk)

    def product_category(self, product: Any) -> tuple[str, str] | None:
        """The category Diller sees for a product: ``(external id, name)``, or None (unknown)."""
        return None

    def product_brand(self, product: Any) -> str | None:
        """The product's brand, when the shop keeps one."""
        return None

    def line_sku(self, line: Any) -> str | None:
        """The line's SKU: its ``partner_sku`` (or ``sku``) attribute, if any."""
        sku = getattr(line, "partner_sku", None) or getattr(line, "sku", None)
        return str(sku) if sku else None

    def tax_rate(self, tax_code: str | None, item: Any) -> Decimal | None:
        """The VAT rate (``Decimal("0.25")`` for 25 %) of an order line, of the order's shipping
        charge (``item`` is then the order) or of a surcharge; None when unknown.

        ``tax_code`` is the code the shop stored with it (Oscar: from the pricing strategy's
        ``price.tax_code``). By default a code that is a number is read as the percentage
        (``"25"``, ``"12.5"``, ``"0"``). The rate is used when the item's prices agree with
        it to the cent; otherwise (a code that is a VAT group number, not a percentage), and
        when this returns None, the rate is derived from the prices. Shops that know the rate
        another way return it here.
        """
        if not tax_code:
            return None
        try:
            percent = Decimal(str(tax_code).strip().removesuffix("%").strip())
        except InvalidOperation:
            return None
        if not percent.is_finite() or not 0 <= percent <= 100:
            return None
        return percent / 100

    # eligibility -----------------------------------------------------------------------------

    def line_is_eligible(self, line: Any) -> bool:
        """May this basket or order line take loyalty discounts and earn stamps?

        Not when staff marked its product as not eligible, nor when Diller's non-eligible list
        names it (by id, SKU, id prefix or category). Runs on every pricing: it never calls
        Diller (see :mod:`django_diller.loyalty.non_eligible`).
        """
        product = getattr(line, "product", None)
        if product is None:
            return True
        if self.product_marked_non_eligible(product):
            return False
        return not self.listed_non_eligible(product, self.line_sku(line))

    def product_marked_non_eligible(self, product: Any) -> bool:
        """Staff's own mark on the product in the shop, which applies at once, before Diller's
        list has it. None by default; the Oscar adapter reads the marks staff set there."""
        return False

    def listed_non_eligible(self, product: Any, sku: str | None = None) -> bool:
        """Does Diller's non-eligible list name the product? It matches the ids Diller sees on
        a transaction line: the external id, the SKU and the UPC (the GTIN), and the category."""
        from .loyalty.non_eligible import current_list

        listed = current_list()
        if not listed:
            return False
        ids = {self.product_external_id(product), sku, getattr(product, "upc", None)}
        category = self.product_category(product) if listed.names_categories else None
        return listed.matches(
            {i for i in ids if i}, category[0] if category else None, now=timezone.now()
        )

    # orders ----------------------------------------------------------------------------------

    def payment_methods(self, order: Any) -> list[tuple[str, Decimal]]:
        """How the order was paid: ``(method, amount)`` per payment. None known by default: the
        whole total is reported under "Unknown"."""
        return []

    # The page the loyalty pages (``django_diller/base.html``) extend: a bare HTML5 page here,
    # the shop's frame in a subclass (see docs/customising.md).
    layout_template = "django_diller/layout.html"

    def shop_currency(self) -> str:
        """The shop's own currency (ISO 4217), for a coupon's amount when Diller's store names
        none; "" when the shop has none either."""
        return ""

    currency_symbols: dict[str, str] = {
        "NOK": "kr",
        "SEK": "kr",
        "DKK": "kr",
        "ISK": "kr",
        "EUR": "€",
        "USD": "$",
    }

    def coupon_value(self, coupon: wire.MemberCouponResponse, currency: str) -> str:
        """A coupon's value as the member's pages show it: "10 %", "50 kr" (in the store's
        currency, by :attr:`currency_symbols`) or "Free shipping"; "" for another kind."""
        amount = coupon.discount_value or Decimal(0)
        if coupon.discount_type == wire.CouponDiscountType.Percentage:
            return f"{_plain_amount(amount)} %"
        if coupon.discount_type == wire.CouponDiscountType.Fixed:
            symbol = self.currency_symbols.get(currency.upper(), currency)
            return f"{_plain_amount(amount)} {symbol}".strip()
        if coupon.discount_type == wire.CouponDiscountType.FreeShipping:
            return str(_("Free shipping"))
        return ""

    def adjust_transaction_payload(
        self, payload: dict[str, Any], order: Any, kind: str
    ) -> dict[str, Any]:
        """The last word on a transaction body before it is stored on its outbox entry
        (``kind`` is the entry's kind: a purchase, a remainder, a return…). Return the body to
        send; by default it is unchanged. The body is built once: a retry sends the same one."""
        return payload

    # shoppers and pages ----------------------------------------------------------------------

    def client_ip(self, request: HttpRequest) -> str:
        """The client address the shopper pages' rate limits count per.

        ``REMOTE_ADDR`` unless ``DILLER['CLIENT_IP_HEADER']`` names the ``request.META`` key a
        reverse proxy sets. In a comma-separated list (``X-Forwarded-For``) each proxy appends
        the address it received the request from, so the client's is the one
        ``CLIENT_IP_PROXIES`` places from the right; what is left of it is whatever the client
        sent, and trusting it would let anyone dodge the limits. A header that is missing,
        shorter than the proxies configured, or not an address falls back to ``REMOTE_ADDR``.
        """
        remote = request.META.get("REMOTE_ADDR") or "unknown"
        header = app_settings.CLIENT_IP_HEADER
        if not header:
            return remote
        parts = [part.strip() for part in str(request.META.get(str(header), "")).split(",")]
        parts = [part for part in parts if part]
        proxies = max(int(app_settings.CLIENT_IP_PROXIES), 1)
        if len(parts) < proxies:
            return remote
        try:
            return str(ipaddress.ip_address(parts[-proxies]))
        except ValueError:
            return remote

    def default_country(self, user: Any) -> str | None:
        """The shopper's own country (ISO 3166-1 alpha-2), which the join and profile forms
        read a national phone number in before the store's country. None (unknown) by default:
        the forms then use the store's country."""
        return None

    def widget_css_class(self, widget: forms.Widget) -> str | None:
        """The CSS class the member forms give a widget (Bootstrap's by default, which a shop's
        own CSS may ignore); None leaves the widget as it is."""
        if isinstance(widget, forms.CheckboxInput):
            return "form-check-input"
        if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
            return None
        return "form-control"


def adapter_path() -> str:
    """The dotted path of the shop's adapter: ``DILLER['ADAPTER']``, or when it is not set the
    Oscar adapter if the Oscar integration is installed, else :class:`DefaultAdapter`."""
    named = app_settings.ADAPTER
    if named:
        return str(named)
    return OSCAR_ADAPTER if apps.is_installed("django_diller.contrib.oscar") else DEFAULT_ADAPTER


def get_adapter() -> DefaultAdapter:
    return import_string(adapter_path())()
