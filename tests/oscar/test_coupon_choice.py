"""Choosing coupons on the payment details page (``DILLER['COUPON_CHOICE'] = "payment-details"``,
the default): the cards on the page, the ticks carried to the preview by "Continue" in the same
request, and the coupon step as the alternative."""

import logging
from decimal import Decimal as D
from html import unescape
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.http import HttpResponse
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from django_diller.contrib.oscar import checkout as checkout_module
from django_diller.contrib.oscar.coupon_choice import keep_ticks
from django_diller.loyalty.connection import embedded_sandbox
from django_diller.loyalty.wallet import forget_wallet
from django_diller.models import BasketLoyalty
from django_diller.sandbox.seed import SEED_MEMBER_ID

from .conftest import EARL_GREY, ESPRESSO, add_to_basket
from .test_checkout_flow import ADDRESS

pytestmark = pytest.mark.django_db
DETAILS = "checkout:payment-details"
PREVIEW = "checkout:preview"


def to_payment(client):
    client.post(reverse("checkout:shipping-address"), ADDRESS)
    client.post(reverse("checkout:shipping-method"), {"method_code": "standard"})
    return client.get(reverse("checkout:payment-method"))


def continue_with(client, *codes):
    return client.post(reverse(PREVIEW), {"diller_coupon_choice": "1", "use": list(codes)})


class _FormFields(HTMLParser):
    """What a browser posts of one form: its hidden fields and its ticked boxes."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside, self.fields = form_id, False, []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.inside = attributes.get("id") == self.form_id
        elif tag == "input" and self.inside and attributes.get("name"):
            kind = attributes.get("type")
            if kind == "hidden" or (kind == "checkbox" and "checked" in attributes):
                self.fields.append((attributes["name"], attributes.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def the_form_as_posted(page, *, tick=(), untick=()):
    """The payment page's form as its "Continue" posts it, with boxes ticked or unticked."""
    parser = _FormFields("payment-details-form")
    parser.feed(page.content.decode())
    fields = [(n, v) for n, v in parser.fields if not (n == "use" and v in untick)]
    fields += [("use", code) for code in tick]
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return data


def messages_of(response):
    return [str(m) for m in response.wsgi_request._messages]


def test_members_go_from_the_payment_method_to_the_payment_page_with_their_coupons(
    member_client,
):
    add_to_basket(member_client, ESPRESSO, 2)
    assert to_payment(member_client)["Location"] == reverse(DETAILS)
    page = member_client.get(reverse(DETAILS))
    html = unescape(page.content.decode())
    assert page.status_code == 200
    assert 'id="diller-coupon-choice"' in html
    assert "20 % off coffee" in html and 'value="PCT20COFFEE" checked' in html  # pre-applied
    assert "10 % off your purchase" in html and 'value="PCT10" checked' not in html
    assert "Every 10th coffee free" in html and "of 10 stamps" in html
    # The page's totals already count the product coupon and the stamp card's free espresso.
    assert page.context["order_total"].incl_tax == D("151.20") + D("49.00")


def test_continue_keeps_the_ticks_and_shows_the_preview_in_the_same_request(member_client):
    add_to_basket(member_client, EARL_GREY)
    to_payment(member_client)
    member_client.get(reverse(DETAILS))
    response = continue_with(member_client, "PCT10")
    assert response.status_code == 200
    assert "oscar/checkout/preview.html" in [t.name for t in response.templates]
    assert response.context["order_total"].incl_tax == D("71.10") + D("49.00")  # 79.00 less 10 %
    assert BasketLoyalty.objects.get().chosen_codes == ["PCT10"]


def test_unticking_a_product_coupon_declines_it(member_client):
    add_to_basket(member_client, ESPRESSO, 2)
    to_payment(member_client)
    member_client.get(reverse(DETAILS))
    response = continue_with(member_client)  # nothing ticked
    assert "PCT20COFFEE" in BasketLoyalty.objects.get().declined_codes
    # 378.00 less the stamp card's free espresso only.
    assert response.context["order_total"].incl_tax == D("189.00") + D("49.00")


def test_codes_that_are_not_the_members_are_ignored(member_client):
    add_to_basket(member_client, EARL_GREY)
    to_payment(member_client)
    member_client.get(reverse(DETAILS))
    continue_with(member_client, "SOMEONE-ELSES", "PCT10")
    assert BasketLoyalty.objects.get().chosen_codes == ["PCT10"]


def test_a_newly_ticked_coupon_that_gives_nothing_comes_back_once_with_the_reason(member_client):
    add_to_basket(member_client, EARL_GREY)
    to_payment(member_client)
    member_client.get(reverse(DETAILS))
    response = continue_with(member_client, "PCT10", "FIXED50")
    assert response.status_code == 302 and response["Location"] == reverse(DETAILS)
    assert messages_of(response) == [
        "“10 % off your purchase” gives nothing on this order: the reason is shown with the "
        "coupon. Untick it, or continue as it is."
    ]
    page = unescape(member_client.get(reverse(DETAILS)).content.decode())
    card = page[page.index('id="diller-coupon-pct10"') :]
    assert "diller-coupon-reason" in card[: card.index("</li>")]
    # The same choice again goes on to the preview: the shopper has been told.
    again = continue_with(member_client, "PCT10", "FIXED50")
    assert again.status_code == 200
    assert "oscar/checkout/preview.html" in [t.name for t in again.templates]


def test_an_unchanged_wallet_is_neither_written_again_nor_priced_twice(member_client):
    add_to_basket(member_client, ESPRESSO, 2)
    to_payment(member_client)
    member_client.get(reverse(DETAILS))  # the first visit keeps the wallet on the basket
    with CaptureQueriesContext(connection) as queries:
        page = member_client.get(reverse(DETAILS))
    writes = [q["sql"] for q in queries if "diller_basketloyalty" in q["sql"]]
    assert not [sql for sql in writes if sql.startswith(("UPDATE", "INSERT"))]
    assert page.context["order_total"].incl_tax == D("151.20") + D("49.00")


def test_diller_down_leaves_the_payment_page_working_and_says_so(member_client):
    add_to_basket(member_client, EARL_GREY)
    to_payment(member_client)
    with embedded_sandbox().inject(error_rate=1.0):
        page = member_client.get(reverse(DETAILS))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="diller-coupons-unavailable"' in html and "can't be fetched right now" in html
    assert "diller-coupons-still-applied" not in html  # nothing was chosen before
    assert continue_with(member_client).status_code == 200  # on to the preview


# Earl Grey (79.00) with the 10 % coupon, and shipping (49.00).
WITH_PCT10 = D("71.10") + D("49.00")


def test_continue_says_which_coupons_the_page_showed(member_client):
    add_to_basket(member_client, ESPRESSO, 2)
    to_payment(member_client)
    page = member_client.get(reverse(DETAILS))
    posted = the_form_as_posted(page)
    shown = {c.code for c in page.context["diller_coupon_choice"].product_coupons}
    shown |= {c.code for c in page.context["diller_coupon_choice"].purchase_coupons}
    assert set(posted["diller_shown"]) == shown | {""} and {"PCT20COFFEE", "PCT10"} <= shown
    assert "PCT20COFFEE" in posted["use"] and "PCT10" not in posted["use"]


def test_a_payment_page_that_could_not_show_the_coupons_keeps_their_ticks(member_client):
    add_to_basket(member_client, ESPRESSO, 2)
    to_payment(member_client)
    page = member_client.get(reverse(DETAILS))
    chosen = the_form_as_posted(page, tick=["PCT10"], untick=["PCT20COFFEE"])
    member_client.post(reverse(PREVIEW), chosen)
    snapshot = BasketLoyalty.objects.get()
    assert snapshot.chosen_codes == ["PCT10"] and snapshot.declined_codes == ["PCT20COFFEE"]
    forget_wallet(SEED_MEMBER_ID)
    with embedded_sandbox().inject(error_rate=1.0):
        page = member_client.get(reverse(DETAILS))
    html = page.content.decode()
    assert 'id="diller-coupons-unavailable"' in html
    # The page says that the coupon chosen earlier still applies, and names only that one.
    assert (
        '<span id="diller-coupons-still-applied">The coupons you chose earlier still apply: '
        "10 % off your purchase.</span>"
    ) in html
    preview = member_client.post(reverse(PREVIEW), the_form_as_posted(page))
    snapshot = BasketLoyalty.objects.get()
    assert snapshot.chosen_codes == ["PCT10"] and snapshot.declined_codes == ["PCT20COFFEE"]
    # 378.00 less the free espresso, less 10 % (the coffee coupon stays unticked), + 49.00
    assert preview.context["order_total"].incl_tax == D("170.10") + D("49.00")


def test_only_the_coupons_a_form_showed_take_its_ticks(member, make_basket):
    basket = make_basket({ESPRESSO: 2}, chosen=["PCT10", "GONE"], declined=["PCT20COFFEE"])
    snapshot = BasketLoyalty.objects.get(basket_id=basket.id)
    # A form that showed the product coupon ticked and the 50 kr coupon ticked, not the 10 %:
    # the 10 % stays chosen, a code no longer in the wallet goes.
    changed, newly = keep_ticks(
        snapshot, picked={"PCT20COFFEE", "FIXED50"}, shown={"PCT20COFFEE", "FIXED50"}
    )
    assert changed and newly == {"PCT20COFFEE", "FIXED50"}
    assert snapshot.chosen_codes == ["FIXED50", "PCT10"] and snapshot.declined_codes == []
    # Unticked where it was shown: declined; the purchase coupons it did not show keep theirs.
    changed, newly = keep_ticks(snapshot, picked=set(), shown={"PCT20COFFEE"})
    assert changed and not newly
    assert snapshot.chosen_codes == ["FIXED50", "PCT10"]
    assert snapshot.declined_codes == ["PCT20COFFEE"]
    # A form that does not say what it showed: every coupon of the snapshot takes its ticks.
    keep_ticks(snapshot, picked={"PCT20COFFEE"})
    assert snapshot.chosen_codes == [] and "PCT20COFFEE" not in snapshot.declined_codes


def test_a_payment_form_without_the_cards_changes_no_tick(member_client):
    """The example shop's form posts the choice's marker (and an empty ``diller_shown``) for
    everyone: a page rendered without the cards takes no ticks when it is sent."""
    add_to_basket(member_client, ESPRESSO, 2)
    to_payment(member_client)
    page = member_client.get(reverse(DETAILS))
    member_client.post(reverse(PREVIEW), the_form_as_posted(page, tick=["PCT10"]))
    member_client.post(reverse(PREVIEW), {"diller_coupon_choice": "1", "diller_shown": ""})
    snapshot = BasketLoyalty.objects.get()
    assert snapshot.chosen_codes == ["PCT10"] and snapshot.declined_codes == []


@override_settings(DILLER={**settings.DILLER, "COUPON_CHOICE": "step"})
def test_with_the_step_the_payment_form_keeps_what_the_step_chose(member_client):
    add_to_basket(member_client, EARL_GREY)
    step = to_payment(member_client)["Location"]
    member_client.get(step)
    assert member_client.post(step, {"use": ["PCT10"]}).status_code == 302
    page = member_client.get(reverse(DETAILS))
    # The example shop's form posts the choice's marker for every shopper; here it chooses
    # nothing: the step did.
    assert 'name="diller_coupon_choice"' in page.content.decode()
    preview = member_client.post(reverse(PREVIEW), the_form_as_posted(page))
    assert BasketLoyalty.objects.get().chosen_codes == ["PCT10"]
    assert preview.context["order_total"].incl_tax == WITH_PCT10


def test_shoppers_who_are_not_members_see_no_choice_and_go_on(client, shop):
    client.force_login(get_user_model().objects.get(email="customer@example.com"))
    add_to_basket(client, EARL_GREY)
    to_payment(client)
    page = client.get(reverse(DETAILS))
    assert page.status_code == 200 and 'id="diller-coupon-choice"' not in page.content.decode()
    response = continue_with(client, "PCT10")
    assert response.status_code == 200 and not BasketLoyalty.objects.exists()


@override_settings(DILLER={**settings.DILLER, "COUPON_CHOICE": "step"})
def test_with_the_step_members_choose_on_a_page_of_its_own(member_client):
    add_to_basket(member_client, EARL_GREY)
    response = to_payment(member_client)
    assert response["Location"].startswith(reverse("diller_oscar:coupons"))
    page = member_client.get(reverse(DETAILS))
    assert 'id="diller-coupon-choice"' not in page.content.decode()


def test_a_payment_page_without_the_choice_is_reported_once(caplog, monkeypatch):
    monkeypatch.setattr(checkout_module, "_warned_without_choice", False)
    with caplog.at_level(logging.WARNING, logger="django_diller.oscar"):
        checkout_module._warn_without_choice(HttpResponse(b"<form>no coupons here</form>"))
        checkout_module._warn_without_choice(HttpResponse(b"<form>still none</form>"))
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "_coupon_choice.html" in warnings[0]


def test_a_payment_page_with_the_choice_is_not_reported(caplog, monkeypatch):
    monkeypatch.setattr(checkout_module, "_warned_without_choice", False)
    with caplog.at_level(logging.WARNING, logger="django_diller.oscar"):
        checkout_module._warn_without_choice(HttpResponse(b'<div id="diller-coupon-choice">'))
    assert not caplog.records


def test_the_payment_page_reads_each_loyalty_setting_from_the_cache_once(
    member_client, monkeypatch
):
    """With Redis every cache read is a round trip: the set-up, the staff's marks and Diller's
    non-eligible list are each read once per page, however often pricing asks."""
    from django.core.cache import caches

    from django_diller.contrib.oscar.non_eligible import MARKS_CACHE_KEY
    from django_diller.loyalty.non_eligible import _cache_key
    from django_diller.models import STORE_CONFIGURATION_CACHE_KEY
    from django_diller.sandbox.seed import SEED_STORE_ID

    add_to_basket(member_client, ESPRESSO, 2)
    to_payment(member_client)
    backend = type(caches["default"])
    real_get, reads = backend.get, []
    monkeypatch.setattr(
        backend, "get", lambda self, key, *a, **k: reads.append(key) or real_get(self, key, *a, **k)
    )
    assert member_client.get(reverse(DETAILS)).status_code == 200
    settings_read = [STORE_CONFIGURATION_CACHE_KEY, MARKS_CACHE_KEY, _cache_key(SEED_STORE_ID)]
    assert [reads.count(key) for key in settings_read] == [1, 1, 1]
