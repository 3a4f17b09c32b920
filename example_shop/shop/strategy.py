"""The demo shop's pricing strategy: stock record prices are Norwegian shelf prices, VAT included.

Oscar 4.2's stock strategies treat ``StockRecord.price`` as the price *excluding* tax and add tax
on top (``FixedRateTax`` multiplies and quantizes), so a 189.00 kr coffee at 15 % would come out
as 189.0025 or 188.99 depending on how the excl-tax price was rounded. Instead:

* ``StockRecord.price`` holds the VAT-inclusive price (what the staff type into the dashboard
  and what the shopper pays);
* the VAT rate comes from the product's class (``food`` 15 %, ``goods`` 25 %, ``gift-card``
  0 %: :data:`example_shop.shop.vat.VAT_RATE_BY_PRODUCT_CLASS`), which is select-related on
  Oscar's product querysets, so it costs no extra queries;
* the pricing policy splits the price with :func:`example_shop.shop.vat.split_vat` and returns
  Oscar's ``TaxInclusiveFixedPrice``, so ``price.incl_tax`` is the shelf price exactly, tax is
  known up front (no ``DeferredTax``), offers work on the VAT-inclusive price, and
  ``price.tax_code`` carries the rate in percent (``"15"``), which Oscar copies to basket and
  order lines.

Oscar finds this class through the forked ``partner`` app (``example_shop/partner/strategy.py``).
"""

from __future__ import annotations

from decimal import Decimal

from oscar.apps.partner import strategy

from .vat import DEFAULT_VAT_RATE, VAT_RATE_BY_PRODUCT_CLASS, split_vat, tax_code


class VatInclusivePrice:
    """Pricing policy mixin for ``Structured``: the stock record price includes VAT."""

    def get_rate(self, product, stockrecord=None) -> Decimal:
        product_class = product.get_product_class()
        slug = product_class.slug if product_class is not None else None
        return VAT_RATE_BY_PRODUCT_CLASS.get(slug, DEFAULT_VAT_RATE)

    def vat_inclusive_price(self, product, stockrecord):
        if not stockrecord or stockrecord.price is None:
            return strategy.UnavailablePrice()
        rate = self.get_rate(product, stockrecord)
        excl_tax, tax = split_vat(stockrecord.price, rate)
        return strategy.TaxInclusiveFixedPrice(
            currency=stockrecord.price_currency,
            excl_tax=excl_tax,
            tax=tax,
            tax_code=tax_code(rate),
        )

    def pricing_policy(self, product, stockrecord):
        return self.vat_inclusive_price(product, stockrecord)

    def parent_pricing_policy(self, product, children_stock):
        # Like Oscar's policies: a parent shows the price of its first child with stock.
        for child, stockrecord in children_stock:
            if stockrecord is not None:
                return self.vat_inclusive_price(child, stockrecord)
        return strategy.UnavailablePrice()


class NorwegianVat(
    strategy.UseFirstStockRecord,
    strategy.StockRequired,
    VatInclusivePrice,
    strategy.Structured,
):
    """First stock record, stock required (where tracked), VAT-inclusive prices."""

    def fetch_for_line(self, line, stockrecord=None):
        """A basket line's price from the stock record it was added with.

        Oscar's basket line passes that stock record (loaded with the line), but
        ``Structured.fetch_for_line`` drops it and selects the product's first stock record
        again: one more query for each line on every request that prices the basket.
        """
        chosen = stockrecord if stockrecord is not None else line.stockrecord
        return self.fetch_for_product(line.product, chosen)


class Selector:
    """Oscar's hook (``partner.strategy.Selector``): every shopper gets :class:`NorwegianVat`."""

    def strategy(self, request=None, user=None, **kwargs):
        return NorwegianVat(request)
