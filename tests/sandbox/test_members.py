"""Members: search, register, enroll, update, delete."""

from __future__ import annotations

import dataclasses

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


@pytest.mark.parametrize("status", [409, 400])
def test_enroll_may_refuse_a_phone_a_member_holds(sb, client, status):
    """The contract leaves open what enrolling a member's phone answers: the member (above),
    or a problem naming the phone, as a registration would."""
    sb.settings.members.enroll_existing = "refuse"
    sb.settings.members.duplicate_phone_status = status
    body = {"phone": {"country_code": "+47", "number": "91234567"}, "department_id": "dept-oslo"}
    response = client.post(f"{STORE}/members/enroll", json=body)
    assert response.status_code == status
    assert "phone" in response.json()["errors"]
    assert sb.messages == []
    # a record that never joined is still texted its link again
    enrolled = {
        "phone": {"country_code": "+47", "number": "45000009"},
        "department_id": "dept-oslo",
    }
    assert client.post(f"{STORE}/members/enroll", json=enrolled).status_code == 200
    assert client.post(f"{STORE}/members/enroll", json=enrolled).status_code == 200
    assert [m.kind for m in sb.messages] == ["enroll_link", "enroll_link"]


def test_the_enroll_sms_invites_and_links_the_configured_activation_page(sb, client):
    sb.settings = dataclasses.replace(sb.settings, activation_url="/loyalty/activate/")
    body = {"phone": {"country_code": "+47", "number": "45000010"}, "department_id": "dept-oslo"}
    member = client.post(f"{STORE}/members/enroll", json=body).json()
    token = sb.state.stores[SEED_STORE_ID].members[member["id"]].activation_token
    (sms,) = sb.messages
    assert f"/loyalty/activate/?token={token}" in sms.text
    assert "invited to join" in sms.text
    assert "You are now a member" not in sms.text


@pytest.mark.parametrize("tokens", ["kept", "cleared"])
def test_an_activation_token_after_joining_finds_the_member_or_nobody(sb, client, tokens):
    sb.settings.members.tokens_after_joining = tokens
    body = {"phone": {"country_code": "+47", "number": "45000011"}, "department_id": "dept-oslo"}
    member = client.post(f"{STORE}/members/enroll", json=body).json()
    token = sb.state.stores[SEED_STORE_ID].members[member["id"]].activation_token
    assert len(search(client, activationToken=token).json()) == 1
    client.put(f"{STORE}/members/{member['id']}", json={"consent": {"gdpr_accepted": True}})
    found = search(client, activationToken=token).json()
    assert len(found) == (1 if tokens == "kept" else 0)


def test_member_options_refuse_unknown_answers(sb):
    with pytest.raises(ValueError):
        sb.settings.members.enroll_existing = "maybe"
    with pytest.raises(ValueError):
        sb.settings.members.tokens_after_joining = "forgotten"


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


# answers the contract leaves open -----------------------------------------------------------


def test_merge_is_the_default_and_reset_keeps_the_chosen_answers(sb):
    options = sb.settings.members
    assert (options.updates, options.duplicate_phone_status, options.otp_digits) == (
        "merge",
        409,
        6,
    )
    options.updates = "replace"
    sb.reset()
    assert sb.settings.members.updates == "replace"


@pytest.mark.parametrize(
    ("name", "value"),
    [("updates", "patch"), ("duplicate_phone_status", 422), ("otp_digits", 3),
     ("otp_digits", 10)],
)  # fmt: skip
def test_member_options_refuse_answers_the_sandbox_cannot_give(sb, name, value):
    with pytest.raises(ValueError, match=name):
        setattr(sb.settings.members, name, value)


def test_replace_makes_the_member_what_was_sent(sb, client):
    sb.settings.members.updates = "replace"
    response = client.put(
        MEMBER,
        json={
            "first_name": "Kari Anne",
            "consent": {"receive_sms": False, "receive_email": True},
            "segments": [{"segment_id": SEGMENT_FAVOURITE_COFFEE, "value": "Sidamo"}],
        },
    )
    assert response.status_code == 200
    member = response.json()
    assert member["first_name"] == "Kari Anne"
    for cleared in ("last_name", "email", "birth_date", "address"):
        assert cleared not in member
    assert member["additional_identifiers"] == []
    assert member["department_ids"] == []
    assert member["gender"] == "NotShared"
    # the consent object is replaced: flags not sent are false, the terms acceptance included
    assert member["consent"] == {
        "gdpr_accepted": False,
        "save_order_history": False,
        "receive_sms": False,
        "receive_email": True,
    }
    assert [(s["id"], s["value"]) for s in member["segments"]] == [
        (SEGMENT_FAVOURITE_COFFEE, "Sidamo")
    ]
    # what the request cannot carry stays
    assert member["phone"] == {"country_code": "+47", "number": "91234567"}
    assert member["membership_detail"]["points"] == 1250
    assert search(client, identifierValue=SEED_MEMBER_IDENTIFIER).json() == []


def test_replace_without_a_consent_object_withdraws_every_consent(sb, client):
    sb.settings.members.updates = "replace"
    member = client.put(MEMBER, json={"first_name": "Kari"}).json()
    assert set(member["consent"].values()) == {False}


def test_replace_still_validates_before_changing_anything(sb, client, register):
    other = register("98765440", email="other@example.com")
    sb.settings.members.updates = "replace"
    response = client.put(
        f"{STORE}/members/{other['id']}",
        json={"first_name": "X", "email": SEED_MEMBER_EMAIL, "consent": {"gdpr_accepted": True}},
    )
    assert response.status_code == 409
    unchanged = client.get(f"{STORE}/members/{other['id']}").json()
    assert unchanged["email"] == "other@example.com"
    assert "first_name" not in unchanged


def test_replace_accepting_the_terms_earns_the_signup_points_once(sb, client):
    enrolled = client.post(
        f"{STORE}/members/enroll",
        json={"phone": {"country_code": "+47", "number": "45000009"}, "department_id": "dept-oslo"},
    ).json()
    sb.settings.members.updates = "replace"
    url = f"{STORE}/members/{enrolled['id']}"
    body = {"consent": {"gdpr_accepted": True}, "department_ids": ["dept-oslo"]}
    assert client.put(url, json=body).json()["membership_detail"]["points"] == 100
    assert client.put(url, json=body).json()["membership_detail"]["points"] == 100


@pytest.mark.parametrize("status", [409, 400])
def test_registering_a_taken_phone_answers_the_chosen_status(sb, client, status):
    sb.settings.members.duplicate_phone_status = status
    response = client.post(
        f"{STORE}/members", json={"phone": {"country_code": "+47", "number": "91234567"}}
    )
    assert response.status_code == status
    problem = response.json()
    assert problem["status"] == status
    assert problem["errors"]["phone"] == ["A member with this phone number already exists."]
    # a taken e-mail stays a 409 either way
    response = client.post(
        f"{STORE}/members",
        json={"phone": {"country_code": "+47", "number": "98765441"}, "email": SEED_MEMBER_EMAIL},
    )
    assert response.status_code == 409


def test_the_command_sets_the_member_answers(monkeypatch):
    pytest.importorskip("django")
    import io

    from django_diller.management.commands import diller_sandbox

    seen = {}

    def fake_serve(sandbox, host, port, *, ready, verbose):
        seen["sandbox"] = sandbox
        ready(f"http://{host}:{port}")
        raise KeyboardInterrupt

    monkeypatch.setattr(diller_sandbox, "serve_forever", fake_serve)
    out = io.StringIO()
    command = diller_sandbox.Command(stdout=out)
    parser = command.create_parser("manage.py", "diller_sandbox")
    argv = ["--member-updates", "replace", "--duplicate-phone-status", "400", "--otp-digits", "5"]
    command.handle(**vars(parser.parse_args(argv)))
    options = seen["sandbox"].settings.members
    assert (options.updates, options.duplicate_phone_status, options.otp_digits) == (
        "replace",
        400,
        5,
    )
    assert "updates replace, taken phone 400, 5-digit codes" in out.getvalue()
    with pytest.raises(diller_sandbox.CommandError, match="otp-digits"):
        command.handle(**vars(parser.parse_args(["--otp-digits", "12"])))
