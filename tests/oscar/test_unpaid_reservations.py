"""Orders whose payment never came: their coupon reservations at Diller are released by the
beat task after ``RELEASE_UNPAID_AFTER_MINUTES``; an order paid in any way keeps them."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from django_diller.contrib.oscar import tasks
from django_diller.contrib.oscar.triggers import queue_transaction
from django_diller.contrib.oscar.unpaid import release_unpaid_reservations
from django_diller.loyalty import claims
from django_diller.loyalty.connection import embedded_sandbox
from django_diller.loyalty.reservations import queue_reservation
from django_diller.models import CouponClaim, OrderLoyaltyItem, OutboxEntry
from django_diller.outbox import engine as outbox
from django_diller.sandbox.seed import SEED_MEMBER_ID, SEED_STORE_ID
from django_diller.sandbox.seed import STAMP_CARD_COFFEE as STAMP_CARD

from .conftest import ESPRESSO
from .orders import Kind, State, coupon_on_espresso, event, loyalty_item, status, store

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("diller_settings")]
COUPON = "PCT20COFFEE"


@pytest.fixture
def reserved(place, commit):
    """An order placed with the member's coupon, reserved at Diller, and its payment not taken
    (``paid=True`` leaves the card source the order was placed with)."""

    def make(*, paid=False, minutes_ago=61):
        order = place({ESPRESSO: 2})
        if not paid:
            order.sources.all().delete()
        item = coupon_on_espresso(order, COUPON, "37.80")
        CouponClaim.objects.create(
            store_id=SEED_STORE_ID,
            member_id=SEED_MEMBER_ID,
            code=COUPON,
            slot=1,
            basket_id=order.basket_id or 0,
            order_number=order.number,
        )
        with commit():
            queue_reservation(order.number, SEED_MEMBER_ID)
        OutboxEntry.objects.filter(kind=Kind.RESERVE_LOYALTY).update(
            created_at=timezone.now() - timedelta(minutes=minutes_ago)
        )
        item.refresh_from_db()
        assert item.reservation == OrderLoyaltyItem.Reservation.RESERVED
        assert held_at_diller()
        return order, item

    return make


def held_at_diller() -> bool:
    return SEED_MEMBER_ID in store().coupons[COUPON].reservations


def test_an_unpaid_order_s_coupon_is_released_once_its_time_is_up(reserved, commit):
    order, item = reserved()
    with commit():
        assert release_unpaid_reservations(60) == 1
    release = OutboxEntry.objects.get(kind=Kind.RELEASE_LOYALTY)
    assert (release.order_number, release.state, release.source) == (
        order.number,
        State.SENT,
        "abandoned checkout",
    )
    item.refresh_from_db()
    assert item.reservation == OrderLoyaltyItem.Reservation.RELEASED
    assert not held_at_diller()
    assert not CouponClaim.objects.filter(code=COUPON).exists()  # the shop may use it again
    with commit():
        assert release_unpaid_reservations(60) == 0  # once
    assert OutboxEntry.objects.filter(kind=Kind.RELEASE_LOYALTY).count() == 1


def test_an_order_still_within_its_time_keeps_its_coupon(reserved, commit):
    reserved(minutes_ago=59)
    with commit():
        assert release_unpaid_reservations(60) == 0
    assert held_at_diller()


@pytest.mark.parametrize("how", ["card source", "payment event", "purchase sent", "cancelled"])
def test_an_order_paid_sent_or_released_already_is_left_alone(reserved, commit, how):
    order, _item = reserved(paid=how == "card source")
    with commit():
        if how == "payment event":
            event(order, "Authorised")  # a type that sends nothing: still money on its way
        elif how == "purchase sent":
            queue_transaction(order, "order placed")  # no payment recorded in the shop
        elif how == "cancelled":
            status(order, "Cancelled")
    releases = OutboxEntry.objects.filter(kind=Kind.RELEASE_LOYALTY).count()
    with commit():
        assert release_unpaid_reservations(60) == 0
    assert OutboxEntry.objects.filter(kind=Kind.RELEASE_LOYALTY).count() == releases


def test_a_payment_that_comes_before_the_release_is_sent_stops_it(reserved, commit):
    order, _item = reserved()
    release_unpaid_reservations(60)  # queued; its task runs after the payment below
    before = len(embedded_sandbox().requests)
    with commit():
        event(order, "Settled")
    outbox.drain()
    release = OutboxEntry.objects.get(kind=Kind.RELEASE_LOYALTY)
    assert release.state == State.SKIPPED
    assert calls_to_diller(before) == ["createTransaction"]  # the hold was never let go
    from .orders import transactions_at_diller

    assert transactions_at_diller()[order.number].coupon_codes == [COUPON]
    assert store().coupons[COUPON].times_redeemed(SEED_MEMBER_ID) == 1


def test_a_late_payment_still_sends_the_purchase_with_its_coupon(reserved, commit):
    from .orders import transactions_at_diller

    order, _item = reserved()
    with commit():
        release_unpaid_reservations(60)
    with commit():
        event(order, "Settled")  # the gateway called back after all
    assert transactions_at_diller()[order.number].coupon_codes == [COUPON]


def test_the_beat_task_follows_the_setting(reserved, commit, settings):
    reserved(minutes_ago=30)
    with override_settings(DILLER={**settings.DILLER, "RELEASE_UNPAID_AFTER_MINUTES": None}):
        with commit():
            assert tasks.release_unpaid_reservations() == 0
    with commit():
        assert tasks.release_unpaid_reservations() == 0  # the default: 60 minutes
    with override_settings(DILLER={**settings.DILLER, "RELEASE_UNPAID_AFTER_MINUTES": 20}):
        with commit():
            assert tasks.release_unpaid_reservations() == 1
    assert not held_at_diller()


def test_a_late_payment_whose_purchase_is_skipped_still_releases_the_coupon(reserved, commit):
    order, _item = reserved()
    release_unpaid_reservations(60)  # queued; its task runs after the payment below
    store().members[SEED_MEMBER_ID].consent.gdpr_accepted = False  # withdrawn at a till
    with commit():
        event(order, "Settled")
    outbox.drain()
    assert OutboxEntry.objects.get(kind=Kind.SEND_TRANSACTION).state == State.SKIPPED
    assert not held_at_diller()  # the purchase never used it: released after all


def reserve_a_stamp(order):
    """The order collected a coffee card stamp; the stamp is held for it at Diller."""
    loyalty_item(order, OrderLoyaltyItem.Kind.STAMP_CARD, str(STAMP_CARD), stamps_collected=1)
    queue_reservation(order.number, SEED_MEMBER_ID)


@pytest.mark.parametrize("held_stamps", ["apart", "counted"])
def test_a_cancelled_order_s_stamp_hold_ends_so_the_card_counts_no_stamp_for_it(
    place, commit, held_stamps
):
    from django_diller.loyalty.connection import get_client

    embedded_sandbox().held_stamps = held_stamps
    order = place({ESPRESSO: 1})
    loyalty_item(order, OrderLoyaltyItem.Kind.STAMP_CARD, str(STAMP_CARD), stamps_collected=1)
    with commit():
        queue_reservation(order.number, SEED_MEMBER_ID)
    card = store().stamp_cards[STAMP_CARD]
    assert SEED_MEMBER_ID in card.reservations
    with commit():
        status(order, "Cancelled")
    assert SEED_MEMBER_ID not in card.reservations
    cards = get_client().get_member_stamp_cards(SEED_MEMBER_ID)
    assert next(c.stamps_collected for c in cards if c.id == STAMP_CARD) == 8
    item = OrderLoyaltyItem.objects.get(order_number=order.number)
    assert item.reservation == OrderLoyaltyItem.Reservation.RELEASED


def test_a_stamp_hold_diller_no_longer_knows_counts_as_released(place, commit):
    order = place({ESPRESSO: 1})
    loyalty_item(order, OrderLoyaltyItem.Kind.STAMP_CARD, str(STAMP_CARD), stamps_collected=1)
    with commit():
        queue_reservation(order.number, SEED_MEMBER_ID)
    gone = {"title": "Not Found", "status": 404}
    embedded_sandbox().override_response("cancelStampReservation", 404, gone)
    with commit():
        status(order, "Cancelled")
    assert OutboxEntry.objects.get(kind=Kind.RELEASE_LOYALTY).state == State.SENT


def calls_to_diller(since: int) -> list[str]:
    """The reservations and purchases Diller received since request ``since``."""
    wanted = ("reserveCoupon", "cancelCouponReservation", "createTransaction")
    return [r.operation_id for r in embedded_sandbox().requests[since:] if r.operation_id in wanted]


def test_a_payment_after_the_release_reserves_the_coupon_again_before_the_purchase(
    reserved, commit
):
    order, item = reserved()
    with commit():
        release_unpaid_reservations(60)
    assert not held_at_diller()
    before = len(embedded_sandbox().requests)
    with commit():
        event(order, "Settled")  # the gateway called back after the release was sent
    again = OutboxEntry.objects.get(external_id=f"{order.number}:again")
    assert (again.kind, again.state, again.source) == (
        Kind.RESERVE_LOYALTY,
        State.SENT,
        "paid after its release",
    )
    purchase = OutboxEntry.objects.get(kind=Kind.SEND_TRANSACTION)
    assert purchase.depends_on == again and purchase.state == State.SENT
    assert calls_to_diller(before) == ["reserveCoupon", "createTransaction"]
    assert store().coupons[COUPON].times_redeemed(SEED_MEMBER_ID) == 1
    assert not held_at_diller()  # the purchase used the hold
    item.refresh_from_db()
    assert item.reservation_detail == "used by the transaction"


@pytest.fixture
def sent_when_shipped(diller_settings):
    """A shop that sends the purchase when the order ships, not when it is paid."""
    from django.conf import settings

    dispatch = {
        **settings.DILLER,
        "SEND_ON_PAYMENT_EVENTS": [],
        "SEND_ON_ORDER_STATUSES": ["Being processed"],
    }
    with override_settings(DILLER=dispatch):
        yield


def paid_after_the_release(reserved, commit):
    """An unpaid order whose reservation was released, then paid after all."""
    order, item = reserved()
    with commit():
        release_unpaid_reservations(60)
    with commit():
        event(order, "Settled")
    return order, item


@pytest.mark.usefixtures("sent_when_shipped")
def test_a_payment_after_the_release_holds_the_coupon_until_the_order_ships(reserved, commit):
    order, item = paid_after_the_release(reserved, commit)  # the purchase goes when it ships
    assert held_at_diller()  # not free at the till while the order waits
    item.refresh_from_db()
    assert item.reservation == OrderLoyaltyItem.Reservation.RESERVED
    assert not OutboxEntry.objects.filter(kind=Kind.SEND_TRANSACTION).exists()
    with commit():
        event(order, "Settled")  # a second payment event reserves nothing more
    assert OutboxEntry.objects.filter(kind=Kind.RESERVE_LOYALTY).count() == 2
    with commit():
        status(order, "Being processed")  # shipped
    purchase = OutboxEntry.objects.get(kind=Kind.SEND_TRANSACTION)
    assert purchase.depends_on.external_id == f"{order.number}:again"
    assert purchase.state == State.SENT
    assert store().coupons[COUPON].times_redeemed(SEED_MEMBER_ID) == 1
    assert not held_at_diller()


@pytest.mark.usefixtures("sent_when_shipped")
def test_an_order_cancelled_after_its_late_payment_releases_the_coupon_again(reserved, commit):
    order, item = paid_after_the_release(reserved, commit)
    assert held_at_diller()
    with commit():
        status(order, "Cancelled")
    release = OutboxEntry.objects.get(
        external_id=f"{order.number}:again", kind=Kind.RELEASE_LOYALTY
    )
    assert release.state == State.SENT
    assert not held_at_diller()
    item.refresh_from_db()
    assert item.reservation == OrderLoyaltyItem.Reservation.RELEASED


@pytest.mark.usefixtures("sent_when_shipped")
def test_a_coupon_held_elsewhere_after_the_release_is_marked_refused_for_staff(reserved, commit):
    from django_diller.api import models as wire
    from django_diller.loyalty.connection import get_client

    from .orders import transactions_at_diller

    order, item = reserved()
    with commit():
        release_unpaid_reservations(60)
    till = wire.CouponReservationRequest(channel="Store", external_transaction_id="TILL-7")
    get_client().reserve_coupon(SEED_MEMBER_ID, COUPON, till)  # a till took it meanwhile
    with commit():
        event(order, "Settled")
    again = OutboxEntry.objects.get(external_id=f"{order.number}:again")
    assert again.state == State.SENT  # Diller answered: the refusal is the item's
    item.refresh_from_db()
    assert item.reservation == OrderLoyaltyItem.Reservation.REFUSED
    assert item.reservation_detail  # Diller's words, for staff
    with commit():
        status(order, "Being processed")  # shipped
    purchase = OutboxEntry.objects.get(kind=Kind.SEND_TRANSACTION)
    assert purchase.state == State.SENT
    assert COUPON in str(purchase.response["loyalty_dropped"])  # "sent without" it
    assert transactions_at_diller()[order.number].coupon_codes == []


def test_a_late_payment_on_an_order_cancelled_since_holds_nothing_again(reserved, commit):
    order, _item = reserved()
    with commit():
        release_unpaid_reservations(60)
    with commit():
        status(order, "Cancelled")  # staff cancel the abandoned order
    with commit():
        event(order, "Authorised")  # and then the gateway calls back
    assert not held_at_diller()  # nothing would ever release it again
    assert not OutboxEntry.objects.filter(external_id=f"{order.number}:again").exists()


@pytest.mark.usefixtures("sent_when_shipped")
def test_a_payment_after_the_release_takes_the_orders_claim_again(reserved, commit):
    paid_after_the_release(reserved, commit)
    other_basket = 999_999
    assert not claims.claim(SEED_STORE_ID, SEED_MEMBER_ID, COUPON, 1, 1, other_basket)


@pytest.mark.usefixtures("sent_when_shipped")
def test_a_claim_another_order_took_after_the_release_is_reported(reserved, commit, caplog):
    order, _item = reserved()
    with commit():
        release_unpaid_reservations(60)
    assert claims.claim(SEED_STORE_ID, SEED_MEMBER_ID, COUPON, 1, 1, 999_999)  # another basket
    with commit():
        event(order, "Settled")
    assert f"1 coupon use(s) of order {order.number} were claimed by another order" in caplog.text
    assert CouponClaim.objects.get(code=COUPON).basket_id == 999_999


def test_an_authorisation_before_the_release_is_sent_stops_it(reserved, commit):
    order, _item = reserved()
    release_unpaid_reservations(60)  # queued; its task runs after the payment below
    before = len(embedded_sandbox().requests)
    with commit():
        event(order, "Authorised")  # money on its way; the purchase goes later
    outbox.drain()
    assert OutboxEntry.objects.get(kind=Kind.RELEASE_LOYALTY).state == State.SKIPPED
    assert calls_to_diller(before) == []  # the hold was never let go, nor made again
    assert held_at_diller()
    assert CouponClaim.objects.filter(order_number=order.number).exists()


def test_a_dead_release_does_not_hold_up_the_reservation_made_again(reserved, commit):
    order, _item = reserved()
    release_unpaid_reservations(60)
    OutboxEntry.objects.filter(kind=Kind.RELEASE_LOYALTY).update(state=State.DEAD)
    with commit():
        event(order, "Settled")
    again = OutboxEntry.objects.get(external_id=f"{order.number}:again")
    assert again.state == State.SENT  # not dead behind the release, to confuse staff
    assert OutboxEntry.objects.get(kind=Kind.SEND_TRANSACTION).state == State.SENT


@pytest.mark.usefixtures("sent_when_shipped")
def test_a_stamp_hold_released_for_an_unpaid_order_is_held_again_and_released_on_cancel(
    place, commit
):
    order = place({ESPRESSO: 1})
    order.sources.all().delete()  # not paid
    loyalty_item(order, OrderLoyaltyItem.Kind.STAMP_CARD, str(STAMP_CARD), stamps_collected=1)
    with commit():
        queue_reservation(order.number, SEED_MEMBER_ID)
    OutboxEntry.objects.update(created_at=timezone.now() - timedelta(minutes=61))
    card = store().stamp_cards[STAMP_CARD]
    with commit():
        release_unpaid_reservations(60)
    assert SEED_MEMBER_ID not in card.reservations
    with commit():
        event(order, "Settled")
    assert SEED_MEMBER_ID in card.reservations
    with commit():
        status(order, "Cancelled")
    assert SEED_MEMBER_ID not in card.reservations


@pytest.mark.usefixtures("sent_when_shipped")
def test_a_purchase_skipped_after_the_hold_was_made_again_releases_it(reserved, commit):
    order, _item = paid_after_the_release(reserved, commit)
    store().members[SEED_MEMBER_ID].consent.gdpr_accepted = False  # withdrawn at a till
    with commit():
        status(order, "Being processed")  # shipped
    assert OutboxEntry.objects.get(kind=Kind.SEND_TRANSACTION).state == State.SKIPPED
    assert not held_at_diller()


def test_the_claims_are_taken_again_with_the_payment_itself(reserved, commit):
    order, _item = reserved()
    with commit():
        release_unpaid_reservations(60)
    assert not CouponClaim.objects.exists()
    event(order, "Authorised")  # its transaction not committed yet: no task has run
    assert CouponClaim.objects.get(code=COUPON).order_number == order.number


def test_a_release_sent_after_the_payment_gives_its_claims_back_when_the_hold_is_made_again(
    reserved, commit, monkeypatch
):
    from django_diller.loyalty import reservations

    order, _item = reserved()
    release_unpaid_reservations(60)  # queued
    event(order, "Authorised")  # the claims are still the order's: nothing to take again
    assert CouponClaim.objects.filter(order_number=order.number).exists()
    # A worker had already decided to send the release when the payment came in.
    monkeypatch.setattr(reservations, "_held_again", lambda number: False)
    with commit():
        pass
    outbox.drain()  # the release goes, then the hold made again
    release = OutboxEntry.objects.get(kind=Kind.RELEASE_LOYALTY)
    assert release.state == State.SENT and release.response["claims"]
    assert CouponClaim.objects.get(code=COUPON).order_number == order.number
    assert held_at_diller()


@pytest.mark.usefixtures("sent_when_shipped")
def test_money_allocated_on_a_source_after_the_release_holds_the_coupon_again(reserved, commit):
    from .orders import PaymentSource, SourceType

    order, item = reserved()
    with commit():
        release_unpaid_reservations(60)
    card, _ = SourceType.objects.get_or_create(name="Demo card")
    with commit():  # the gateway authorised the card after all, with no payment event
        PaymentSource.objects.create(
            order=order, source_type=card, amount_allocated=order.total_incl_tax
        )
    assert held_at_diller()
    item.refresh_from_db()
    assert item.reservation == OrderLoyaltyItem.Reservation.RESERVED
    assert CouponClaim.objects.get(code=COUPON).order_number == order.number
