"""Oscar baskets of the demo shop, priced with the chain's discount rules."""

from decimal import Decimal as D

from django.contrib.auth.models import Group
from oscar.core.loading import get_class, get_model

from django_diller.discountapi.models import Discount

Applicator = get_class("offer.applicator", "Applicator")
Selector = get_class("partner.strategy", "Selector")
Basket = get_model("basket", "Basket")
Product = get_model("catalogue", "Product")

ESPRESSO, EARL_GREY, MUG, BUN = "7040110000012", "7040110000074", "7040110000173", "7040110000128"


def discount(discount_id="d1", rate=1000, **fields):
    """An automatic 10 % discount for everyone, everywhere, always (unless ``fields`` say)."""
    values = {"name": f"Discount {discount_id}", "type": "RELATIVE", "automatic": True}
    return Discount.objects.create(discount_id=discount_id, rate=rate, **{**values, **fields})


def basket_of(user, items):
    basket = Basket.objects.create(owner=user)
    basket.strategy = Selector().strategy(user=user)
    for upc, quantity in items.items():
        basket.add_product(Product.objects.get(upc=upc), quantity)
    return priced(basket)


def priced(basket):
    basket.reset_offer_applications()
    Applicator().apply(basket, basket.owner)
    return basket


def chain_discounts(basket):
    """upc -> what the discount-rules offer took off the line."""
    return {
        line.product.upc: sum(
            (d.amount for d in line.discounts.all() if d.offer.slug == "discount-rules"), D(0)
        )
        for line in basket.all_lines()
    }


def make_employee(user):
    user.groups.add(Group.objects.get_or_create(name="Employees")[0])
