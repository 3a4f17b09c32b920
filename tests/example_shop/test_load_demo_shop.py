"""``manage.py load_demo_shop``: catalogue, VAT-inclusive prices, users, idempotency."""

from decimal import ROUND_HALF_UP, Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sites.models import Site
from django.core.management import call_command
from oscar.core.loading import get_class, get_model

from example_shop.demo_catalogue import DEMO_PRODUCTS
from example_shop.shop.vat import tax_code

Category = get_model("catalogue", "Category")
Country = get_model("address", "Country")
Partner = get_model("partner", "Partner")
Product = get_model("catalogue", "Product")
ProductCategory = get_model("catalogue", "ProductCategory")
ProductClass = get_model("catalogue", "ProductClass")
StockRecord = get_model("partner", "StockRecord")
Selector = get_class("partner.strategy", "Selector")

User = get_user_model()

pytestmark = pytest.mark.django_db

MODELS = (Category, Country, Partner, Product, ProductCategory, ProductClass, StockRecord, User)


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def test_creates_the_catalogue_with_its_upcs(demo_shop):
    assert len(DEMO_PRODUCTS) == 24
    assert set(Product.objects.values_list("upc", flat=True)) == {p.upc for p in DEMO_PRODUCTS}
    for item in DEMO_PRODUCTS:
        product = Product.objects.get(upc=item.upc)
        assert product.title == item.title
        assert product.is_public
        assert [c.name for c in product.categories.all()] == [item.category]
        stockrecord = product.stockrecords.get()
        assert stockrecord.partner.name == "Kaffebrenneriet"
        assert stockrecord.price_currency == "NOK"
        assert stockrecord.num_in_stock >= 100
    assert Category.objects.count() == len({p.category for p in DEMO_PRODUCTS})


def test_incl_tax_prices_equal_the_catalogue(demo_shop):
    strategy = Selector().strategy()
    for item in DEMO_PRODUCTS:
        info = strategy.fetch_for_product(Product.objects.get(upc=item.upc))
        price = info.price
        assert price.currency == "NOK"
        assert price.is_tax_known
        assert price.incl_tax == item.price_incl_tax, item.title
        assert price.excl_tax + price.tax == item.price_incl_tax
        assert price.tax_code == tax_code(item.tax_rate)
        # The VAT-exclusive price is the inclusive one divided by 1 + rate, to the øre.
        expected_excl = (item.price_incl_tax / (1 + item.tax_rate)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        assert price.excl_tax == expected_excl
        assert info.availability.is_available_to_buy


def test_gift_cards_need_no_shipping_and_goods_do(demo_shop):
    gift_card = Product.objects.get(title="Gift card 500 kr")
    assert not gift_card.get_product_class().requires_shipping
    mug = Product.objects.get(title="Ceramic mug")
    assert mug.get_product_class().requires_shipping


def test_creates_the_demo_users(demo_shop):
    staff = User.objects.get(email="staff@example.com")
    assert staff.is_staff and staff.is_superuser
    assert staff.check_password("staff-demo-pass")

    customer = User.objects.get(email="customer@example.com")
    assert (customer.first_name, customer.last_name) == ("Kari", "Nordmann")
    assert not customer.is_staff
    assert customer.check_password("customer-demo-pass")

    other = User.objects.get(email="other@example.com")
    assert other.check_password("other-demo-pass")
    assert not other.is_staff

    for login in (
        "staff@example.com / staff-demo-pass",
        "customer@example.com / customer-demo-pass",
    ):
        assert login in demo_shop


def test_sets_the_site_and_shipping_countries(demo_shop):
    assert Site.objects.get_current().domain == "localhost:8000"
    assert Country.objects.get(iso_3166_1_a2="NO").is_shipping_country


def test_running_twice_duplicates_nothing(demo_shop):
    before = counts()
    call_command("load_demo_shop", "--domain", "shop.example.com", stdout=StringIO())
    assert counts() == before
    assert before["Product"] == 24
    assert before["StockRecord"] == 24
    assert before["User"] == 3
    assert Site.objects.get_current().domain == "shop.example.com"
