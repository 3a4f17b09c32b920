"""Stamps reported on the transaction and on its lines, as Diller's own modules send them: the
transaction's list sums up the lines', so nothing counts twice."""

from __future__ import annotations

from django_diller.sandbox import (
    COFFEE_PRODUCT_IDS,
    SEED_MEMBER_ID,
    SEED_STORE_ID,
    STAMP_CARD_BASKET,
    STAMP_CARD_COFFEE,
)

MEMBER = f"/api/v2.0/stores/{SEED_STORE_ID}/members/{SEED_MEMBER_ID}"


def stamps(client):
    return {c["id"]: c["stamps_collected"] for c in client.get(f"{MEMBER}/stamp-cards").json()}


def buy(client, external_id, *, total=189, stamp_cards=(), details=()):
    body = {"external_id": external_id, "total": total, "stamp_cards": list(stamp_cards)}
    return client.post(f"{MEMBER}/transactions", json={**body, "details": list(details)}).json()


def collected(card_id, count=1):
    return {"stamp_card_id": card_id, "action": "collected", "count": count}


def deducted(card_id, count):
    return {"stamp_card_id": card_id, "action": "deducted", "count": count}


def line(*cards, quantity=1):
    return {
        "product": {"external_id": COFFEE_PRODUCT_IDS[0]},
        "quantity": quantity,
        "unit_price": 189,
        "total_price": 189 * quantity,
        "stamp_cards": list(cards),
    }


def test_the_same_stamps_on_both_levels_count_once(client):
    before = stamps(client)[STAMP_CARD_COFFEE]
    details = [line(collected(STAMP_CARD_COFFEE)), line(collected(STAMP_CARD_COFFEE))]
    answer = buy(client, "o-1", stamp_cards=[collected(STAMP_CARD_COFFEE, 2)], details=details)
    assert answer["is_ok"] is True
    assert stamps(client)[STAMP_CARD_COFFEE] == before + 2


def test_a_reward_on_both_levels_is_deducted_once(client):
    # 8 stamps + 2 collected = 10: the tenth coffee free, and the card starts again.
    reports = [collected(STAMP_CARD_COFFEE, 2), deducted(STAMP_CARD_COFFEE, 10)]
    answer = buy(client, "o-1", total=189, stamp_cards=reports, details=[line(*reports)])
    assert answer["is_ok"] is True
    assert stamps(client)[STAMP_CARD_COFFEE] == 0


def test_cards_on_one_level_only_still_count(client):
    before = stamps(client)
    answer = buy(
        client,
        "o-1",
        total=600,
        stamp_cards=[collected(STAMP_CARD_BASKET)],
        details=[line(collected(STAMP_CARD_COFFEE), quantity=2)],
    )
    assert answer["is_ok"] is True
    after = stamps(client)
    assert after[STAMP_CARD_COFFEE] == before[STAMP_CARD_COFFEE] + 1
    assert after[STAMP_CARD_BASKET] == before[STAMP_CARD_BASKET] + 1


def test_a_bad_report_on_either_level_is_still_refused(client):
    bad = {"stamp_card_id": STAMP_CARD_COFFEE, "action": "collected", "count": 0}
    answer = buy(client, "o-1", stamp_cards=[collected(STAMP_CARD_COFFEE)], details=[line(bad)])
    assert answer["is_ok"] is False
