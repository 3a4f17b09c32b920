"""What the plugin needs to know about the shop, in one class a shop can swap (allauth style).

Name a subclass in ``DILLER['ADAPTER']``; :func:`get_adapter` returns an instance of it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

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

    def line_is_eligible(self, line: Any) -> bool:
        """May this basket or order line take loyalty discounts and earn stamps?

        Every line by default. Shops return False for gift cards and other products Diller
        lists as non-eligible.
        """
        return True


def get_adapter() -> DefaultAdapter:
    return import_string(app_settings.ADAPTER)()
