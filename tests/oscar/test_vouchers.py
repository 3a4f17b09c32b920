"""Coupontools vouchers in the shop's checkout: entered in the basket by guests and members,
refused with a plain reason, discounted by the engine beside Diller's coupons, claimed for one
order, locked with it, validated with the money spent when payment is taken, and unlocked when
the order is cancelled or abandoned."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model

from django_diller.contrib.oscar import vouchers
from django_diller.coupontools.connection import embedded_sandbox
from django_diller.coupontools.kinds import Kind
from django_diller.coupontools.models import VoucherRule
from django_diller.coupontools.sandbox import (
    SEED_VOUCHER_AMOUNT,
    SEED_VOUCHER_CUSTOM,
    SEED_VOUCHER_EXPIRED,
    SEED_VOUCHER_LOCKED,
    SEED_VOUCHER_PERCENT,
    SEED_VOUCHER_VALIDATED,
    SEED_VOUCHER_VOIDED,
)
from django_diller.models import BasketLoyalty, CouponClaim
from django_diller.outbox import engine as outbox
from django_diller.outbox.models import OutboxEntry

from .conftest import EARL_GREY, ESPRESSO
from .test_guest_checkout import checkout_as_guest

Order = get_model("order", "Order")
Product = get_model("catalogue", "Product")
pytestmark = pytest.mark.django_db

STANDARD_SHIPPING = D("49.00")


def session(voucher) -> str:
    return getattr(voucher, "session", voucher)


def enter(client, voucher, next_url="/basket/"):
    return client.post(
        reverse("diller_oscar:voucher-add"), {"voucher": session(voucher), "next": next_url}
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def last_message(response) -> str:
    """What the shopper is told last (Oscar's basket messages come before)."""
    return messages_of(response)[-1]


def basket_total(client) -> D:
    return client.get(reverse("basket:summary")).context["basket"].total_incl_tax


def place_order(client, capture):
    assert client.post(reverse("checkout:preview")).status_code == 200
    with capture(execute=True):
        return client.post(reverse("checkout:preview"), {"action": "place_order"})


def add(client, upc):
    product = Product.objects.get(upc=upc)
    client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": 1})


def voucher_state(voucher):
    return embedded_sandbox().session(session(voucher))


@pytest.fixture
def guest(client, shop):
    return checkout_as_guest(client)


# Entering a voucher -----------------------------------------------------------------------


def test_a_guest_enters_an_amount_voucher_and_the_basket_takes_it_off(guest):
    response = enter(guest, SEED_VOUCHER_AMOUNT)
    assert last_message(response) == "Your voucher was added."
    assert basket_total(guest) == D("189.00") - D("50")
    html = guest.get(reverse("basket:summary")).content.decode()
    assert 'id="diller-voucher-list"' in html and "NOK50.00 off this order" in html
    (row,) = BasketLoyalty.objects.all()
    assert row.member_id == "" and D(row.providers["coupontools"][0]["value"]) == D("50")


def test_a_pasted_link_with_spaces_works_too(guest):
    enter(guest, f"  https://digicpn.com/p/demo/{session(SEED_VOUCHER_PERCENT)} ")
    assert basket_total(guest) == D("170.10")  # 189.00 less 10 %


def test_the_voucher_can_be_taken_off_again(guest):
    enter(guest, SEED_VOUCHER_AMOUNT)
    guest.post(
        reverse("diller_oscar:voucher-remove"),
        {"session": session(SEED_VOUCHER_AMOUNT), "next": "/basket/"},
    )
    assert basket_total(guest) == D("189.00")


@pytest.mark.parametrize(
    ("voucher", "said"),
    [
        (SEED_VOUCHER_VALIDATED, "This voucher was already used on"),
        (SEED_VOUCHER_LOCKED, "This voucher is being used in another checkout right now."),
        (SEED_VOUCHER_VOIDED, "This voucher is no longer valid."),
        (SEED_VOUCHER_EXPIRED, "This voucher has expired."),
        ("nosuchvoucher42", "We could not find this voucher."),
        ("not a code!", "That is not a voucher code."),
        # No readable value (it is in a custom field the shop has not named): never a zero.
        (SEED_VOUCHER_CUSTOM, "This voucher can't be used in the web shop."),
    ],
)
def test_a_voucher_that_cannot_be_used_is_refused_with_the_reason(guest, voucher, said):
    response = enter(guest, voucher)
    assert last_message(response).startswith(said)
    assert basket_total(guest) == D("189.00")


def voucher_box(html: str) -> str:
    start = html.index('id="diller-voucher-code"')
    return html[html.rindex("<input", 0, start) : html.index(">", start) + 1]


def test_a_refused_entry_stays_in_the_box_once_so_that_a_typo_can_be_fixed(guest):
    enter(guest, "demo50kr7hq2x<k")  # a typo in the code
    box = voucher_box(guest.get(reverse("basket:summary")).content.decode())
    assert 'value="demo50kr7hq2x&lt;k"' in box and 'aria-invalid="true"' in box
    box = voucher_box(guest.get(reverse("basket:summary")).content.decode())
    assert "value=" not in box  # once: the next page starts empty
    enter(guest, "x" * 5000)  # a pasted page is not kept
    assert "value=" not in voucher_box(guest.get(reverse("basket:summary")).content.decode())


def test_a_value_in_a_custom_field_is_read_when_the_shop_names_it(guest, settings):
    with override_settings(COUPONTOOLS={**settings.COUPONTOOLS, "VALUE_FIELD": "custom1"}):
        enter(guest, SEED_VOUCHER_CUSTOM)
        assert basket_total(guest) == D("189.00") - D("75.00")


def test_a_campaign_rule_set_by_staff_wins_and_may_name_products(guest):
    campaign = voucher_state(SEED_VOUCHER_AMOUNT).campaign
    VoucherRule.objects.create(
        campaign=campaign.code if hasattr(campaign, "code") else str(campaign),
        title="Tea voucher",
        kind="percentage",
        value=D("20"),
        product_upcs=EARL_GREY,
    )
    add(guest, EARL_GREY)
    enter(guest, SEED_VOUCHER_AMOUNT)
    # 189.00 of espresso untouched, 20 % off the 79.00 tea.
    assert basket_total(guest) == D("189.00") + D("79.00") - D("15.80")


def test_coupontools_down_refuses_plainly_and_the_basket_goes_on(guest):
    with embedded_sandbox().inject(error_rate=1.0):
        response = enter(guest, SEED_VOUCHER_AMOUNT)
    assert last_message(response) == "Vouchers can't be checked right now. Please try later."
    assert basket_total(guest) == D("189.00")


# With Diller's coupons ----------------------------------------------------------------------


def test_no_percentage_coupon_on_items_a_voucher_already_discounted(member_client, shop):
    add(member_client, EARL_GREY)
    enter(member_client, SEED_VOUCHER_AMOUNT)
    member_client.post(reverse("checkout:shipping-address"), checkout_address())
    member_client.post(reverse("checkout:shipping-method"), {"method_code": "standard"})
    member_client.get(reverse("checkout:payment-details"))
    choose = {"diller_coupon_choice": "1", "use": ["PCT10"]}
    back = member_client.post(reverse("checkout:preview"), choose)
    # The 79.00 tea: 50 off by the voucher; the 10 % coupon finds no unit left to take, and
    # the shopper is told so beside it.
    assert back["Location"] == reverse("checkout:payment-details")
    assert "“10 % off your purchase” gives nothing on this order" in last_message(back)
    preview = member_client.post(reverse("checkout:preview"), choose)
    assert preview.context["order_total"].incl_tax == D("29.00") + STANDARD_SHIPPING
    assert "Voucher" in preview.content.decode()


def checkout_address():
    from example_shop.demo_customers import DEMO_SHIPPING_ADDRESS

    return DEMO_SHIPPING_ADDRESS


# Placing, paying, cancelling ----------------------------------------------------------------


def test_the_order_locks_the_voucher_and_payment_validates_it_with_the_money_spent(
    guest, django_capture_on_commit_callbacks
):
    enter(guest, SEED_VOUCHER_AMOUNT)
    response = place_order(guest, django_capture_on_commit_callbacks)
    assert response["Location"] == reverse("checkout:thank-you")
    order = Order.objects.get()
    assert order.total_incl_tax == D("139.00") + STANDARD_SHIPPING
    kinds = set(OutboxEntry.objects.values_list("kind", flat=True))
    assert {Kind.LOCK, Kind.VALIDATE} <= kinds
    state = voucher_state(SEED_VOUCHER_AMOUNT)
    assert state.validated and state.money_spent == D("188.000")


def test_a_second_checkout_with_the_same_voucher_is_refused_at_place_order(
    client, shop, django_capture_on_commit_callbacks
):
    from django.test import Client

    first, second = checkout_as_guest(Client()), checkout_as_guest(Client())
    enter(first, SEED_VOUCHER_AMOUNT)
    enter(second, SEED_VOUCHER_AMOUNT)  # both looked it up while it was free
    assert place_order(first, django_capture_on_commit_callbacks)["Location"] == reverse(
        "checkout:thank-you"
    )
    response = place_order(second, django_capture_on_commit_callbacks)
    # Asked again just before the order: Coupontools has it validated by the first order.
    assert response["Location"] == reverse("checkout:preview")
    said = messages_of(response)
    assert said[-2].startswith("This voucher was already used on")
    assert said[-1] == "Nothing was charged. The new total is NOK238.00."  # 189.00 + shipping
    assert Order.objects.count() == 1


def test_a_voucher_used_at_a_till_after_it_was_entered_is_taken_off_before_the_order(
    guest, django_capture_on_commit_callbacks
):
    enter(guest, SEED_VOUCHER_PERCENT)
    till = embedded_sandbox()
    till.session(SEED_VOUCHER_PERCENT).validated = timezone.now()
    response = place_order(guest, django_capture_on_commit_callbacks)
    assert response["Location"] == reverse("checkout:preview")
    assert messages_of(response)[-2].startswith("This voucher was already used on")
    assert not Order.objects.exists()


def test_coupontools_down_at_place_order_takes_the_voucher_off_and_says_so(
    guest, django_capture_on_commit_callbacks
):
    enter(guest, SEED_VOUCHER_AMOUNT)
    assert guest.post(reverse("checkout:preview")).status_code == 200
    with embedded_sandbox().inject(error_rate=1.0):
        response = guest.post(reverse("checkout:preview"), {"action": "place_order"})
    assert response["Location"] == reverse("checkout:preview")
    assert "Vouchers can't be checked right now. Please try later." in messages_of(response)
    assert basket_total(guest) == D("189.00")


def test_cancelling_an_unpaid_order_unlocks_the_voucher_and_frees_it(
    guest, django_capture_on_commit_callbacks, settings
):
    enter(guest, SEED_VOUCHER_AMOUNT)
    with override_settings(DILLER={**settings.DILLER, "SEND_ON_PAYMENT_EVENTS": []}):
        place_order(guest, django_capture_on_commit_callbacks)
        order = Order.objects.get()
        assert voucher_state(SEED_VOUCHER_AMOUNT).locked
        with django_capture_on_commit_callbacks(execute=True):
            order.set_status("Cancelled")
    state = voucher_state(SEED_VOUCHER_AMOUNT)
    assert not state.locked and not state.validated
    assert not CouponClaim.objects.filter(code=session(SEED_VOUCHER_AMOUNT)).exists()


def test_an_abandoned_checkout_s_voucher_is_unlocked_by_the_sweep(
    guest, django_capture_on_commit_callbacks, settings
):
    enter(guest, SEED_VOUCHER_AMOUNT)
    with override_settings(DILLER={**settings.DILLER, "SEND_ON_PAYMENT_EVENTS": []}):
        place_order(guest, django_capture_on_commit_callbacks)
    order = Order.objects.get()
    order.payment_events.all().delete()  # the gateway never came back: no payment at all
    order.sources.all().delete()
    OutboxEntry.objects.filter(kind=Kind.LOCK).update(
        created_at=timezone.now() - timedelta(minutes=31)
    )
    assert vouchers.release_abandoned(30) == 1
    outbox.drain()
    assert not voucher_state(SEED_VOUCHER_AMOUNT).locked
    assert vouchers.release_abandoned(30) == 0  # once


def test_a_paid_order_keeps_its_voucher_locked_until_its_payment_event_comes(
    guest, django_capture_on_commit_callbacks, settings
):
    """The card was authorised when the order was placed; the shop records "Settled" (which
    validates) only when it ships, days later."""
    enter(guest, SEED_VOUCHER_AMOUNT)
    with override_settings(DILLER={**settings.DILLER, "SEND_ON_PAYMENT_EVENTS": []}):
        place_order(guest, django_capture_on_commit_callbacks)
    Order.objects.get().payment_events.all().delete()  # only the card's source says it is paid
    OutboxEntry.objects.filter(kind=Kind.LOCK).update(
        created_at=timezone.now() - timedelta(minutes=31)
    )
    assert vouchers.release_abandoned(30) == 0
    assert voucher_state(SEED_VOUCHER_AMOUNT).locked


def test_a_lock_whose_answer_was_lost_is_taken_as_done(guest, django_capture_on_commit_callbacks):
    enter(guest, SEED_VOUCHER_AMOUNT)
    with embedded_sandbox().inject(timeout_rate=1.0, only_operations={"couponsession_update"}):
        place_order(guest, django_capture_on_commit_callbacks)
    outbox.drain()  # the retry: the lock was done, Coupontools refuses a second one
    lock = OutboxEntry.objects.get(kind=Kind.LOCK)
    OutboxEntry.objects.exclude(state__in=outbox.FINAL).update(next_attempt_at=timezone.now())
    outbox.drain()
    lock.refresh_from_db()
    assert lock.state == OutboxEntry.State.SENT


def test_the_vouchers_outbox_entries_never_show_the_id_that_redeems_it(
    guest, admin_client, django_capture_on_commit_callbacks
):
    """Whoever has a voucher's whole session id can redeem it: the ids of its outbox entries,
    which staff read in the outbox and on the order's page and logs print, name it by a key."""
    from django_diller.coupontools.queueing import voucher_key

    voucher = SEED_VOUCHER_AMOUNT
    enter(guest, voucher)
    place_order(guest, django_capture_on_commit_callbacks)
    order = Order.objects.get()
    lock, validate = (OutboxEntry.objects.get(kind=kind) for kind in (Kind.LOCK, Kind.VALIDATE))
    assert voucher_key(voucher).startswith(f"{voucher[:4]}-")
    assert lock.external_id == f"{order.number}:{voucher_key(voucher)}:lock"
    assert validate.external_id == f"{order.number}:{voucher_key(voucher)}:validate"
    assert validate.depends_on_id == lock.pk and lock.payload == {"session": voucher}
    assert voucher not in str(lock) and voucher not in str(validate)
    pages = [
        reverse("admin:diller_outboxentry_change", args=[validate.pk]),
        reverse("admin:diller_outboxentry_changelist"),
        reverse("dashboard:order-detail", kwargs={"number": order.number}),
    ]
    for url in pages:
        page = admin_client.get(url).content.decode()
        assert voucher_key(voucher) in page and voucher not in page, url
    assert f"{voucher[:4]}…" in admin_client.get(pages[0]).content.decode()  # the payload


def test_a_new_secret_key_still_finds_the_vouchers_lock_and_validation(
    guest, django_capture_on_commit_callbacks
):
    """The key in the ids changes with SECRET_KEY; the entries are found by their voucher."""
    from django_diller.coupontools.queueing import lock_entry, queue_unlock

    voucher = SEED_VOUCHER_AMOUNT
    enter(guest, voucher)
    place_order(guest, django_capture_on_commit_callbacks)
    number = str(Order.objects.get().number)
    with override_settings(SECRET_KEY="the shop's new secret key, at least fifty characters long"):
        assert lock_entry(number, voucher) == OutboxEntry.objects.get(kind=Kind.LOCK)
        assert queue_unlock(number, voucher, source="order_status:Cancelled") is None  # used
    assert not OutboxEntry.objects.filter(kind=Kind.UNLOCK).exists()


def test_a_key_is_the_same_for_a_voucher_and_differs_between_vouchers():
    from django_diller.coupontools.queueing import voucher_key

    assert voucher_key(SEED_VOUCHER_AMOUNT) == voucher_key(SEED_VOUCHER_AMOUNT)
    assert voucher_key(SEED_VOUCHER_AMOUNT) != voucher_key(SEED_VOUCHER_AMOUNT[:-1] + "x")
    assert len(voucher_key("a" * 64)) == len(voucher_key("abcdef")) == 21
    here = voucher_key(SEED_VOUCHER_AMOUNT)
    with override_settings(SECRET_KEY="another shop's secret key, at least fifty characters long"):
        assert voucher_key(SEED_VOUCHER_AMOUNT) != here  # keyed: not worked back from the id


def test_a_members_diller_transaction_carries_the_vouchers_discount_on_its_line(
    member_client, shop, django_capture_on_commit_callbacks
):
    from .orders import transactions_at_diller

    add(member_client, EARL_GREY)
    enter(member_client, SEED_VOUCHER_AMOUNT)
    member_client.post(reverse("checkout:shipping-address"), checkout_address())
    member_client.post(reverse("checkout:shipping-method"), {"method_code": "standard"})
    member_client.get(reverse("checkout:payment-details"))
    member_client.post(reverse("checkout:preview"), {"diller_coupon_choice": "1"})
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post(reverse("checkout:preview"), {"action": "place_order"})
    (sent,) = transactions_at_diller().values()
    tea = next(d for d in sent.request["details"] if d["product"]["external_id"] == EARL_GREY)
    assert (tea["discount"], tea["total_price"]) == (D("50.00"), D("29.00"))
    assert sent.coupon_codes == []  # a voucher is not one of Diller's coupons
    assert sent.total == D("29.00") + STANDARD_SHIPPING


def test_a_voucher_not_combinable_with_club_coupons_waits_until_they_are_unticked(
    member_client, shop
):
    campaign = voucher_state(SEED_VOUCHER_AMOUNT).campaign
    VoucherRule.objects.create(
        campaign=campaign.code, kind="amount", value=D("50"), combinable_with_diller=False
    )
    add(member_client, ESPRESSO)
    enter(member_client, SEED_VOUCHER_AMOUNT)
    member_client.post(reverse("checkout:shipping-address"), checkout_address())
    member_client.post(reverse("checkout:shipping-method"), {"method_code": "standard"})
    member_client.get(reverse("checkout:payment-details"))  # "20 % off coffee" applies itself
    basket = member_client.get(reverse("basket:summary"))
    assert basket.context["basket"].total_incl_tax == D("151.20")  # the coupon, not the voucher
    assert "Not together with club coupons" in basket.content.decode()
    # Unticking the club's coupon on the payment page lets the voucher in.
    preview = member_client.post(reverse("checkout:preview"), {"diller_coupon_choice": "1"})
    assert preview.context["order_total"].incl_tax == D("139.00") + STANDARD_SHIPPING
