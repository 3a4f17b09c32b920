"""The demo shop's pricing strategy on basket lines: the line's own stock record, read once."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from oscar.core.loading import get_model

from example_shop.shop.strategy import NorwegianVat

Basket = get_model("basket", "Basket")
Product = get_model("catalogue", "Product")

ESPRESSO = "7040110000012"  # 189.00 kr, food (15 % VAT)


@pytest.fixture
def basket(demo_shop):
    """A saved basket with two espressos, read back as a request would read it."""
    basket = Basket.objects.create()
    basket.strategy = NorwegianVat()
    basket.add_product(Product.objects.get(upc=ESPRESSO), quantity=2)
    fresh = Basket.objects.get(pk=basket.pk)
    fresh.strategy = NorwegianVat()
    return fresh


def test_a_line_is_priced_from_its_own_stock_record_without_reading_it_again(basket):
    [line] = list(basket.all_lines())  # the line and its stock record, as Oscar loads them
    line.product.get_product_class()  # the VAT rate's class, read by any price of the product
    with CaptureQueriesContext(connection) as queries:
        price = line.purchase_info.price
    assert [q["sql"] for q in queries.captured_queries] == []
    assert price.incl_tax == Decimal("189.00")
    assert price.excl_tax + price.tax == Decimal("189.00")
    assert line.purchase_info.stockrecord == line.stockrecord
