"""Non-eligible goods: no discount, no stamp and no points for gift cards and what staff mark.

The embedded sandbox is Diller (its list holds the two demo gift cards, as the tills put them
there); Celery runs eagerly, so what a commit queues runs inside ``commit()``.
"""

from datetime import timedelta
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model

from django_diller.contrib.oscar import non_eligible as marks
from django_diller.contrib.oscar.basket import plan_for_basket
from django_diller.contrib.oscar.models import NonEligibleMark
from django_diller.contrib.oscar.tasks import push_non_eligible_products
from django_diller.loyalty import non_eligible
from django_diller.loyalty.connection import embedded_sandbox
from django_diller.models import NonEligibleEntry, NonEligibleSnapshot
from django_diller.sandbox.seed import (
    GIFT_CARD_PRODUCT_IDS,
    SEED_MEMBER_ID,
    STAMP_CARD_BASKET,
)
from django_diller.sandbox.state import Coupon, NonEligibleProduct, StampCard

from .conftest import BUN, EARL_GREY, MUG, apply_offers
from .orders import event, member_points, store, transactions_at_diller

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shop", "diller_settings")]

Category = get_model("catalogue", "Category")
Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")

GIFT_500, GIFT_1000 = GIFT_CARD_PRODUCT_IDS
TRAVEL_TUMBLER, HAND_GRINDER = "7040110000180", "7040110000203"
MUFFIN = "7040110000159"
EQUIPMENT = (MUG, TRAVEL_TUMBLER, "7040110000197", HAND_GRINDER, "7040110000210", "7040110000227")
Status, State = NonEligibleMark.Status, NonEligibleEntry.State


def discounts(basket):
    return {
        line.product.upc: sum((d.amount for d in line.discounts.all()), D(0))
        for line in basket.all_lines()
    }


def diller_list():
    """Diller's list as the tills see it: product id -> entry."""
    return {e.product_id: e for e in store().non_eligible.values() if e.product_id}


def diller_calls():
    return [r.operation_id for r in embedded_sandbox().requests]


def give_member(coupon=None, card=None):
    """A coupon or stamp card Diller gives the demo member."""
    if coupon is not None:
        store().coupons[coupon.code] = coupon
    if card is not None:
        store().stamp_cards[card.id] = card


def gift_coupon(code="GIFT10", product_ids=(GIFT_1000,)):
    now = timezone.now()
    return Coupon(
        id=900,
        code=code,
        title="10 % off gift cards",
        type="Campaign",
        discount_type="Percentage",
        discount_value=D(10),
        valid_from=now - timedelta(days=1),
        valid_to=now + timedelta(days=30),
        product_ids=list(product_ids),
        member_ids={SEED_MEMBER_ID},
    )


# No discount, no stamp --------------------------------------------------------------------


def test_the_issue_a_10_percent_coupon_never_discounts_a_1000_kr_gift_card(make_basket):
    basket = make_basket({GIFT_1000: 1}, chosen=["PCT10"])
    assert discounts(basket) == {GIFT_1000: D(0)}
    assert basket.total_incl_tax == D("1000.00")


def test_a_whole_purchase_coupon_takes_only_the_eligible_goods(make_basket):
    fixed = make_basket({GIFT_1000: 1, EARL_GREY: 1}, chosen=["FIXED50"])
    assert discounts(fixed) == {GIFT_1000: D(0), EARL_GREY: D("50.00")}
    percentage = make_basket({GIFT_1000: 1, EARL_GREY: 1}, chosen=["PCT10"])
    assert discounts(percentage) == {GIFT_1000: D(0), EARL_GREY: D("7.90")}
    assert percentage.total_incl_tax == D("1071.10")


def test_a_coupon_naming_a_gift_card_does_not_discount_it(make_basket):
    give_member(coupon=gift_coupon())
    basket = make_basket({GIFT_1000: 1, EARL_GREY: 1})
    assert discounts(basket) == {GIFT_1000: D(0), EARL_GREY: D(0)}
    assert basket.total_incl_tax == D("1079.00")


def plan_of(basket):
    """The loyalty plan the checkout records for the basket (coupons, stamps, threshold)."""
    basket.reset_offer_applications()
    return plan_for_basket(basket, None)


def stamped_cards(plan):
    return {m.card_id: (m.collected, m.rewards) for m in plan.stamp_movements}


def test_a_stamp_card_never_stamps_a_gift_card_nor_makes_it_free(make_basket):
    give_member(
        card=StampCard(
            id=900,
            title="Fifth gift card free",
            required_stamps=5,
            is_restartable=True,
            valid_from=timezone.now() - timedelta(days=1),
            valid_to=timezone.now() + timedelta(days=30),
            product_ids=[GIFT_500, EARL_GREY],
            stamps={SEED_MEMBER_ID: 4},
        )
    )
    basket = make_basket({GIFT_500: 2})
    assert basket.total_incl_tax == D("1000.00")
    assert 900 not in stamped_cards(plan_of(basket))
    # The same card does stamp (and reward) the tea it also names.
    assert stamped_cards(plan_of(make_basket({GIFT_500: 2, EARL_GREY: 1})))[900] == (1, 1)


def test_a_threshold_card_does_not_count_a_gift_card(make_basket):
    # 1,079 kr, but only 71.10 kr of it eligible: under the "Big basket" card's 500 kr.
    plan = plan_of(make_basket({GIFT_1000: 1, EARL_GREY: 1}, chosen=["PCT10"]))
    assert STAMP_CARD_BASKET not in stamped_cards(plan)
    plan = plan_of(make_basket({GIFT_1000: 1, EARL_GREY: 8}, chosen=["PCT10"]))
    assert stamped_cards(plan)[STAMP_CARD_BASKET] == (1, 0)  # 568.80 kr of tea: a stamp


def test_without_the_mark_diller_s_own_list_still_keeps_gift_cards_full_price(make_basket):
    NonEligibleMark.objects.all().delete()
    assert make_basket({GIFT_1000: 1}, chosen=["PCT10"]).total_incl_tax == D("900.00")
    non_eligible.refresh_list()  # the tills' list: the demo gift cards
    assert make_basket({GIFT_1000: 1}, chosen=["PCT10"]).total_incl_tax == D("1000.00")


# Diller's list in the web shop ---------------------------------------------------------------


def tills_add(**rule):
    """An entry made at Diller (by the tills or in Diller's back office), not by this shop."""
    entry = NonEligibleProduct(id=store().next_non_eligible_id, subsystem="pos", **rule)
    store().non_eligible[entry.id] = entry
    store().next_non_eligible_id += 1
    return entry


def test_diller_s_list_applies_after_a_refresh_by_id_prefix_and_category(make_basket):
    equipment = Category.objects.get(name="Equipment")
    tills_add(product_id=BUN)
    tills_add(product_id_prefix=MUFFIN[:-1])
    tills_add(product_category_id=equipment.pk)
    items = {BUN: 1, MUFFIN: 1, HAND_GRINDER: 1, EARL_GREY: 1}
    before = make_basket(items, chosen=["PCT10"], declined=["FIXED30BAKERY"])
    assert discounts(before)[HAND_GRINDER] == D("89.90")  # the list is not read yet

    non_eligible.refresh_list()
    after = make_basket(items, chosen=["PCT10"], declined=["FIXED30BAKERY"])
    assert discounts(after) == {BUN: D(0), MUFFIN: D(0), HAND_GRINDER: D(0), EARL_GREY: D("7.90")}


def test_an_expired_entry_no_longer_applies(make_basket):
    tills_add(product_id=EARL_GREY, expires_at=(timezone.now() - timedelta(days=1)).isoformat())
    tills_add(product_id=MUG, expires_at=(timezone.now() + timedelta(days=1)).isoformat())
    non_eligible.refresh_list()
    basket = make_basket({EARL_GREY: 1, MUG: 1}, chosen=["PCT10"], declined=["SHIPFREEGEAR"])
    assert discounts(basket) == {EARL_GREY: D("7.90"), MUG: D(0)}


def test_a_cold_cache_prices_from_the_database_without_calling_diller(
    make_basket, django_capture_on_commit_callbacks
):
    tills_add(product_id=EARL_GREY)
    non_eligible.refresh_list()
    basket = make_basket({EARL_GREY: 1, MUG: 1}, chosen=["PCT10"], declined=["SHIPFREEGEAR"])
    cache.clear()
    calls = len(diller_calls())
    with django_capture_on_commit_callbacks() as queued:
        apply_offers(basket)
    assert len(diller_calls()) == calls  # not one request while pricing
    assert discounts(basket) == {EARL_GREY: D(0), MUG: D("14.90")}
    assert queued == []  # the copy in the database is fresh: nothing to refresh


def test_a_stale_list_is_refreshed_in_the_background_never_while_pricing(
    make_basket, django_capture_on_commit_callbacks
):
    non_eligible.refresh_list()
    NonEligibleSnapshot.objects.update(fetched_at=timezone.now() - timedelta(hours=1))
    tills_add(product_id=EARL_GREY)  # at Diller, not yet in the shop's copy
    basket = make_basket({EARL_GREY: 1}, chosen=["PCT10"])
    cache.clear()
    calls = len(diller_calls())
    with django_capture_on_commit_callbacks(execute=True) as queued:
        apply_offers(basket)
        assert len(diller_calls()) == calls
        assert discounts(basket) == {EARL_GREY: D("7.90")}  # the last copy, stale as it is
        apply_offers(basket)  # queued once, however often the basket is priced
    assert len(queued) == 1
    refresh = [call for call in diller_calls()[calls:] if call != "token"]
    assert refresh == ["getNonEligibleProducts"]  # after the commit, in the Celery task
    assert discounts(apply_offers(basket)) == {EARL_GREY: D(0)}


def test_a_cold_shop_with_no_copy_prices_as_eligible_and_fetches_in_the_background(
    make_basket, django_capture_on_commit_callbacks
):
    NonEligibleMark.objects.all().delete()
    basket = make_basket({GIFT_500: 1}, chosen=["PCT10"])
    cache.clear()
    calls = len(diller_calls())
    with django_capture_on_commit_callbacks(execute=False) as queued:
        apply_offers(basket)
    assert len(diller_calls()) == calls
    assert basket.total_incl_tax == D("450.00")
    assert len(queued) == 1
    queued[0]()
    assert NonEligibleSnapshot.objects.get().items
    assert apply_offers(basket).total_incl_tax == D("500.00")


# Staff's marks and the push ----------------------------------------------------------------


def admin_action(admin_client, model, action, objects):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    data = {"action": action, "_selected_action": [str(o.pk) for o in objects]}
    response = admin_client.post(url, data, follow=True)
    assert response.status_code == 200
    return response


def test_marking_a_product_class_pushes_its_products_and_unmarking_deletes_them(
    admin_client, commit, make_basket
):
    goods = ProductClass.objects.get(slug="goods")
    with commit():
        admin_action(admin_client, ProductClass, "mark_not_eligible", [goods])
    assert diller_calls().count("addBatchNonEligibleProducts") == 1
    listed = diller_list()
    assert set(EQUIPMENT) <= set(listed)
    assert listed[MUG].description == "Ceramic mug"
    assert listed[MUG].subsystem == "django-diller"
    mark = NonEligibleMark.objects.get(product_class=goods)
    assert (mark.status, mark.last_error) == (Status.PUSHED, "")
    rows = NonEligibleEntry.objects.filter(product_id__in=EQUIPMENT)
    assert {(r.state, r.diller_id) for r in rows} == {
        (State.PUSHED, listed[p].id) for p in EQUIPMENT
    }
    assert make_basket({MUG: 1}, chosen=["PCT10"], declined=["SHIPFREEGEAR"]).total_incl_tax == (
        D("149.00")
    )

    with commit():
        admin_action(admin_client, ProductClass, "mark_eligible", [goods])
    assert not set(EQUIPMENT) & set(diller_list())
    assert diller_calls().count("deleteNonEligibleProduct") == len(EQUIPMENT)
    assert not NonEligibleEntry.objects.filter(product_id__in=EQUIPMENT).exists()
    assert make_basket({MUG: 1}, chosen=["PCT10"], declined=["SHIPFREEGEAR"]).total_incl_tax == (
        D("134.10")
    )


def test_a_mark_applies_in_the_shop_before_diller_has_it(
    make_basket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        NonEligibleMark.objects.create(product=Product.objects.get(upc=EARL_GREY))
    assert marks._send_push in queued
    assert EARL_GREY not in diller_list()
    assert make_basket({EARL_GREY: 1}, chosen=["PCT10"]).total_incl_tax == D("79.00")


def test_marking_a_product_from_the_products_admin(admin_client, commit):
    with commit():
        admin_action(admin_client, Product, "mark_not_eligible", Product.objects.filter(upc=MUG))
    assert MUG in diller_list()
    assert NonEligibleMark.objects.get(product__upc=MUG).status == Status.PUSHED
    with commit():
        admin_action(admin_client, Product, "mark_eligible", Product.objects.filter(upc=MUG))
    assert MUG not in diller_list()
    assert not NonEligibleMark.objects.filter(product__upc=MUG).exists()


def test_the_tills_gift_card_entries_are_adopted_not_added_twice_and_deleted_on_unmark(commit):
    ids = {p: diller_list()[p].id for p in GIFT_CARD_PRODUCT_IDS}
    result = marks.push_marks()  # the demo shop's mark on gift cards
    assert (result.added, result.adopted, result.failed) == (0, 2, 0)
    assert "addBatchNonEligibleProducts" not in diller_calls()
    rows = {r.product_id: r for r in NonEligibleEntry.objects.all()}
    assert {p: r.diller_id for p, r in rows.items()} == ids
    assert NonEligibleMark.objects.get().status == Status.PUSHED

    with commit():
        NonEligibleMark.objects.get().delete()
    assert not set(GIFT_CARD_PRODUCT_IDS) & set(diller_list())


def test_a_new_product_in_a_marked_class_is_pushed(commit):
    marks.push_marks()
    gift_cards = ProductClass.objects.get(slug="gift-card")
    with commit():
        Product.objects.create(
            upc="7040110000258", title="Gift card 250 kr", product_class=gift_cards
        )
    assert diller_list()["7040110000258"].description == "Gift card 250 kr"


def test_a_renamed_product_updates_its_description_at_diller():
    marks.push_marks()
    gift = Product.objects.get(upc=GIFT_500)
    gift.title = "Gift card, 500 kr"
    gift.save()
    result = marks.push_marks()
    assert result.updated == 1
    assert diller_list()[GIFT_500].description == "Gift card, 500 kr"
    (update,) = embedded_sandbox().requests_for("updateBatchNonEligibleProducts")
    assert update.json == [
        {
            "id": diller_list()[GIFT_500].id,
            "product_id": GIFT_500,
            "description": "Gift card, 500 kr",
            "subsystem": "webshop",
        }
    ]


def test_batches_hold_at_most_100_entries(commit):
    deposits = ProductClass.objects.create(name="Deposit", slug="deposit")
    Product.objects.bulk_create(
        Product(
            upc=f"99{n:011d}", title=f"Deposit {n}", product_class=deposits, structure="standalone"
        )
        for n in range(150)
    )
    with commit():
        NonEligibleMark.objects.create(product_class=deposits)
    adds = embedded_sandbox().requests_for("addBatchNonEligibleProducts")
    assert [len(r.json) for r in adds] == [100, 50]
    assert len(diller_list()) == 152
    assert len(non_eligible.current_list().rules) == 152  # read back page by page
    assert NonEligibleMark.objects.get(product_class=deposits).status == Status.PUSHED


def test_diller_down_leaves_the_mark_waiting_with_the_error_and_the_task_retries(commit):
    sandbox = embedded_sandbox()
    with sandbox.inject(error_rate=1.0, only_operations={"addBatchNonEligibleProducts"}):
        with pytest.raises(non_eligible.DillerUnavailable):
            NonEligibleMark.objects.create(product=Product.objects.get(upc=MUG))
            marks.push_marks()
    mark = NonEligibleMark.objects.get(product__upc=MUG)
    assert mark.status == Status.PENDING
    assert "503" in mark.last_error or "unavailable" in mark.last_error.lower()
    assert MUG not in diller_list()

    faults = {
        "error_rate": 1.0,
        "max_faults": 1,
        "only_operations": {"addBatchNonEligibleProducts"},
    }
    with sandbox.inject(**faults):
        outcome = push_non_eligible_products.apply(throw=False)  # fails, then its retry works
    assert outcome.successful()
    assert MUG in diller_list()
    mark.refresh_from_db()
    assert (mark.status, mark.last_error) == (Status.PUSHED, "")


def test_an_add_whose_answer_was_lost_is_adopted_on_the_next_push():
    NonEligibleMark.objects.create(product=Product.objects.get(upc=MUG))
    with embedded_sandbox().inject(
        timeout_rate=1.0, only_operations={"addBatchNonEligibleProducts"}
    ):
        with pytest.raises(non_eligible.DillerUnavailable):
            marks.push_marks()
    assert MUG in diller_list()  # Diller did add it
    result = marks.push_marks()
    assert (result.added, result.adopted) == (0, 1)  # the mug, added by the lost call
    assert len([e for e in store().non_eligible.values() if e.product_id == MUG]) == 1


def test_a_refused_item_fails_alone_and_its_error_shows_on_the_mark():
    NonEligibleMark.objects.create(product=Product.objects.get(upc=MUG))
    NonEligibleMark.objects.create(product=Product.objects.get(upc=EARL_GREY))
    problem = {"title": "Bad request", "status": 400, "detail": "Product is blocked."}
    sandbox = embedded_sandbox()
    # The gift cards are on Diller's list already; the batch of the tea and the mug is
    # refused, then each is added alone: the tea is refused again, the mug goes through.
    sandbox.override_response("addBatchNonEligibleProducts", 400, problem, times=2)
    result = marks.push_marks()
    assert result.failed == 1
    assert set(result.errors) == {EARL_GREY}
    assert "Product is blocked." in result.errors[EARL_GREY]
    assert MUG in diller_list() and EARL_GREY not in diller_list()
    tea = NonEligibleMark.objects.get(product__upc=EARL_GREY)
    assert tea.status == Status.ERROR and "Product is blocked." in tea.last_error
    assert NonEligibleMark.objects.get(product__upc=MUG).status == Status.PUSHED

    assert marks.push_marks().failed == 0  # pushed again: Diller takes it now
    tea.refresh_from_db()
    assert (tea.status, tea.last_error) == (Status.PUSHED, "")


def test_an_answer_off_the_contract_fails_the_push_visibly():
    NonEligibleMark.objects.create(product=Product.objects.get(upc=MUG))
    embedded_sandbox().override_response("getNonEligibleProducts", 200, {"data": "no list"})
    result = marks.push_marks()
    assert "data" in result.errors[""]
    mark = NonEligibleMark.objects.get(product__upc=MUG)
    assert mark.status == Status.ERROR and "data" in mark.last_error
    assert "addBatchNonEligibleProducts" not in diller_calls()  # nothing decided blind
    marks.push_marks()
    mark.refresh_from_db()
    assert (mark.status, MUG in diller_list()) == (Status.PUSHED, True)


# What the contract leaves open -------------------------------------------------------------


def test_an_add_answered_with_an_empty_list_still_records_diller_s_ids():
    embedded_sandbox().settings.non_eligible.add_answer = "empty"
    NonEligibleMark.objects.create(product=Product.objects.get(upc=MUG))
    result = marks.push_marks()
    assert (result.added, result.failed) == (1, 0)
    assert NonEligibleEntry.objects.get(product_id=MUG).diller_id == diller_list()[MUG].id


@pytest.mark.parametrize("status", [409, 400])
def test_an_add_refused_as_a_duplicate_adopts_diller_s_entry(status):
    embedded_sandbox().settings.non_eligible.duplicate_status = status
    row = NonEligibleEntry.objects.create(store_id=store().id, product_id=MUG, description="Mug")
    push = non_eligible._Push(store().id, non_eligible.get_client())  # read before the tills
    entry = tills_add(product_id=MUG)
    push.add([row])
    row.refresh_from_db()
    assert (row.state, row.diller_id) == (State.PUSHED, entry.id)
    adds = embedded_sandbox().requests_for("addBatchNonEligibleProducts")
    assert [r.status for r in adds] == [status]


@pytest.mark.parametrize("answer", ["refused", "not_found"])
def test_an_update_of_an_entry_deleted_at_diller_adds_it_again(answer):
    embedded_sandbox().settings.non_eligible.update_unknown = answer
    marks.push_marks()
    gift = Product.objects.get(upc=GIFT_500)
    gift.title = "Gift card, 500 kr"
    gift.save()
    non_eligible.plan_entries(store().id, marks.wanted_entries())
    push = non_eligible._Push(store().id, non_eligible.get_client())
    push.read()
    old_id = diller_list()[GIFT_500].id
    del store().non_eligible[old_id]  # deleted at Diller meanwhile
    push.place(list(NonEligibleEntry.objects.filter(product_id=GIFT_500)))
    row = NonEligibleEntry.objects.get(product_id=GIFT_500)
    assert row.state == State.PUSHED and row.diller_id not in (None, old_id)
    assert diller_list()[GIFT_500].description == "Gift card, 500 kr"


@pytest.mark.parametrize("answer", ["not_found", "refused"])
def test_deleting_an_entry_already_gone_at_diller_is_done(answer):
    embedded_sandbox().settings.non_eligible.delete_unknown = answer
    marks.push_marks()
    NonEligibleEntry.objects.filter(product_id=GIFT_500).update(wanted=False)
    push = non_eligible._Push(store().id, non_eligible.get_client())
    push.read()
    del store().non_eligible[diller_list()[GIFT_500].id]
    push.remove(NonEligibleEntry.objects.get(product_id=GIFT_500))
    assert not NonEligibleEntry.objects.filter(product_id=GIFT_500).exists()
    assert push.result.failed == 0


def test_a_refused_delete_of_an_entry_still_listed_is_an_error():
    marks.push_marks()
    NonEligibleEntry.objects.filter(product_id=GIFT_500).update(wanted=False)
    embedded_sandbox().override_response(
        "deleteNonEligibleProduct", 200, {"is_ok": False, "details": "Locked by the tills."}
    )
    push = non_eligible._Push(store().id, non_eligible.get_client())
    push.read()
    push.remove(NonEligibleEntry.objects.get(product_id=GIFT_500))
    row = NonEligibleEntry.objects.get(product_id=GIFT_500)
    assert row.state == State.ERROR and "Locked by the tills." in row.last_error
    assert GIFT_500 in diller_list()


# Points -------------------------------------------------------------------------------------


def test_after_the_push_diller_awards_no_points_for_a_marked_product(place, commit):
    with commit():
        NonEligibleMark.objects.create(product=Product.objects.get(upc=MUG))
    order = place({MUG: 1, EARL_GREY: 1}, chosen=["PCT10"])
    before = member_points()
    with commit():
        event(order, "Settled")
    sent = transactions_at_diller()[order.number]
    mug_line = next(d for d in sent.request["details"] if d["product"]["external_id"] == MUG)
    assert D(str(mug_line["discount"])) == 0
    assert member_points() - before == int(D(str(sent.request["total"])) - D("149.00"))


# The demo shop and the admin pages ----------------------------------------------------------


def test_the_demo_shop_s_gift_cards_are_not_eligible_out_of_the_box_once(shop):
    call_command("load_demo_shop", stdout=StringIO())  # again: still one mark
    (mark,) = NonEligibleMark.objects.all()
    assert mark.product_class.slug == "gift-card"
    assert set(marks.wanted_entries()) == set(GIFT_CARD_PRODUCT_IDS)


def test_the_admin_pages_show_marks_entries_and_diller_s_list(admin_client):
    marks.push_marks()
    pages = {
        "admin:diller_oscar_noneligiblemark_changelist": "Gift card (no VAT)",
        "admin:diller_noneligibleentry_changelist": GIFT_500,
        "admin:diller_noneligiblesnapshot_changelist": store().id,
    }
    for name, expected in pages.items():
        response = admin_client.get(reverse(name))
        assert response.status_code == 200
        assert expected in response.content.decode()
    snapshot = NonEligibleSnapshot.objects.get()
    page = admin_client.get(reverse("admin:diller_noneligiblesnapshot_change", args=[snapshot.pk]))
    assert f"product {GIFT_500}" in page.content.decode()


def test_staff_fetch_diller_s_list_from_the_admin(admin_client):
    non_eligible.refresh_list()
    tills_add(product_id=MUG)
    snapshot = NonEligibleSnapshot.objects.get()
    url = reverse("admin:diller_noneligiblesnapshot_changelist")
    response = admin_client.post(
        url, {"action": "fetch_now", "_selected_action": [snapshot.pk]}, follow=True
    )
    assert "Diller lists 3 non-eligible entries." in response.content.decode()
    assert MUG in {item.get("product_id") for item in NonEligibleSnapshot.objects.get().items}
