"""What the plugin needs to know about the shop, in one class a shop can swap (allauth style).

Name a subclass in ``DILLER['ADAPTER']``; :func:`get_adapter` returns an instance of it.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.utils import timezone
from django.utils.module_loading import import_string

from .conf import app_settings


class DefaultAdapter:
    """Works with Oscar products, and with any object that has ``upc``/``pk`` attributes."""

    def product_external_id(self, product: Any) -> str:
        """The product's id at Diller, as coupons' and stamp cards' ``product_ids`` name it.

        The UPC when there is one (often the EAN/GTIN the shop's other systems use too),
        otherwise the primary key. Variants fall back to their parent's UPC.
        """
        upc = getattr(product, "upc", None)
        if not upc and getattr(product, "parent", None) is not None:
            upc = getattr(product.parent, "upc", None)
        return str(upc or product.pk)

    def product_category(self, product: Any) -> tuple[str, str] | None:
        """The category Diller sees for a product: ``(external id, name)``, or None.

        The product's first category (its parent's for a variant), by primary key.
        """
        if product is None:
            return None
        source = product.parent if getattr(product, "parent", None) is not None else product
        categories = getattr(source, "get_categories", None)
        category = categories().order_by("pk").first() if categories else None
        return (str(category.pk), str(category.name)) if category else None

    def product_brand(self, product: Any) -> str | None:
        """The product's brand, when the shop keeps one (none in a plain Oscar catalogue)."""
        return None

    def payment_methods(self, order: Any) -> list[tuple[str, Decimal]]:
        """How the order was paid: ``(method, amount)`` per payment source.

        Oscar's payment sources, by type name and the amount debited (or allocated, when
        nothing is debited yet). None: the whole total is reported under "Unknown".
        """
        sources = getattr(order, "sources", None)
        methods = []
        for source in sources.select_related("source_type") if sources is not None else []:
            amount = source.amount_debited or source.amount_allocated
            if amount:
                methods.append((str(source.source_type.name), Decimal(amount)))
        return methods

    def tax_rate(self, tax_code: str | None, item: Any) -> Decimal | None:
        """The VAT rate (``Decimal("0.25")`` for 25 %) of an order line, of the order's shipping
        charge (``item`` is then the order) or of a surcharge; None when unknown.

        ``tax_code`` is the code Oscar stored with it (from the pricing strategy's
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

    def line_is_eligible(self, line: Any) -> bool:
        """May this basket or order line take loyalty discounts and earn stamps?

        Not when staff marked its product or product class as not eligible, nor when Diller's
        non-eligible list names it (by id, SKU, id prefix or category). Runs on every pricing:
        it never calls Diller (see :mod:`django_diller.loyalty.non_eligible`).
        """
        product = getattr(line, "product", None)
        if product is None:
            return True
        if self.product_marked_non_eligible(product):
            return False
        return not self.listed_non_eligible(product, self.line_sku(line))

    def line_sku(self, line: Any) -> str | None:
        """The line's SKU (Oscar: the order line's, or the basket line's stock record's)."""
        sku = getattr(line, "partner_sku", None)
        if not sku and getattr(line, "stockrecord", None) is not None:
            sku = getattr(line.stockrecord, "partner_sku", None)
        return str(sku) if sku else None

    def product_marked_non_eligible(self, product: Any) -> bool:
        """Staff's own mark on the product or its product class (Oscar integration), which
        applies at once, before Diller's list has it."""
        if not apps.is_installed("django_diller.contrib.oscar"):
            return False
        from .contrib.oscar.non_eligible import is_marked

        return is_marked(product)

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

    def adjust_transaction_payload(
        self, payload: dict[str, Any], order: Any, kind: str
    ) -> dict[str, Any]:
        """The last word on a transaction body before it is stored on its outbox entry
        (``kind`` is the entry's kind: a purchase, a remainder, a return…). Return the body to
        send; by default it is unchanged. The body is built once: a retry sends the same one."""
        return payload


def get_adapter() -> DefaultAdapter:
    return import_string(app_settings.ADAPTER)()
