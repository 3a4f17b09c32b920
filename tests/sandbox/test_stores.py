"""Store settings, departments, segments, levels, store coupons and stamp cards."""

from __future__ import annotations

from django_diller.sandbox import (
    COUPON_EXPIRED15,
    COUPON_FUTURE5,
    COUPON_PCT10,
    SEED_DEPARTMENT_ID,
    SEED_STORE_ID,
    Sandbox,
)

STORE = f"/api/v2.0/stores/{SEED_STORE_ID}"


def test_store(client):
    store = client.get(STORE).json()
    assert store["store_name"] == "Kaffebrenneriet Demo"
    assert store["currency"] == "NOK"
    assert store["time_zone"] == "Europe/Oslo"
    assert store["culture"] == "nb-NO"
    assert store["privacy_policy_url"] == "https://example.com/privacy"
    assert store["stamps_enabled"] is True
    assert store["friend_referral_enabled"] is True
    assert store["points_system"] == {
        "enabled": True,
        "friend_referral_points": 50,
        "follower_signup_points": 100,
        "currency_points_ratio": 1.0,
    }
    assert store["member_identifier"] == {"type": "SSN", "is_unique_per_country": True}
    assert store["phone"] == {"country_code": "+47", "number": "22000000"}
    assert store["address"]["city"] == "Oslo"


def test_unknown_store_is_404(client):
    response = client.get("/api/v2.0/stores/elsewhere")
    assert response.status_code == 404
    assert response.json()["title"] == "Not Found"


def test_departments_and_create(client):
    assert client.get(f"{STORE}/departments").json() == [
        {"id": SEED_DEPARTMENT_ID, "name": "Nettbutikk"},
        {"id": "dept-oslo", "name": "Oslo sentrum"},
    ]
    created = client.post(f"{STORE}/departments", json={"name": "Bergen Torget"}).json()
    assert created[-1] == {"id": "dept-bergen-torget", "name": "Bergen Torget"}
    assert len(created) == 3
    explicit = client.post(f"{STORE}/departments", json={"id": "d-7", "name": "Seven"}).json()
    assert explicit[-1]["id"] == "d-7"
    assert client.post(f"{STORE}/departments", json={"id": "d-7", "name": "X"}).status_code == 409
    missing = client.post(f"{STORE}/departments", json={"id": "d-8"})
    assert missing.status_code == 400
    assert "name" in missing.json()["errors"]


def test_segments(client):
    segments = client.get(f"{STORE}/segments").json()
    visible = [s for s in segments if s["is_visible_to_follower"]]
    assert [s["type"] for s in visible] == ["Text", "DateTime", "Radio", "Checkbox", "Dropdown"]
    hidden = [s for s in segments if not s["is_visible_to_follower"]]
    assert [s["text"] for s in hidden] == ["Internal score"]
    option_ids = [o["id"] for s in segments for o in s["options"]]
    assert len(option_ids) == len(set(option_ids))
    assert {s["id"] for s in segments if s["is_required"]} == {1, 3}


def test_levels(client):
    levels = client.get(f"{STORE}/membership-level").json()
    assert [(lv["name"], lv["points"]) for lv in levels] == [
        ("Bronze", 0),
        ("Silver", 1000),
        ("Gold", 5000),
    ]


def test_store_coupons_active_and_inactive(client):
    active = {c["code"] for c in client.get(f"{STORE}/coupons").json()}
    assert COUPON_PCT10 in active
    assert COUPON_EXPIRED15 not in active
    assert COUPON_FUTURE5 not in active
    everything = client.get(f"{STORE}/coupons", params={"alsoInactive": "true"}).json()
    assert {COUPON_EXPIRED15, COUPON_FUTURE5} <= {c["code"] for c in everything}
    assert len(everything) == 9


def test_store_stamp_cards(client):
    cards = client.get(f"{STORE}/stamp-cards").json()
    assert [c["id"] for c in cards] == [101, 102, 103]
    basket = cards[2]
    assert basket["card_type"] == "threshold"
    assert basket["threshold_amount"] == 500
    assert "stamps_collected" not in basket


def test_unseeded_sandbox_keeps_the_store_but_no_members(clock):
    sb = Sandbox(seed=False, clock=clock)
    store = sb.state.stores[SEED_STORE_ID]
    assert store.departments
    assert store.members == {}
    assert store.coupons == {}
    assert store.stamp_cards == {}


def test_reset_restores_the_seed(sb, client):
    client.post(f"{STORE}/departments", json={"name": "Temp"})
    with sb.inject(error_rate=0.5):
        pass
    sb.faults.latency = 0.5
    sb.reset()
    assert len(client.get(f"{STORE}/departments").json()) == 2  # token still valid
    assert sb.faults.latency == 0
    assert [r.operation_id for r in sb.requests] == ["getDepartments"]
