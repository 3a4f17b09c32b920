"""Staff apply the chain's non-automatic discounts to a basket in the discount admin, and the
basket is priced with them."""

from decimal import Decimal as D

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from django_diller.discountapi.models import DiscountAudit
from django_diller.discountapi.rules import DAYS
from django_diller.models import BasketLoyalty
from tests.oscar import conftest as oscar

from .shop import EARL_GREY, basket_of, chain_discounts, discount, make_employee, priced

pytestmark = pytest.mark.django_db

shop, member = oscar.shop, oscar.member

MANUAL = reverse("admin:diller_discountapi_discount_manual")
PREVIEW = reverse("admin:diller_discountapi_discount_preview")
CHANGELIST = reverse("admin:diller_discountapi_discount_changelist")


@pytest.fixture
def staff(client):
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "x")
    client.force_login(user)
    return client


def applied_on(basket):
    row = BasketLoyalty.objects.get(basket_id=basket.pk)
    return row.providers["discountapi"]


def offered(page):
    return [rule.discount_id for rule in page.context["available"]]


def test_staff_apply_a_manual_discount_and_the_basket_is_priced_with_it(staff, shop, member):
    discount("phone", 2000, automatic=False)
    basket = basket_of(member, {EARL_GREY: 1})
    price = basket.all_lines()[0].unit_price_incl_tax
    assert chain_discounts(basket) == {EARL_GREY: D(0)}  # never by itself

    page = staff.get(MANUAL, {"basket": basket.pk})
    assert page.status_code == 200
    assert offered(page) == ["phone"]

    page = staff.post(MANUAL, {"basket": basket.pk, "discount": "phone", "rate": ""})
    assert page.status_code == 302
    assert page["Location"] == f"{MANUAL}?basket={basket.pk}"
    assert applied_on(basket) == [{"discountId": "phone", "rate": None}]
    row = BasketLoyalty.objects.get(basket_id=basket.pk)
    assert (row.store_id, row.member_id) == ("", "")

    assert chain_discounts(priced(basket)) == {EARL_GREY: (price * D("0.2")).quantize(D("0.01"))}
    page = staff.get(MANUAL, {"username": member.username})
    assert [(r["id"], r["rate"], r["overridden"]) for r in page.context["applied"]] == [
        ("phone", 2000, False)
    ]
    assert [row["ids"] for row in page.context["lines"]] == [("phone",)]
    verdicts = {
        r["rule"].discount_id: str(r["verdict"])
        for r in staff.get(PREVIEW, {"basket": basket.pk}).context["rules"]
    }
    assert verdicts["phone"] == "Yes"


def test_the_rate_changes_only_for_a_discount_with_a_manual_rate(staff, shop, member):
    discount("fixed", 1000, automatic=False)
    discount("free", 1000, automatic=False, manual_rate=True)
    basket = basket_of(member, {EARL_GREY: 1})
    price = basket.all_lines()[0].unit_price_incl_tax

    page = staff.post(MANUAL, {"basket": basket.pk, "discount": "fixed", "rate": "5000"})
    assert page.status_code == 200
    assert page.context["apply_form"].errors["rate"] == [
        "The rate of this discount cannot be changed."
    ]
    assert not BasketLoyalty.objects.filter(basket_id=basket.pk).exists()

    page = staff.post(MANUAL, {"basket": basket.pk, "discount": "free", "rate": "10001"})
    assert "rate" in page.context["apply_form"].errors

    page = staff.post(MANUAL, {"basket": basket.pk, "discount": "free", "rate": "5000"})
    assert page.status_code == 302
    assert applied_on(basket) == [{"discountId": "free", "rate": 5000}]
    assert chain_discounts(priced(basket)) == {EARL_GREY: (price / 2).quantize(D("0.01"))}

    # applied again: the new rate replaces the old one
    staff.post(MANUAL, {"basket": basket.pk, "discount": "free", "rate": "2500"})
    assert applied_on(basket) == [{"discountId": "free", "rate": 2500}]
    assert chain_discounts(priced(basket)) == {EARL_GREY: (price / 4).quantize(D("0.01"))}


def test_only_the_discounts_that_apply_here_and_now_are_offered(staff, shop, member):
    discount("auto", 1000)
    discount("phone", 1000, automatic=False)
    discount("staff", 1000, automatic=False, employee=True)
    discount("store", 1000, automatic=False, stores=["9999"])
    hour = timezone.localtime().hour
    start, end = (hour + 2) % 24, (hour + 3) % 24
    discount(
        "later",
        1000,
        automatic=False,
        valid_from_time=start * 100,
        valid_until_time=end * 100 or 2400,
    )
    other_day = DAYS[(timezone.localdate().weekday() + 1) % 7]
    discount("tomorrow", 1000, automatic=False, days_of_week=[other_day])
    basket = basket_of(member, {EARL_GREY: 1})

    page = staff.get(MANUAL, {"basket": basket.pk})
    assert offered(page) == ["phone"]
    page = staff.post(MANUAL, {"basket": basket.pk, "discount": "store", "rate": ""})
    assert page.status_code == 200
    assert "discount" in page.context["apply_form"].errors
    assert not BasketLoyalty.objects.filter(basket_id=basket.pk).exists()

    make_employee(member)
    assert offered(staff.get(MANUAL, {"basket": basket.pk})) == ["phone", "staff"]


def test_an_applied_discount_that_no_longer_applies_is_not_priced(staff, shop, member):
    phone = discount("phone", 2000, automatic=False)
    basket = basket_of(member, {EARL_GREY: 1})
    staff.post(MANUAL, {"basket": basket.pk, "discount": "phone"})
    assert chain_discounts(priced(basket))[EARL_GREY] > 0

    phone.stores = ["9999"]
    phone.save()
    assert chain_discounts(priced(basket)) == {EARL_GREY: D(0)}
    page = staff.get(MANUAL, {"basket": basket.pk})
    assert [(r["id"], r["applies_now"]) for r in page.context["applied"]] == [("phone", False)]


def test_manual_and_automatic_discounts_combine_by_the_same_rules(staff, shop, member):
    discount("auto", 1000, combinable_with=["phone"])
    discount("phone", 1000, automatic=False, combinable_with=["auto"])
    discount("alone", 3000, automatic=False)
    basket = basket_of(member, {EARL_GREY: 1})
    price = basket.all_lines()[0].unit_price_incl_tax

    staff.post(MANUAL, {"basket": basket.pk, "discount": "phone"})
    both = price - price * D("0.9") * D("0.9")  # 10 % then 10 % of what is left
    assert chain_discounts(priced(basket)) == {EARL_GREY: both.quantize(D("0.01"))}

    staff.post(MANUAL, {"basket": basket.pk, "discount": "alone"})  # 30 % beats 19 %
    assert chain_discounts(priced(basket)) == {EARL_GREY: (price * D("0.3")).quantize(D("0.01"))}


def test_removing_an_applied_discount(staff, shop, member):
    discount("phone", 2000, automatic=False)
    basket = basket_of(member, {EARL_GREY: 1})
    staff.post(MANUAL, {"basket": basket.pk, "discount": "phone"})

    page = staff.post(MANUAL, {"basket": basket.pk, "remove": "phone"})
    assert page.status_code == 302
    assert applied_on(basket) == []
    assert chain_discounts(priced(basket)) == {EARL_GREY: D(0)}


def test_applying_and_removing_are_audited(staff, shop, member):
    discount("free", 1000, automatic=False, manual_rate=True)
    basket = basket_of(member, {EARL_GREY: 1})
    staff.post(MANUAL, {"basket": basket.pk, "discount": "free", "rate": "1500"})
    staff.post(MANUAL, {"basket": basket.pk, "remove": "free"})
    staff.post(MANUAL, {"basket": basket.pk, "remove": "free"})  # not applied: no entry

    entries = DiscountAudit.objects.filter(discount_id="free").order_by("id")
    assert [(e.action, e.actor, e.source) for e in entries] == [
        (f"applied to basket {basket.pk}", "boss", "admin"),
        (f"removed from basket {basket.pk}", "boss", "admin"),
    ]
    assert entries[0].after == {"basket": basket.pk, "discountId": "free", "rate": 1500}
    assert entries[1].before == {"basket": basket.pk, "discountId": "free", "rate": 1500}
    assert entries[1].after is None


def test_the_page_needs_the_change_permission(client, shop, member):
    discount("phone", 2000, automatic=False)
    basket = basket_of(member, {EARL_GREY: 1})
    clerk = get_user_model().objects.create_user("clerk", "clerk@example.com", "x", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_discount"))
    client.force_login(clerk)

    assert client.get(PREVIEW, {"basket": basket.pk}).status_code == 200
    assert client.get(MANUAL, {"basket": basket.pk}).status_code == 403
    page = client.post(MANUAL, {"basket": basket.pk, "discount": "phone"})
    assert page.status_code == 403
    assert not BasketLoyalty.objects.filter(basket_id=basket.pk).exists()
    assert MANUAL not in client.get(CHANGELIST).content.decode()

    clerk.user_permissions.add(Permission.objects.get(codename="change_discount"))
    clerk = get_user_model().objects.get(pk=clerk.pk)  # permissions are cached on the user
    client.force_login(clerk)
    assert MANUAL in client.get(CHANGELIST).content.decode()
    assert client.post(MANUAL, {"basket": basket.pk, "discount": "phone"}).status_code == 302
    assert applied_on(basket) == [{"discountId": "phone", "rate": None}]


def test_the_pages_link_to_each_other_and_without_a_basket(staff, shop, member):
    basket = basket_of(member, {EARL_GREY: 1})
    assert (
        f"{MANUAL}?basket={basket.pk}" in staff.get(PREVIEW, {"basket": basket.pk}).content.decode()
    )
    assert (
        f"{PREVIEW}?basket={basket.pk}" in staff.get(MANUAL, {"basket": basket.pk}).content.decode()
    )
    page = staff.get(MANUAL, {"basket": 999999})
    assert page.context["message"] == "No open basket was found."


def test_a_malformed_entry_is_skipped_and_the_others_still_priced(staff, shop, member):
    discount("phone", 2000, automatic=False)
    basket = basket_of(member, {EARL_GREY: 1})
    staff.post(MANUAL, {"basket": basket.pk, "discount": "phone"})
    row = BasketLoyalty.objects.get(basket_id=basket.pk)
    row.providers = {"discountapi": [{"rate": 5}, "junk", *row.providers["discountapi"]]}
    row.save()
    assert chain_discounts(priced(basket))[EARL_GREY] > 0
