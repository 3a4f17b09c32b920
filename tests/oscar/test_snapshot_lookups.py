"""A priced request reads the basket's loyalty snapshot once, and a change is seen at once."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from oscar.core.loading import get_model

from django_diller.contrib.oscar.basket import current_loyalty, loyalty_row, open_basket_snapshot
from django_diller.models import BasketLoyalty, MemberLink

from .conftest import ESPRESSO

Basket = get_model("basket", "Basket")


def snapshot_queries(queries) -> int:
    return sum('FROM "diller_basketloyalty"' in q["sql"] for q in queries)


def test_the_snapshot_is_read_once_per_basket_until_it_or_the_link_changes(make_basket):
    basket = Basket.objects.get(pk=make_basket({ESPRESSO: 1}, chosen=["PCT10"]).pk)
    with CaptureQueriesContext(connection) as reads:
        for _ in range(3):
            assert current_loyalty(basket).chosen_codes == ["PCT10"]
            assert loyalty_row(basket).chosen_codes == ["PCT10"]
    assert snapshot_queries(reads.captured_queries) == 1  # the row is the owner's

    row = loyalty_row(basket)
    row.chosen_codes = []
    row.save()
    assert current_loyalty(basket).chosen_codes == []

    BasketLoyalty.objects.filter(basket_id=basket.id).get().delete()
    assert loyalty_row(basket) is None and current_loyalty(basket) is None


def test_an_unlinked_member_s_snapshot_stops_counting_on_the_same_basket(make_basket, member):
    basket = make_basket({ESPRESSO: 1}, chosen=["PCT10"])
    assert current_loyalty(basket) is not None
    link = MemberLink.objects.get(user=member)
    link.member_id = "another-member"
    link.save()
    assert current_loyalty(basket) is None
    assert loyalty_row(basket) is not None  # kept, but no longer the owner's


def test_a_priced_page_reads_the_snapshot_once(member_client):
    member_client.post(reverse("basket:add", kwargs={"pk": _espresso_pk()}), {"quantity": 2})
    member_client.get(reverse("diller_oscar:coupons"))  # takes the wallet into a snapshot
    with CaptureQueriesContext(connection) as page:
        assert member_client.get(reverse("basket:summary")).status_code == 200
    assert snapshot_queries(page.captured_queries) == 1


def _espresso_pk() -> int:
    from oscar.core.loading import get_model

    return get_model("catalogue", "Product").objects.get(upc=ESPRESSO).pk


def open_basket(user, *, usable):
    return open_basket_snapshot(user.pk, usable=usable)


def test_the_open_basket_and_its_snapshot_come_in_one_statement(make_basket, member):
    basket = make_basket({ESPRESSO: 1}, chosen=["PCT10"])
    with CaptureQueriesContext(connection) as read:
        basket_id, snapshot = open_basket(member, usable=True)
    assert len(read.captured_queries) == 1
    assert basket_id == basket.id
    assert snapshot == loyalty_row(basket)
    assert snapshot.chosen_codes == ["PCT10"]  # JSON read back as a list, not text
    assert {c["code"] for c in snapshot.coupons} >= {"PCT10"}


def test_an_open_basket_without_a_snapshot_has_its_id_only(make_basket, member):
    basket = make_basket({ESPRESSO: 1}, snapshot=False)
    assert open_basket(member, usable=False) == (basket.id, None)
    assert open_basket(member, usable=True) == (basket.id, None)


def test_another_member_s_snapshot_is_usable_only_when_asked_for_any(make_basket, member):
    basket = make_basket({ESPRESSO: 1}, chosen=["PCT10"])
    MemberLink.objects.filter(user=member).update(member_id="another-member")
    assert open_basket(member, usable=True) == (basket.id, None)
    basket_id, snapshot = open_basket(member, usable=False)
    assert (basket_id, snapshot) == (basket.id, loyalty_row(basket))


def test_no_open_basket_or_two_give_nothing(make_basket, member):
    assert open_basket(member, usable=False) == (None, None)
    make_basket({ESPRESSO: 1})
    make_basket({ESPRESSO: 2})  # Oscar merges them when it loads the basket
    assert open_basket(member, usable=True) == (None, None)
    Basket.objects.filter(owner=member).update(status=Basket.SUBMITTED)
    assert open_basket(member, usable=False) == (None, None)


def test_keeping_a_changed_wallet_leaves_what_another_request_kept_meanwhile(make_basket):
    """The snapshot is read before the wallet is fetched (which may call Diller): writing the
    wallet must not undo a voucher another request kept on the basket meanwhile."""
    from dataclasses import replace

    from django_diller.loyalty.wallet import fetch_wallet, snapshot_for_basket
    from django_diller.sandbox.seed import SEED_MEMBER_ID

    basket = make_basket({ESPRESSO: 1}, chosen=["PCT10"])
    row = BasketLoyalty.objects.of_basket(basket.id)  # as this request read it
    BasketLoyalty.objects.filter(pk=row.pk).update(providers={"coupontools": {"code": "V1"}})
    wallet = fetch_wallet(SEED_MEMBER_ID)
    changed = replace(wallet, coupons=wallet.coupons[:1])  # Diller's answer changed
    snapshot_for_basket(basket.id, SEED_MEMBER_ID, changed, row=row)
    kept = BasketLoyalty.objects.get(pk=row.pk)
    assert kept.providers == {"coupontools": {"code": "V1"}}
    assert [c["code"] for c in kept.coupons] == [wallet.coupons[0].code]


def test_the_coupon_step_reads_a_basket_s_missing_snapshot_once_before_keeping_the_wallet(
    member_client,
):
    member_client.post(reverse("basket:add", kwargs={"pk": _espresso_pk()}), {"quantity": 2})
    with CaptureQueriesContext(connection) as page:
        assert member_client.get(reverse("diller_oscar:coupons")).status_code == 200
    plain_reads = [q["sql"] for q in page.captured_queries if q["sql"].startswith("SELECT * FROM")]
    assert sum('FROM "diller_basketloyalty"' in sql for sql in plain_reads) == 1
