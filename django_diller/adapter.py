"""What the plugin needs to know about the shop, in one class a shop can swap (allauth style).

Name a subclass in ``DILLER['ADAPTER']``; :func:`get_adapter` returns an instance of it.
"""

from __future__ import annotations

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

    def line_is_eligible(self, line: Any) -> bool:
        """May this basket or order line take loyalty discounts and earn stamps?

        Every line by default. Shops return False for gift cards and other products Diller
        lists as non-eligible.
        """
        return True


def get_adapter() -> DefaultAdapter:
    return import_string(app_settings.ADAPTER)()
