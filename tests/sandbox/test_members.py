"""Members: search, register, enroll, update, delete."""

from __future__ import annotations

import pytest

from django_diller.sandbox import (
    SEED_DEPARTMENT_ID,
    SEED_MEMBER_EMAIL,
    SEED_MEMBER_ID,
    SEED_MEMBER_IDENTIFIER,
    SEED_STORE_ID,
    SEGMENT_BREW_METHOD,
    SEGMENT_FAVOURITE_COFFEE,
    SEGMENT_INTERESTS,
)

STORE = f"/api/v2.0/stores/{SEED_STORE_ID}"
MEMBER = f"{STORE}/members/{SEED_MEMBER_ID}"


def search(client, **params):
    return client.get(f"{STORE}/members/search", params=params)


@pytest.mark.parametrize(
    "phone",
    ["91234567", "912 34 567", "912-34-567", "+4791234567", "+47 912 34 567", "004791234567",
     "4791234567"],
)  # fmt: skip
def test_search_by_phone_forms(client, phone):
    response = search(client, phone=phone)
    assert response.status_code == 200
    assert [m["id"] for m in response.json()] == [SEED_MEMBER_ID]


def test_search_by_swedish_number(client, register):
    member = register("701234567", phone={"country_code": "+46", "number": "070-123 45 67"})
    assert member["phone"] == {"country_code": "+46", "number": "701234567"}
    assert [m["id"] for m in search(client, phone="+46701234567").json()] == [member["id"]]
    assert [m["id"] for m in search(client, phone="0046 70 123 45 67").json()] == [member["id"]]
    # National input is read in the store's country (Norway): not this member.
    assert search(client, phone="0701234567").json() == []


def test_search_by_email_is_case_insensitive(client):
    found = search(client, email=SEED_MEMBER_EMAIL.upper()).json()
    assert [m["id"] for m in found] == [SEED_MEMBER_ID]


def test_search_by_identifier_and_activation_token(sb, client):
    assert [m["id"] for m in search(client, identifierValue=SEED_MEMBER_IDENTIFIER).json()] == [
        SEED_MEMBER_ID
    ]
    enrolled = client.post(
        f"{STORE}/members/enroll",
        json={"phone": {"country_code": "+47", "number": "45000001"}, "department_id": "dept-oslo"},
    ).json()
    token = sb.state.stores[SEED_STORE_ID].members[enrolled["id"]].activation_token
    assert [m["id"] for m in search(client, activationToken=token).json()] == [enrolled["id"]]


def test_search_no_match_is_empty_list(client):
    assert search(client, phone="99999999").json() == []
    assert search(client, email="nobody@example.com").json() == []
    assert search(client, phone="123").json() == []  # cannot exist: no match, not an error


@pytest.mark.parametrize(
    "params",
    [{}, {"phone": "91234567", "email": SEED_MEMBER_EMAIL}, {"phone": ""}],
)
def test_search_needs_exactly_one_key(client, params):
    response = search(client, **params)
    assert response.status_code == 400
    problem = response.json()
    assert problem["status"] == 400
    assert problem["errors"]
    if len(params) == 2:
        assert set(problem["errors"]) == {"phone", "email"}


def test_search_phone_with_letters_is_400(client):
    response = search(client, phone="call me")
    assert response.status_code == 400
    assert "phone" in response.json()["errors"]


def test_member_response_shape(client):
    member = client.get(MEMBER).json()
    assert member["gender"] == "Female"
    assert member["consent"] == {
        "gdpr_accepted": True,
        "save_order_history": True,
        "receive_sms": True,
        "receive_email": True,
    }
    detail = member["membership_detail"]
    assert detail["points"] == 1250
    assert detail["remaining_points"] == 1250
    assert detail["level_title"] == "Silver"
    assert detail["next_level_title"] == "Gold"
    assert detail["next_level_points"] == 3750
    assert detail["level_expire_date"].endswith("Z")
    brew = next(s for s in member["segments"] if s["id"] == SEGMENT_BREW_METHOD)
    assert brew["type"] == "Radio"
    assert brew["text"] == "How do you brew?"
    assert brew["selected_options"] == [31]


def test_register(sb, client, register):
    member = register(
        "98765432",
        first_name="Ola",
        last_name="Nordmann",
        email="ola@example.com",
        birth_date="1990-05-01T00:00:00Z",
        gender="Male",
        address={"street": "Gate 1", "city": "Bergen", "zip_code": "5003", "country_code": "NO"},
        department_ids=[SEED_DEPARTMENT_ID],
        origin={"system_id": "django-diller", "channel": "OnlineStore"},
        segments=[
            {"segment_id": SEGMENT_FAVOURITE_COFFEE, "value": "Espresso"},
            {"segment_id": SEGMENT_INTERESTS, "selected_options": [41, 43]},
        ],
    )
    assert member["phone"] == {"country_code": "+47", "number": "98765432"}
    assert member["department_ids"] == [SEED_DEPARTMENT_ID]
    assert member["consent"]["gdpr_accepted"] is True
    assert member["membership_detail"]["points"] == 100  # follower_signup_points
    assert {s["id"]: s.get("value") or s.get("selected_options") for s in member["segments"]} == {
        SEGMENT_FAVOURITE_COFFEE: "Espresso",
        SEGMENT_INTERESTS: [41, 43],
    }
    welcome = sb.messages[-1]
    assert (welcome.kind, welcome.channel, welcome.to) == ("welcome", "sms", "+4798765432")
    assert welcome.member_id == member["id"]
    assert client.get(f"{STORE}/members/{member['id']}").json()["email"] == "ola@example.com"


def test_register_without_consent_defaults(client, register):
    member = register("98765433", consent={"gdpr_accepted": False})
    assert member["gender"] == "NotShared"
    assert member["membership_detail"]["points"] == 0
    assert member["consent"]["gdpr_accepted"] is False


def test_register_duplicate_phone_and_email_is_409(client, register):
    for number in ("91234567", "+47 912 34 567"):
        response = client.post(
            f"{STORE}/members", json={"phone": {"country_code": "+47", "number": number}}
        )
        assert response.status_code == 409
        assert "phone" in response.json()["errors"]
    response = client.post(
        f"{STORE}/members",
        json={
            "phone": {"country_code": "+47", "number": "98765434"},
            "email": SEED_MEMBER_EMAIL.upper(),
        },
    )
    assert response.status_code == 409
    assert "email" in response.json()["errors"]


def test_register_duplicate_identifier_is_409(client):
    response = client.post(
        f"{STORE}/members",
        json={
            "phone": {"country_code": "+47", "number": "98765435"},
            "additional_identifiers": [SEED_MEMBER_IDENTIFIER],
        },
    )
    assert response.status_code == 409
    assert "additional_identifiers" in response.json()["errors"]


@pytest.mark.parametrize(
    ("segments", "reason"),
    [
        ([{"segment_id": 99, "value": "x"}], "unknown segment"),
        ([{"segment_id": SEGMENT_BREW_METHOD, "selected_options": [41]}], "do not belong"),
        ([{"segment_id": SEGMENT_BREW_METHOD, "selected_options": [31, 32]}], "one option"),
        ([{"segment_id": 2, "value": "not a date"}], "ISO 8601"),
    ],
)
def test_register_bad_segments_is_400(client, segments, reason):
    response = client.post(
        f"{STORE}/members",
        json={"phone": {"country_code": "+47", "number": "98765436"}, "segments": segments},
    )
    assert response.status_code == 400
    assert reason in response.json()["errors"]["segments"][0]


def test_register_does_not_enforce_required_segments(register):
    assert register("98765437")["segments"] == []


def test_register_invalid_phone_and_department(client):
    response = client.post(
        f"{STORE}/members", json={"phone": {"country_code": "+47", "number": "123"}}
    )
    assert response.status_code == 400
    assert "phone.number" in response.json()["errors"]
    response = client.post(
        f"{STORE}/members",
        json={"phone": {"country_code": "+47", "number": "98765438"}, "department_ids": ["x"]},
    )
    assert response.status_code == 400
    assert "department_ids" in response.json()["errors"]


def test_enroll_sends_link_and_resends_until_gdpr(sb, client):
    body = {
        "phone": {"country_code": "+47", "number": "45 00 00 02"},
        "department_id": "dept-oslo",
        "additional_info": {"first_name": "Per", "email": "per@example.com"},
    }
    member = client.post(f"{STORE}/members/enroll", json=body).json()
    assert member["consent"]["gdpr_accepted"] is False
    assert member["department_ids"] == ["dept-oslo"]
    assert member["first_name"] == "Per"
    stored = sb.state.stores[SEED_STORE_ID].members[member["id"]]
    link = sb.messages[-1]
    assert link.kind == "enroll_link"
    assert link.to == "+4745000002"
    assert f"?token={stored.activation_token}" in link.text

    again = client.post(f"{STORE}/members/enroll", json=body)
    assert again.status_code == 200
    assert again.json()["id"] == member["id"]
    assert [m.kind for m in sb.messages].count("enroll_link") == 2

    client.put(f"{STORE}/members/{member['id']}", json={"consent": {"gdpr_accepted": True}})
    count = len(sb.messages)
    third = client.post(f"{STORE}/members/enroll", json=body)
    assert third.status_code == 200
    assert third.json()["consent"]["gdpr_accepted"] is True
    assert len(sb.messages) == count  # a full member gets no link


def test_enroll_existing_full_member_sends_nothing(sb, client):
    body = {"phone": {"country_code": "+47", "number": "91234567"}, "department_id": "dept-oslo"}
    response = client.post(f"{STORE}/members/enroll", json=body)
    assert response.json()["id"] == SEED_MEMBER_ID
    assert sb.messages == []


def test_enroll_requires_department(client):
    response = client.post(
        f"{STORE}/members/enroll", json={"phone": {"country_code": "+47", "number": "45000003"}}
    )
    assert response.status_code == 400
    assert "department_id" in response.json()["errors"]


def test_update_replaces_given_fields(client):
    response = client.put(
        MEMBER,
        json={
            "first_name": "Kari Anne",
            "consent": {"receive_sms": False},
            "segments": [
                {"segment_id": SEGMENT_FAVOURITE_COFFEE, "value": "Sidamo"},
                {"segment_id": SEGMENT_INTERESTS, "selected_options": []},
            ],
        },
    )
    assert response.status_code == 200
    member = response.json()
    assert member["first_name"] == "Kari Anne"
    assert member["last_name"] == "Nordmann"  # untouched
    assert member["consent"]["receive_sms"] is False
    assert member["consent"]["receive_email"] is True
    answers = {s["id"]: s for s in member["segments"]}
    assert answers[SEGMENT_FAVOURITE_COFFEE]["value"] == "Sidamo"
    assert SEGMENT_INTERESTS not in answers  # cleared
    assert SEGMENT_BREW_METHOD in answers  # kept


def test_update_email_of_another_member_is_409(client, register):
    other = register("98765439", email="other@example.com")
    response = client.put(f"{STORE}/members/{other['id']}", json={"email": SEED_MEMBER_EMAIL})
    assert response.status_code == 409
    assert "email" in response.json()["errors"]


def test_delete_hides_then_purges(sb, client, anon, clock, token_for):
    response = client.delete(MEMBER)
    assert response.json()["is_ok"] is True
    assert client.get(MEMBER).status_code == 404
    assert client.delete(MEMBER).status_code == 404
    assert client.get(f"{STORE}/members/search", params={"phone": "91234567"}).json() == []
    members = sb.state.stores[SEED_STORE_ID].members
    assert members[SEED_MEMBER_ID].deleted_at == clock.now
    clock.advance(days=10)
    client.headers["Authorization"] = f"Bearer {token_for(anon)}"  # the old one expired
    assert client.get("/api/v2.0/stores").status_code == 200
    assert SEED_MEMBER_ID not in members


def test_deleted_members_phone_can_register_again(client, register):
    client.delete(MEMBER)
    assert register("91234567")["id"] != SEED_MEMBER_ID


def test_unknown_member_and_store_are_404(client):
    assert client.get(f"{STORE}/members/nobody").status_code == 404
    response = client.get("/api/v2.0/stores/nowhere/members/nobody")
    assert response.status_code == 404
    assert "nowhere" in response.json()["detail"]
