"""Full checkouts through the example shop's pages with Django's test client."""

from decimal import Decimal

import pytest
from django.urls import reverse
from oscar.core.loading import get_model

from example_shop.checkout.views import SETTLED
from example_shop.demo_customers import DEMO_SHIPPING_ADDRESS

Order = get_model("order", "Order")
PaymentEvent = get_model("order", "PaymentEvent")
Product = get_model("catalogue", "Product")
Source = get_model("payment", "Source")
Transaction = get_model("payment", "Transaction")

pytestmark = pytest.mark.django_db

ADDRESS = DEMO_SHIPPING_ADDRESS


def add_to_basket(client, title, quantity=1):
    product = Product.objects.get(title=title)
    response = client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": quantity})
    assert response.status_code == 302, response.content


def go_through_checkout(client, method_code=None):
    """Shipping address -> shipping method -> payment -> preview -> place order.

    Without ``method_code`` the basket needs no shipping: Oscar skips both shipping steps.
    """
    if method_code is not None:
        response = client.get(reverse("checkout:shipping-address"))
        assert response.status_code == 200
        response = client.post(reverse("checkout:shipping-address"), ADDRESS)
        assert response.status_code == 302, response.content
        assert response["Location"] == reverse("checkout:shipping-method")
        response = client.get(reverse("checkout:shipping-method"))
        assert response.status_code == 200  # two methods: the shopper chooses
        assert b"Standard delivery" in response.content
        response = client.post(reverse("checkout:shipping-method"), {"method_code": method_code})
        assert response.status_code == 302, response.content

    # Oscar sends the shopper on to the payment method step, which redirects to the payment
    # details; a basket without shipping skips from the shipping address step straight there.
    step = "checkout:payment-method" if method_code is not None else "checkout:shipping-address"
    response = client.get(reverse(step), follow=True)
    assert response.redirect_chain[-1][0] == reverse("checkout:payment-details")
    assert response.status_code == 200
    assert b"Demo payment: no card is charged" in response.content

    response = client.post(reverse("checkout:preview"))
    assert response.status_code == 200
    assert b"Place order" in response.content

    response = client.post(reverse("checkout:preview"), {"action": "place_order"})
    assert response.status_code == 302, response.content
    assert response["Location"] == reverse("checkout:thank-you")
    response = client.get(reverse("checkout:thank-you"))
    assert response.status_code == 200
    return Order.objects.get()


def assert_settled(order, total):
    assert order.currency == "NOK"
    assert order.total_incl_tax == total
    event = PaymentEvent.objects.get(order=order)
    assert event.event_type.name == SETTLED
    assert event.amount == total
    source = Source.objects.get(order=order)
    assert source.source_type.name == "Demo card"
    assert source.reference == f"DEMO-{order.number}"
    assert source.amount_allocated == source.amount_debited == total
    txn = Transaction.objects.get(source=source)
    assert (txn.txn_type, txn.amount) == (Transaction.DEBIT, total)


def test_customer_checkout(client, demo_shop):
    assert client.login(username="customer@example.com", password="customer-demo-pass")
    add_to_basket(client, "Espresso beans 500 g", quantity=2)
    add_to_basket(client, "Ceramic mug")

    response = client.get(reverse("checkout:index"))
    assert response["Location"] == reverse("checkout:shipping-address")
    order = go_through_checkout(client, method_code="standard")

    # 2 x 189 + 149 + 49 kr standard delivery.
    assert_settled(order, Decimal("576.00"))
    assert order.user.email == "customer@example.com"
    assert order.shipping_code == "standard"
    assert order.shipping_incl_tax == Decimal("49.00")
    assert order.shipping_excl_tax == Decimal("39.20")
    assert order.shipping_address.postcode == "0154"
    lines = {line.upc: line for line in order.lines.all()}
    espresso = lines["7040110000012"]
    assert espresso.quantity == 2
    assert espresso.line_price_incl_tax == Decimal("378.00")
    assert espresso.tax_code == "15"
    assert lines["7040110000173"].tax_code == "25"
    assert order.status == "Pending"


def test_guest_checkout(client, demo_shop):
    add_to_basket(client, "Croissant", quantity=3)

    response = client.get(reverse("checkout:index"))
    assert response.status_code == 200
    response = client.post(
        reverse("checkout:index"), {"username": "guest@example.com", "options": "anonymous"}
    )
    assert response.status_code == 302, response.content
    order = go_through_checkout(client, method_code="free-shipping")

    assert_settled(order, Decimal("117.00"))
    assert order.user is None
    assert order.guest_email == "guest@example.com"
    assert order.shipping_incl_tax == Decimal("0.00")


def test_gift_card_checkout_skips_shipping(client, demo_shop):
    assert client.login(username="other@example.com", password="other-demo-pass")
    add_to_basket(client, "Gift card 1000 kr")

    order = go_through_checkout(client)

    assert_settled(order, Decimal("1000.00"))
    assert order.shipping_address is None
    assert order.total_tax == Decimal("0.00")


def test_pages_render(client, demo_shop):
    response = client.get("/")
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 200
    assert b"Kaffebrenneriet Demo" in response.content
    assert b"Espresso beans 500 g" in response.content
    assert b'href="/loyalty/"' in response.content

    product = Product.objects.get(title="Hand grinder")
    response = client.get(product.get_absolute_url())
    assert response.status_code == 200
    assert b"899.00" in response.content

    add_to_basket(client, "Hand grinder")
    response = client.get(reverse("basket:summary"))
    assert response.status_code == 200
    assert b"Hand grinder" in response.content
    assert b"899.00" in response.content
