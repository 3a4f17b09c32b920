"""The adapter for django-oscar shops: what :class:`~django_diller.adapter.DefaultAdapter`
cannot know without Oscar's models.

The plugin picks it when ``DILLER['ADAPTER']`` is not set and this app is installed; a shop's
own adapter for an Oscar shop subclasses it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings

from ...adapter import DefaultAdapter
from .non_eligible import is_marked


class OscarAdapter(DefaultAdapter):
    """Oscar's products (variants and their parents), categories, stock records, payment
    sources, address book and staff's non-eligible marks; the loyalty pages in Oscar's
    layout."""

    layout_template = "django_diller/oscar/layout.html"

    def product_external_id(self, product: Any) -> str:
        """The UPC when there is one, otherwise the primary key; a variant without a UPC of its
        own takes its parent's."""
        upc = getattr(product, "upc", None)
        if not upc and getattr(product, "parent", None) is not None:
            upc = getattr(product.parent, "upc", None)
        return str(upc or product.pk)

    def product_category(self, product: Any) -> tuple[str, str] | None:
        """The product's first category (its parent's for a variant), by primary key."""
        if product is None:
            return None
        source = product.parent if getattr(product, "parent", None) is not None else product
        categories = getattr(source, "get_categories", None)
        category = categories().order_by("pk").first() if categories else None
        return (str(category.pk), str(category.name)) if category else None

    def shop_currency(self) -> str:
        """Oscar's ``OSCAR_DEFAULT_CURRENCY``."""
        return str(getattr(settings, "OSCAR_DEFAULT_CURRENCY", "") or "")

    def line_sku(self, line: Any) -> str | None:
        """The order line's SKU, or the basket line's stock record's."""
        sku = getattr(line, "partner_sku", None)
        if not sku and getattr(line, "stockrecord", None) is not None:
            sku = getattr(line.stockrecord, "partner_sku", None)
        return str(sku) if sku else None

    def product_marked_non_eligible(self, product: Any) -> bool:
        """Staff's mark on the product, its parent or its product class (in the dashboard)."""
        return is_marked(product)

    def payment_methods(self, order: Any) -> list[tuple[str, Decimal]]:
        """Oscar's payment sources, by type name and the amount debited (or allocated, when
        nothing is debited yet)."""
        sources = getattr(order, "sources", None)
        methods = []
        for source in sources.select_related("source_type") if sources is not None else []:
            amount = source.amount_debited or source.amount_allocated
            if amount:
                methods.append((str(source.source_type.name), Decimal(amount)))
        return methods

    def default_country(self, user: Any) -> str | None:
        """The country of the shopper's default shipping address in Oscar's address book (the
        newest address when none is the default)."""
        addresses = (
            getattr(user, "addresses", None) if getattr(user, "is_authenticated", False) else None
        )
        if addresses is None:
            return None
        try:
            address = addresses.order_by("-is_default_for_shipping", "-pk").first()
        except Exception:  # not Oscar's address book: no country to offer
            return None
        country = getattr(address, "country", None)
        return getattr(country, "iso_3166_1_a2", None) or (
            country if isinstance(country, str) else None
        )
