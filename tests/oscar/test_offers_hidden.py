"""The carrier offers are the plugin's machinery: off Oscar's public offer pages and basket
messages, and out of the dashboard's offer wizard (where staff could otherwise pick the plugin's
condition and benefits, or build a second carrier offer by hand)."""

from decimal import Decimal as D
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from oscar.core.loading import get_class, get_classes, get_model

from django_diller.contrib.oscar.carrier import (
    LOYALTY_SLUG,
    SHIPPING_SLUG,
    hide_carrier_offers,
    proxy_paths,
)

from .conftest import EARL_GREY, ESPRESSO, add_to_basket, site_offer

ConditionalOffer = get_model("offer", "ConditionalOffer")
Condition = get_model("offer", "Condition")
Benefit = get_model("offer", "Benefit")
Range = get_model("offer", "Range")
BenefitForm, ConditionForm, MetaDataForm = get_classes(
    "dashboard.offers.forms", ["BenefitForm", "ConditionForm", "MetaDataForm"]
)
BasketMessageGenerator = get_class("basket.utils", "BasketMessageGenerator")
OfferListView = get_class("offer.views", "OfferListView")

pytestmark = pytest.mark.django_db

# One of Oscar's own proxy classes stands for a shop's custom benefit.
SHOP_CUSTOM_BENEFIT = "oscar.apps.offer.benefits.ShippingAbsoluteDiscountBenefit"


@pytest.fixture
def shop_offer(shop):
    return site_offer("Summer sale", 5)


def carriers():
    return ConditionalOffer.objects.filter(slug__in=[LOYALTY_SLUG, SHIPPING_SLUG])


def carrier_rows():
    condition_path, benefit_paths = proxy_paths()
    condition = Condition.objects.get(proxy_class=condition_path)
    benefits = list(Benefit.objects.filter(proxy_class__in=benefit_paths).order_by("pk"))
    return condition, benefits


# Oscar's public offer pages ------------------------------------------------------------------


def test_the_offer_list_shows_the_shops_offers_but_not_the_carrier_offers(client, shop_offer):
    assert carriers().count() == 2  # open site offers, as Oscar's applicator needs them
    page = client.get(reverse("offer:list"))
    assert page.status_code == 200
    assert [o.slug for o in page.context["offers"]] == [shop_offer.slug]
    html = page.content.decode()
    assert "<h2>Coupons and vouchers</h2>" not in html and "Free-shipping coupon" not in html


def test_a_carrier_offer_has_no_public_page(client, shop_offer):
    for slug in (LOYALTY_SLUG, SHIPPING_SLUG):
        assert client.get(reverse("offer:detail", kwargs={"slug": slug})).status_code == 404
    assert client.get(reverse("offer:detail", kwargs={"slug": shop_offer.slug})).status_code == 200


def test_an_offer_built_on_the_plugins_benefit_is_not_listed_either(client, shop):
    condition, (benefit, _shipping) = carrier_rows()
    ConditionalOffer.objects.create(
        name="Made before the wizard refused it", condition=condition, benefit=benefit
    )
    assert list(client.get(reverse("offer:list")).context["offers"]) == []


# The basket's offer messages -----------------------------------------------------------------


def test_the_basket_never_says_it_now_qualifies_for_a_carrier_offer(member_client):
    client = member_client
    add_to_basket(client, EARL_GREY)
    client.get(reverse("diller_oscar:coupons"))  # the snapshot: nothing applies to tea yet
    response = add_to_basket(client, ESPRESSO, 2)
    basket = response.wsgi_request.basket
    assert basket.total_incl_tax < D("457.00")  # the carrier offer now discounts the coffee
    messages = [unescape(str(m)) for m in response.wsgi_request._messages]
    assert any("added to your" in m for m in messages), messages
    assert not any("Diller" in m or "qualifies" in m for m in messages), messages


def test_basket_messages_still_name_the_shops_own_offers(shop_offer):
    loyalty, shipping = carriers().order_by("priority").reverse()
    after = {shop_offer.pk: shop_offer, loyalty.pk: loyalty, shipping.pk: shipping}
    messages = BasketMessageGenerator().get_offer_messages({}, after)
    assert len(messages) == 1 and "Summer sale" in messages[0][1]
    lost = BasketMessageGenerator().get_offer_messages(after, {})
    assert len(lost) == 1 and "Summer sale" in lost[0][1]


# The dashboard's offer wizard ----------------------------------------------------------------


def test_the_wizard_offers_none_of_the_plugins_conditions_and_benefits(shop):
    condition, benefits = carrier_rows()
    condition_form, benefit_form = ConditionForm(), BenefitForm()
    assert list(condition_form.fields["custom_condition"].choices) == []
    assert list(benefit_form.fields["custom_benefit"].choices) == []
    # As in a shop without custom conditions and benefits: the standard fields are required.
    assert all(condition_form.fields[f].required for f in ("type", "range", "value"))
    assert benefit_form.fields["type"].required
    assert condition.pk and len(benefits) == 2


def test_the_shops_own_custom_benefits_stay_choices(shop):
    custom = Benefit.objects.create(proxy_class=SHOP_CUSTOM_BENEFIT, value=10)
    form = BenefitForm()
    assert [value for value, _label in form.fields["custom_benefit"].choices] == ["", custom.pk]
    assert not form.fields["type"].required  # Oscar's behaviour with custom benefits


def test_a_carrier_offers_own_wizard_keeps_its_condition_and_benefit(shop):
    condition, (benefit, _shipping) = carrier_rows()
    benefit_choices = BenefitForm(instance=benefit).fields["custom_benefit"].choices
    assert [value for value, _label in benefit_choices] == ["", benefit.pk]
    condition_choices = ConditionForm(instance=condition).fields["custom_condition"].choices
    assert [value for value, _label in condition_choices] == ["", condition.pk]


def test_a_form_that_picks_a_carrier_benefit_or_condition_is_refused(shop):
    condition, (benefit, _shipping) = carrier_rows()
    benefit_form = BenefitForm(data={"custom_benefit": str(benefit.pk)})
    assert not benefit_form.is_valid() and "custom_benefit" in benefit_form.errors
    condition_form = ConditionForm(data={"custom_condition": str(condition.pk)})
    assert not condition_form.is_valid() and "custom_condition" in condition_form.errors


@pytest.fixture
def staff(client, shop):
    client.force_login(get_user_model().objects.get(email="staff@example.com"))
    return client


def test_staff_cannot_build_a_second_carrier_offer_in_the_wizard(staff):
    condition, (benefit, _shipping) = carrier_rows()
    offers_before = ConditionalOffer.objects.count()
    # The metadata step refuses the carrier's name (offer names are unique) ...
    taken = MetaDataForm(
        data={
            "name": "Coupons and vouchers",
            "description": "",
            "offer_type": ConditionalOffer.SITE,
        }
    )
    assert not taken.is_valid() and "name" in taken.errors
    # ... and with another name, the incentive and condition steps refuse the plugin's rows.
    metadata = staff.post(
        reverse("dashboard:offer-metadata"),
        {"name": "Loyalty copy", "description": "", "offer_type": ConditionalOffer.SITE},
    )
    assert metadata.status_code == 302
    refused = staff.post(reverse("dashboard:offer-benefit"), {"custom_benefit": benefit.pk})
    assert refused.status_code == 200 and refused.context["form"].errors["custom_benefit"]
    page = staff.get(reverse("dashboard:offer-benefit")).content.decode()
    assert "Diller coupons and stamp cards" not in page
    assert "Diller free-shipping coupon" not in page
    # With an ordinary incentive, the condition step refuses the plugin's condition.
    everything = Range.objects.create(name="Everything", includes_all_products=True)
    benefit_step = staff.post(
        reverse("dashboard:offer-benefit"),
        {"range": everything.pk, "type": "Percentage", "value": 5},
    )
    assert benefit_step.status_code == 302
    refused = staff.post(reverse("dashboard:offer-condition"), {"custom_condition": condition.pk})
    assert refused.status_code == 200 and refused.context["form"].errors["custom_condition"]
    assert "Diller loyalty member basket" not in refused.content.decode()
    assert ConditionalOffer.objects.count() == offers_before


def test_the_wizard_still_builds_an_ordinary_offer(staff):
    everything = Range.objects.create(name="Everything", includes_all_products=True)
    steps = [
        ("dashboard:offer-metadata", {"name": "Tea week", "offer_type": ConditionalOffer.SITE}),
        ("dashboard:offer-benefit", {"range": everything.pk, "type": "Percentage", "value": 5}),
        ("dashboard:offer-condition", {"range": everything.pk, "type": "Count", "value": 1}),
        ("dashboard:offer-restrictions", {"priority": 0, "max_basket_applications": ""}),
    ]
    for name, data in steps:
        response = staff.post(reverse(name), data)
        assert response.status_code == 302, (
            name,
            response.context and response.context["form"].errors,
        )
    assert ConditionalOffer.objects.filter(name="Tea week").exists()


def test_hiding_twice_wraps_once(shop):
    before = OfferListView.get_queryset
    hide_carrier_offers()
    assert OfferListView.get_queryset is before
