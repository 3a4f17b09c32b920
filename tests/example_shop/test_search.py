"""The database-backed Haystack engine behind Oscar's catalogue, category and search pages."""

import pytest
from django.urls import reverse
from oscar.apps.search.facets import base_sqs
from oscar.core.loading import get_model

from example_shop.demo_catalogue import DEMO_PRODUCTS

Category = get_model("catalogue", "Category")
Product = get_model("catalogue", "Product")

pytestmark = pytest.mark.django_db


def titles(sqs):
    return [result.object.title for result in sqs]


def test_oscar_base_query_lists_every_browsable_product(demo_shop):
    assert len(base_sqs()) == len(DEMO_PRODUCTS)
    Product.objects.filter(title="Croissant").update(is_public=False)
    assert "Croissant" not in titles(base_sqs())
    assert len(base_sqs()) == len(DEMO_PRODUCTS) - 1


def test_free_text_category_sorting_and_slicing(demo_shop):
    assert titles(base_sqs().auto_query("espresso BEANS")) == ["Espresso beans 500 g"]
    assert titles(base_sqs().auto_query("7040110000203")) == ["Hand grinder"]
    assert len(base_sqs().auto_query("tea")) == 5  # the category's name matches too
    assert titles(base_sqs().auto_query("coffee -decaf -brew")) == [
        "Coffee capsules 20 pack",
        "Espresso beans 500 g",
        "Filter coffee 500 g",
        "Single origin Kenya 250 g",
    ]

    bakery = Category.objects.get(name="Bakery")
    assert len(base_sqs().filter(category__in=[bakery.pk])) == 5

    by_price = base_sqs().order_by("-price")
    assert titles(by_price[:2]) == ["Gift card 1000 kr", "Hand grinder"]
    assert titles(base_sqs().order_by("price")[:1]) == ["Chocolate cookie"]
    assert titles(base_sqs().order_by("title_exact")[:1]) == ["Blueberry muffin"]


def test_pages(client, demo_shop):
    response = client.get(reverse("catalogue:index"), {"page": 2})
    assert response.status_code == 200
    assert len(response.context["products"]) == len(DEMO_PRODUCTS) - 20

    tea = Category.objects.get(name="Tea")
    response = client.get(tea.get_absolute_url())
    assert response.status_code == 200
    assert len(response.context["products"]) == 5

    response = client.get(reverse("search:search"), {"q": "mug"})
    assert response.status_code == 200
    assert [r.object.title for r in response.context["page_obj"]] == ["Ceramic mug"]
