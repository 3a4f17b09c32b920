"""Stamp cards: listing, collecting, deducting, restartable or not, threshold cards, holds."""

from __future__ import annotations

import pytest

from django_diller.sandbox import (
    CINNAMON_BUN_PRODUCT_ID,
    COFFEE_PRODUCT_IDS,
    SEED_MEMBER_ID,
    SEED_STORE_ID,
    STAMP_CARD_BASKET,
    STAMP_CARD_BUN,
    STAMP_CARD_COFFEE,
)

STORE = f"/api/v2.0/stores/{SEED_STORE_ID}"
MEMBER = f"{STORE}/members/{SEED_MEMBER_ID}"


def stamps(client):
    return {c["id"]: c["stamps_collected"] for c in client.get(f"{MEMBER}/stamp-cards").json()}


def buy(client, external_id, *, total=100, stamp_cards=(), details=None):
    body = {"external_id": external_id, "total": total, "stamp_cards": list(stamp_cards)}
    if details is not None:
        body["details"] = details
    return client.post(f"{MEMBER}/transactions", json=body).json()


def collected(card_id, count=1):
    return {"stamp_card_id": card_id, "action": "collected", "count": count}


def deducted(card_id, count):
    return {"stamp_card_id": card_id, "action": "deducted", "count": count}


def test_member_cards(client):
    cards = {c["id"]: c for c in client.get(f"{MEMBER}/stamp-cards").json()}
    assert {k: c["stamps_collected"] for k, c in cards.items()} == {101: 8, 102: 4, 103: 2}
    assert cards[STAMP_CARD_COFFEE]["product_ids"] == list(COFFEE_PRODUCT_IDS)
    assert cards[STAMP_CARD_BUN]["is_restartable"] is False
    assert cards[STAMP_CARD_BUN]["product_ids"] == [CINNAMON_BUN_PRODUCT_ID]
    assert cards[STAMP_CARD_BASKET]["card_type"] == "threshold"


def test_new_member_starts_at_zero(client, register):
    member = register("97000001")
    cards = client.get(f"{STORE}/members/{member['id']}/stamp-cards").json()
    assert {c["stamps_collected"] for c in cards} == {0}


def test_collect_per_line(client):
    line = {
        "product": {"external_id": COFFEE_PRODUCT_IDS[0]},
        "quantity": 1,
        "unit_price": 189,
        "total_price": 189,
        "stamp_cards": [collected(STAMP_CARD_COFFEE)],
    }
    assert buy(client, "o-1", total=189, details=[line])["is_ok"] is True
    assert stamps(client)[STAMP_CARD_COFFEE] == 9


def test_restartable_card_completes_and_restarts(client):
    # The tenth coffee: collect its stamp and take the reward in the same purchase.
    result = buy(
        client,
        "o-1",
        stamp_cards=[deducted(STAMP_CARD_COFFEE, 10), collected(STAMP_CARD_COFFEE, 2)],
    )
    assert result["is_ok"] is True, result
    assert stamps(client)[STAMP_CARD_COFFEE] == 0
    assert buy(client, "o-2", stamp_cards=[collected(STAMP_CARD_COFFEE, 2)])["is_ok"] is True
    assert stamps(client)[STAMP_CARD_COFFEE] == 2


def test_non_restartable_card_is_used_up(client):
    assert buy(client, "o-1", stamp_cards=[collected(STAMP_CARD_BUN)])["is_ok"] is True
    assert buy(client, "o-2", stamp_cards=[deducted(STAMP_CARD_BUN, 5)])["is_ok"] is True
    assert STAMP_CARD_BUN not in stamps(client)
    again = buy(client, "o-3", stamp_cards=[collected(STAMP_CARD_BUN)])
    assert again["is_ok"] is False
    assert "completed" in again["details"]


def test_cannot_deduct_more_than_collected(client):
    result = buy(client, "o-1", stamp_cards=[deducted(STAMP_CARD_COFFEE, 10)])
    assert result["is_ok"] is False
    assert "cannot deduct" in result["details"]
    assert stamps(client)[STAMP_CARD_COFFEE] == 8  # nothing applied


def test_unknown_card_or_action_refuses_the_transaction(sb, client):
    assert buy(client, "o-1", stamp_cards=[collected(999)])["is_ok"] is False
    bad = {"stamp_card_id": STAMP_CARD_COFFEE, "action": "stolen", "count": 1}
    assert buy(client, "o-2", stamp_cards=[bad])["is_ok"] is False
    assert sb.state.stores[SEED_STORE_ID].transactions == {}


def test_threshold_card(client):
    assert buy(client, "o-1", total=499, stamp_cards=[collected(STAMP_CARD_BASKET)])["is_ok"]
    assert stamps(client)[STAMP_CARD_BASKET] == 2  # below the threshold: no stamp
    assert buy(client, "o-2", total=500, stamp_cards=[collected(STAMP_CARD_BASKET, 3)])["is_ok"]
    assert stamps(client)[STAMP_CARD_BASKET] == 3  # one stamp per purchase, whatever the count
    assert buy(client, "o-3", total=800)["is_ok"]
    assert stamps(client)[STAMP_CARD_BASKET] == 3  # not reported: no stamp


def test_obsolete_stamp_card_ids_count_as_collected(client):
    body = {"external_id": "o-1", "total": 50, "stamp_card_ids": [STAMP_CARD_COFFEE]}
    assert client.post(f"{MEMBER}/transactions", json=body).json()["is_ok"] is True
    assert stamps(client)[STAMP_CARD_COFFEE] == 9


def test_reserve_stamp_card(sb, client):
    url = f"{MEMBER}/stamp-cards/{STAMP_CARD_COFFEE}"
    hold = {"channel": "OnlineStore", "external_transaction_id": "o-1"}
    assert client.post(f"{url}/reserve", json=hold).json()["is_ok"] is True
    assert client.post(f"{url}/reserve", json=hold).json()["is_ok"] is True
    other = {"channel": "OnlineStore", "external_transaction_id": "o-2"}
    assert client.post(f"{url}/reserve", json=other).json()["is_ok"] is False
    assert buy(client, "o-2", stamp_cards=[collected(STAMP_CARD_COFFEE)])["is_ok"] is False
    cancel = client.post(f"{url}/cancel-reservation", json={"external_transaction_id": "o-1"})
    assert cancel.json()["is_ok"] is True
    assert client.post(f"{url}/reserve", json=other).json()["is_ok"] is True
    assert buy(client, "o-2", stamp_cards=[collected(STAMP_CARD_COFFEE)])["is_ok"] is True
    card = sb.state.stores[SEED_STORE_ID].stamp_cards[STAMP_CARD_COFFEE]
    assert card.reservations == {}  # the transaction ended the hold


def test_a_held_stamp_shows_on_the_card_only_when_the_sandbox_counts_held_stamps(sb, client):
    url = f"{MEMBER}/stamp-cards/{STAMP_CARD_COFFEE}/reserve"
    client.post(url, json={"external_transaction_id": "o-1"})
    assert stamps(client)[STAMP_CARD_COFFEE] == 8  # "apart", the default
    sb.held_stamps = "counted"
    try:
        assert stamps(client)[STAMP_CARD_COFFEE] == 9  # the pending order's stamp shows
        assert buy(client, "o-1", stamp_cards=[collected(STAMP_CARD_COFFEE)])["is_ok"] is True
        assert stamps(client)[STAMP_CARD_COFFEE] == 9  # counted once, by the transaction
    finally:
        sb.held_stamps = "apart"


def test_held_stamps_takes_only_the_two_answers(sb):
    with pytest.raises(ValueError, match="held_stamps"):
        sb.held_stamps = "sometimes"


def test_reserve_unknown_card_is_404(client):
    hold = {"external_transaction_id": "o-1"}
    assert client.post(f"{MEMBER}/stamp-cards/999/reserve", json=hold).status_code == 404


def test_reserve_used_up_card_is_refused(client):
    buy(client, "o-1", stamp_cards=[collected(STAMP_CARD_BUN), deducted(STAMP_CARD_BUN, 5)])
    hold = {"external_transaction_id": "o-2"}
    result = client.post(f"{MEMBER}/stamp-cards/{STAMP_CARD_BUN}/reserve", json=hold).json()
    assert result["is_ok"] is False
