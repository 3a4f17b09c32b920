"""A coupon card's markup: the plugin's own kept once rendered, a shop's own rendered each time
with the page's context."""

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import override_settings
from django.test.signals import template_rendered
from django.urls import reverse
from django.utils import timezone, translation

from django_diller.contrib.oscar.card_markup import CARD_TEMPLATE, forget_cards
from django_diller.contrib.oscar.coupon_cards import CouponCard

from .conftest import ESPRESSO, add_to_basket
from .test_coupon_choice import DETAILS, to_payment

pytestmark = pytest.mark.django_db

CARDS = Template(
    "{% load diller_oscar %}{% for coupon in cards %}{% diller_coupon_card coupon %}{% endfor %}"
)


def card(**changes):
    fields = dict(
        code="FIXED50",
        title="50 kr off",
        description="",
        discount_type="Fixed",
        value=D("50"),
        valid_to=datetime(2027, 2, 28, 23, 30, tzinfo=UTC),
        product_coupon=False,
        applies_to=(),
        ticked=True,
        used=True,
        reason="",
        currency="NOK",
    )
    return CouponCard(**{**fields, **changes})


@pytest.fixture
def card_renders():
    """How many times the card template was rendered."""
    forget_cards()
    renders = []

    def seen(sender, template, context, **kwargs):
        if template.name == CARD_TEMPLATE:
            renders.append(context.get("coupon"))

    template_rendered.connect(seen)
    yield renders
    template_rendered.disconnect(seen)


def test_the_plugins_card_is_rendered_once_per_card_language_and_time_zone(card_renders):
    first, other = card(), card(code="PCT10", discount_type="Percentage", value=D("10"))
    html = CARDS.render(Context({"cards": [first, other, first]}))
    assert html.count('id="diller-coupon-fixed50"') == 2 and 'id="diller-coupon-pct10"' in html
    assert "Used on this order" in html and 'value="FIXED50" checked' in html
    assert card_renders == [first, other]
    assert CARDS.render(Context({"cards": [first, other]})) in html  # kept, the same markup
    assert len(card_renders) == 2
    with translation.override("nb"):
        norwegian = CARDS.render(Context({"cards": [first]}))
    assert "Brukes på denne bestillingen" in norwegian and "Gyldig til" in norwegian
    assert "March 1, 2027" in html  # 00:30 in the shop's time zone, Oslo
    with timezone.override("UTC"):
        utc = CARDS.render(Context({"cards": [first]}))
    assert "Feb. 28, 2027" in utc
    assert len(card_renders) == 4


def test_a_change_to_the_card_is_a_card_of_its_own(card_renders):
    ticked, unticked = card(), card(ticked=False, used=False)
    html = CARDS.render(Context({"cards": [ticked, unticked]}))
    assert html.count("checked") == 1 and html.count("Used on this order") == 1
    assert len(card_renders) == 2


@pytest.fixture
def shops_own_card(tmp_path):
    own = tmp_path / CARD_TEMPLATE
    own.parent.mkdir(parents=True)
    own.write_text(
        '<li class="shop-card">{{ coupon.code }} in {{ currency }} on {{ request.path }}</li>'
    )
    engine = settings.TEMPLATES[0]
    templates = [{**engine, "DIRS": [str(tmp_path), *engine.get("DIRS", [])]}]
    with override_settings(TEMPLATES=templates):
        yield


def test_a_shops_own_card_is_rendered_each_time_with_the_pages_context(
    member_client, shops_own_card, card_renders
):
    add_to_basket(member_client, ESPRESSO, 2)
    to_payment(member_client)
    for _visit in range(2):
        html = member_client.get(reverse(DETAILS)).content.decode()
        assert f'<li class="shop-card">PCT20COFFEE in NOK on {reverse(DETAILS)}</li>' in html
        assert "diller-coupon-card" not in html
    cards_a_visit = len(card_renders) // 2
    assert cards_a_visit >= 2 and len(card_renders) == 2 * cards_a_visit
