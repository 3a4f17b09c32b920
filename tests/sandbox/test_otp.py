"""Login by one-time code and phone change."""

from __future__ import annotations

import pytest

from django_diller.sandbox import SEED_MEMBER_ID, SEED_STORE_ID

STORE = f"/api/v2.0/stores/{SEED_STORE_ID}"
MEMBER = f"{STORE}/members/{SEED_MEMBER_ID}"


def send_code(client):
    response = client.post(f"{MEMBER}/login-otp")
    assert response.json()["is_ok"] is True


def verify(client, code):
    return client.post(f"{MEMBER}/login-otp-verification", json={"otp_code": code}).json()


def test_right_code_once(sb, client):
    send_code(client)
    message = sb.messages[-1]
    assert (message.kind, message.channel, message.to) == ("login_otp", "sms", "+4791234567")
    code = sb.last_otp(SEED_MEMBER_ID)
    assert code == message.code
    assert 100000 <= code <= 999999
    assert str(code) in message.text
    assert verify(client, code)["is_ok"] is True
    assert verify(client, code)["is_ok"] is False  # used


def test_wrong_code(sb, client):
    send_code(client)
    code = sb.last_otp(SEED_MEMBER_ID)
    result = verify(client, code + 1 if code < 999999 else code - 1)
    assert result["is_ok"] is False
    assert "Wrong code" in result["details"]
    assert verify(client, code)["is_ok"] is True


def test_expired_code(sb, client, clock):
    send_code(client)
    code = sb.last_otp(SEED_MEMBER_ID)
    clock.advance(minutes=5)
    result = verify(client, code)
    assert result["is_ok"] is False
    assert "expired" in result["details"]


def test_five_wrong_tries_void_the_code(sb, client):
    send_code(client)
    code = sb.last_otp(SEED_MEMBER_ID)
    wrong = 100000 if code != 100000 else 100001
    for _ in range(5):
        assert verify(client, wrong)["is_ok"] is False
    assert verify(client, code)["is_ok"] is False


def test_new_code_replaces_old(sb, client):
    send_code(client)
    first = sb.last_otp(SEED_MEMBER_ID)
    send_code(client)
    second = sb.last_otp(SEED_MEMBER_ID)
    if first != second:
        assert verify(client, first)["is_ok"] is False
    assert verify(client, second)["is_ok"] is True


def test_no_code_sent(client):
    assert verify(client, 123456)["is_ok"] is False


def test_verification_needs_a_code(client):
    response = client.post(f"{MEMBER}/login-otp-verification", json={})
    assert response.status_code == 400
    assert "otp_code" in response.json()["errors"]


def test_reset_phone(sb, client):
    new_phone = {"country_code": "+47", "number": "40000001"}
    assert client.post(f"{MEMBER}/reset-phone", json=new_phone).json()["is_ok"] is True
    message = sb.messages[-1]
    assert (message.kind, message.to) == ("reset_phone_otp", "+4740000001")
    code = sb.last_otp(SEED_MEMBER_ID)
    wrong = client.post(
        f"{MEMBER}/reset-phone-verification",
        json={"phone": new_phone, "otp_code": 100000 if code != 100000 else 100001},
    ).json()
    assert wrong["is_ok"] is False
    ok = client.post(
        f"{MEMBER}/reset-phone-verification", json={"phone": new_phone, "otp_code": code}
    ).json()
    assert ok["is_ok"] is True
    assert client.get(MEMBER).json()["phone"] == new_phone
    search = client.get(f"{STORE}/members/search", params={"phone": "40000001"}).json()
    assert [m["id"] for m in search] == [SEED_MEMBER_ID]


def test_reset_phone_to_a_taken_number(sb, client, register):
    taken = {"country_code": "+47", "number": "40000002"}
    assert client.post(f"{MEMBER}/reset-phone", json=taken).json()["is_ok"] is True
    code = sb.last_otp(SEED_MEMBER_ID)
    register("40000002")  # someone takes it meanwhile
    result = client.post(
        f"{MEMBER}/reset-phone-verification", json={"phone": taken, "otp_code": code}
    ).json()
    assert result["is_ok"] is False
    assert "another member" in result["details"]
    assert client.post(f"{MEMBER}/reset-phone", json=taken).json()["is_ok"] is False


@pytest.mark.parametrize("digits", [4, 5, 8, 9])
def test_codes_of_another_length(sb, client, digits):
    sb.settings.members.otp_digits = digits
    send_code(client)
    code = sb.last_otp(SEED_MEMBER_ID)
    assert len(str(code)) == digits
    assert str(code) in sb.messages[-1].text
    assert verify(client, code)["is_ok"] is True
