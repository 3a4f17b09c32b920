"""The "Redeem a voucher" page in admin: look a voucher up, validate it with the amount spent, or
void it, against the embedded sandbox, with every failure said plainly to staff."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse

from django_diller.coupontools import connection, redeem
from django_diller.coupontools.models import VoucherRule
from django_diller.coupontools.sandbox import (
    SANDBOX_TILL_CLIENT_ID,
    SEED_VOUCHER_AMOUNT,
    SEED_VOUCHER_CUSTOM,
    SEED_VOUCHER_EXPIRED,
    SEED_VOUCHER_LOCKED,
    SEED_VOUCHER_MIXED_CASE,
    SEED_VOUCHER_PERCENT,
    SEED_VOUCHER_VALIDATED,
    SEED_VOUCHER_VOIDED,
)
from django_diller.coupontools.sandbox.page import session_row

pytestmark = pytest.mark.django_db
REDEEM = "admin:coupontools_redeem"


def post(client, **data):
    return client.post(reverse(REDEEM), data)


def text(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def row(sandbox, session_id):
    return session_row(sandbox.session(session_id), datetime.now(UTC))


# Look-up ---------------------------------------------------------------------------------------


def test_the_page_asks_for_a_code(admin_client, coupontools):
    response = admin_client.get(reverse(REDEEM))
    assert response.status_code == 200
    assert "Find a voucher" in text(response)
    assert 'id="coupontools-off"' not in text(response)


def test_a_pasted_link_shows_the_voucher_ready_to_redeem(admin_client, coupontools):
    link = f" https://DIGICPN.com/p/gk50kr/{SEED_VOUCHER_AMOUNT[:7]} {SEED_VOUCHER_AMOUNT[7:]}\n"
    response = post(admin_client, op="lookup", code=link)
    voucher = response.context["voucher"]
    assert voucher.status == "usable" and voucher.can_validate and voucher.can_void
    assert str(voucher.value) == "50.00"
    page = text(response)
    assert "Ready to redeem" in page and "gk50kr" in page and "cam_7000101" in page
    assert 'id="coupontools-validate"' in page and 'id="coupontools-void"' in page
    # The code is shown masked; only the hidden fields of the next step carry it whole.
    assert f"Voucher {SEED_VOUCHER_AMOUNT[:4]}…" in page
    assert page.count(SEED_VOUCHER_AMOUNT) == 2
    assert coupontools.requests[-1].operation_id == "couponsession_data"


def test_a_code_with_capitals_is_looked_up_as_typed(admin_client, coupontools):
    response = post(admin_client, op="lookup", code=SEED_VOUCHER_MIXED_CASE)
    assert response.context["voucher"].status == "usable"
    response = post(admin_client, op="lookup", code=SEED_VOUCHER_MIXED_CASE.lower())
    assert response.context["voucher"] is None
    assert messages_of(response) == ["Coupontools has no voucher with this code (error 513)."]


def test_the_value_comes_from_the_value_field_when_configured(admin_client):
    settings = {"SANDBOX": True, "SANDBOX_WITHOUT_DEBUG": True, "VALUE_FIELD": "custom1"}
    with override_settings(COUPONTOOLS=settings):
        voucher = post(admin_client, op="lookup", code=SEED_VOUCHER_CUSTOM).context["voucher"]
        assert str(voucher.value) == "75.00"
        # A voucher whose custom field is empty keeps its own value.
        voucher = post(admin_client, op="lookup", code=SEED_VOUCHER_PERCENT).context["voucher"]
        assert str(voucher.value) == "10%"


def test_a_voucher_without_a_value_says_so_and_shows_its_rule(admin_client, coupontools):
    VoucherRule.objects.create(
        campaign="cam_7000103", title="Club voucher", kind="amount", value=Decimal("75")
    )
    response = post(admin_client, op="lookup", code=SEED_VOUCHER_CUSTOM)
    voucher = response.context["voucher"]
    assert voucher.value is None
    assert voucher.value_problem == "Coupontools keeps no value for this voucher."
    assert voucher.rule.title == "Club voucher"
    assert "Club voucher: 75.00" in text(response)


@pytest.mark.parametrize(
    ("session_id", "status", "message"),
    [
        (SEED_VOUCHER_VALIDATED, "validated", "This voucher was already used on"),
        (SEED_VOUCHER_VOIDED, "voided", "This voucher was voided."),
        (SEED_VOUCHER_EXPIRED, "expired", "This voucher expired on"),
        (SEED_VOUCHER_LOCKED, "locked", "This voucher is locked: a checkout is paying with it."),
    ],
)
def test_a_voucher_that_cannot_be_used_says_why(
    admin_client, coupontools, session_id, status, message
):
    response = post(admin_client, op="lookup", code=session_id)
    voucher = response.context["voucher"]
    assert voucher.status == status and not voucher.can_validate
    assert messages_of(response)[0].startswith(message)
    assert 'id="coupontools-validate"' not in text(response)


def test_a_used_voucher_shows_when_and_how_much(admin_client, coupontools):
    response = post(admin_client, op="lookup", code=SEED_VOUCHER_VALIDATED)
    assert response.context["voucher"].money_spent == "NOK 349.00"  # the shop's currency
    assert "NOK 349.00 spent" in text(response)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("ab", "This is too short or too long for a voucher code."),
        ("demo-50kr", "A voucher code has only letters and digits."),
        ("https://digicpn.com/q/x", "This link is not a voucher's link."),
        ("nosuchvoucher1", "Coupontools has no voucher with this code (error 513)."),
    ],
)
def test_a_wrong_code_is_said_plainly(admin_client, coupontools, code, message):
    response = post(admin_client, op="lookup", code=code)
    assert response.status_code == 200
    assert messages_of(response) == [message]
    assert response.context["voucher"] is None


def test_an_empty_code_is_a_form_error(admin_client, coupontools):
    response = post(admin_client, op="lookup", code="")
    assert response.context["lookup_form"].errors["code"]
    assert len(coupontools.requests) == 0


# Validate and void -----------------------------------------------------------------------------


def test_validate_with_the_amount_spent(admin_client, coupontools, caplog):
    caplog.set_level(logging.INFO, logger="django_diller.coupontools")
    response = post(admin_client, op="validate", code=SEED_VOUCHER_AMOUNT, money_spent="499.5")
    assert messages_of(response) == ["The voucher is validated: it is used now."]
    voucher = response.context["voucher"]
    assert voucher.status == "validated"
    assert row(coupontools, SEED_VOUCHER_AMOUNT)["state"] == "validated"
    assert row(coupontools, SEED_VOUCHER_AMOUNT)["money_spent"] == "499.500"
    update = coupontools.requests_for("couponsession_update")[-1]
    assert update.json["money_spent"] == "499.500" and update.json["action"] == "validate"
    assert "Already used" in text(response)
    assert SEED_VOUCHER_AMOUNT not in caplog.text and f"{SEED_VOUCHER_AMOUNT[:4]}…" in caplog.text


def test_validate_a_whole_amount(admin_client, coupontools):
    post(admin_client, op="validate", code=SEED_VOUCHER_AMOUNT, money_spent="349")
    assert row(coupontools, SEED_VOUCHER_AMOUNT)["money_spent"] == "349.000"


def test_validate_without_an_amount(admin_client, coupontools):
    response = post(admin_client, op="validate", code=SEED_VOUCHER_AMOUNT, money_spent="")
    assert response.context["voucher"].status == "validated"
    assert coupontools.session(SEED_VOUCHER_AMOUNT).money_spent is None
    assert "money_spent" not in coupontools.requests_for("couponsession_update")[-1].json


def test_a_wrong_amount_is_a_form_error_and_nothing_is_sent(admin_client, coupontools):
    response = post(admin_client, op="validate", code=SEED_VOUCHER_AMOUNT, money_spent="-1")
    assert response.context["validate_form"].errors["money_spent"]
    assert response.context["voucher"].status == "usable"
    assert coupontools.requests_for("couponsession_update") == []


def test_a_used_voucher_is_never_validated_twice(admin_client, coupontools):
    response = post(admin_client, op="validate", code=SEED_VOUCHER_VALIDATED, money_spent="10")
    assert messages_of(response)[0].startswith("This voucher was already used on")
    assert coupontools.requests_for("couponsession_update") == []
    assert coupontools.session(SEED_VOUCHER_VALIDATED).money_spent == Decimal("349.000")


def test_a_voucher_locked_by_a_checkout_is_not_validated(admin_client, coupontools):
    response = post(admin_client, op="validate", code=SEED_VOUCHER_LOCKED, money_spent="10")
    assert messages_of(response)[0].startswith("This voucher is locked")
    assert coupontools.session(SEED_VOUCHER_LOCKED).validated is None


def test_a_voucher_used_meanwhile_is_refused_with_its_state(coupontools, monkeypatch):
    seen = redeem.look_up(SEED_VOUCHER_AMOUNT)
    # The till validates it after the page looked it up, before staff press "Validate".
    coupontools.session(SEED_VOUCHER_AMOUNT).validate(
        SANDBOX_TILL_CLIENT_ID, datetime.now(UTC), None
    )
    monkeypatch.setattr(redeem, "look_up", lambda text: seen)
    with pytest.raises(redeem.RedeemRefused, match="already used") as refused:
        redeem.validate(SEED_VOUCHER_AMOUNT, Decimal("10"))
    assert refused.value.view.status == "validated"


def test_void(admin_client, coupontools):
    response = post(admin_client, op="void", code=SEED_VOUCHER_AMOUNT)
    assert messages_of(response) == ["The voucher is voided: it cannot be used any more."]
    assert response.context["voucher"].status == "voided"
    assert row(coupontools, SEED_VOUCHER_AMOUNT)["state"] == "voided"


def test_a_used_voucher_cannot_be_voided(admin_client, coupontools):
    response = post(admin_client, op="void", code=SEED_VOUCHER_VALIDATED)
    assert messages_of(response)[0].startswith("This voucher was already used on")
    assert coupontools.requests_for("couponsession_update") == []


def test_a_voucher_another_till_holds_cannot_be_voided(admin_client, coupontools):
    response = post(admin_client, op="void", code=SEED_VOUCHER_LOCKED)
    assert messages_of(response)[0].startswith("This voucher is locked")
    assert coupontools.session(SEED_VOUCHER_LOCKED).voided is None


# Coupontools failing ---------------------------------------------------------------------------


def test_refused_credentials_are_error_1000_for_staff(admin_client, coupontools):
    coupontools.auth.revoke_all()
    response = post(admin_client, op="lookup", code=SEED_VOUCHER_AMOUNT)
    [message] = messages_of(response)
    assert "error 1000, authentication failed" in message
    assert "CLIENT_SECRET" in message and "demo-coupontools-secret" not in message


def test_coupontools_down(admin_client):
    settings = {"SANDBOX": True, "SANDBOX_WITHOUT_DEBUG": True, "RETRY_ATTEMPTS": 1}
    with override_settings(COUPONTOOLS=settings):
        connection.embedded_sandbox().fail_next(1, 503)
        response = post(admin_client, op="lookup", code=SEED_VOUCHER_AMOUNT)
    assert messages_of(response) == [
        "Coupontools cannot be reached right now: try again in a moment."
    ]


def test_a_missing_parameter_points_at_the_settings(admin_client):
    settings = {"SANDBOX": True, "SANDBOX_WITHOUT_DEBUG": True, "SESSION_PARAMETER": "session"}
    with override_settings(COUPONTOOLS=settings):
        response = post(admin_client, op="lookup", code=SEED_VOUCHER_AMOUNT)
    [message] = messages_of(response)
    assert "error 200" in message and "SESSION_PARAMETER" in message


def test_not_configured(admin_client):
    with override_settings(COUPONTOOLS={}):
        response = admin_client.get(reverse(REDEEM))
        assert 'id="coupontools-off"' in text(response)
        response = post(admin_client, op="lookup", code=SEED_VOUCHER_AMOUNT)
    assert messages_of(response) == ["Coupontools is not configured: see manage.py check."]


@pytest.mark.parametrize(
    ("error", "message"),
    [
        ("timeout", "Coupontools did not answer in time"),
        ("response", "Coupontools' answer could not be read (data.status)."),
        ("invalid", "Coupontools refused a character in the code or the amount (error 301)."),
        ("other", "Coupontools refused (error 599)."),
    ],
)
def test_every_other_failure_has_a_message(error, message):
    from django_diller.coupontools import api

    errors = {
        "timeout": api.CoupontoolsTimeout("x"),
        "response": api.CoupontoolsResponseError("x", field="data.status"),
        "invalid": api.CoupontoolsInvalidCharacter("x", error_code=301),
        "other": api.CoupontoolsRefused("x", error_code=599),
    }
    assert redeem.describe_error(errors[error]).startswith(message)


# Who may --------------------------------------------------------------------------------------


def test_staff_with_the_permission_redeem_and_find_the_page_in_the_index(
    redeemer_client, coupontools
):
    index = redeemer_client.get(reverse("admin:index"))
    assert reverse(REDEEM) in text(index) and "Redeem a voucher" in text(index)
    response = post(redeemer_client, op="validate", code=SEED_VOUCHER_AMOUNT, money_spent="10")
    assert response.context["voucher"].status == "validated"


def test_staff_without_the_permission_may_not(client, django_user_model, coupontools):
    user = django_user_model.objects.create_user(
        "clerk@example.com", "clerk@example.com", "pw", is_staff=True
    )
    client.force_login(user)
    assert client.get(reverse(REDEEM)).status_code == 403
    assert post(client, op="void", code=SEED_VOUCHER_AMOUNT).status_code == 403
    assert coupontools.session(SEED_VOUCHER_AMOUNT).voided is None
    assert reverse(REDEEM) not in text(client.get(reverse("admin:index")))


def test_shoppers_are_sent_to_the_login(client, django_user_model, coupontools):
    user = django_user_model.objects.create_user("kari@example.com", "kari@example.com", "pw")
    client.force_login(user)
    response = post(client, op="void", code=SEED_VOUCHER_AMOUNT)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert coupontools.session(SEED_VOUCHER_AMOUNT).voided is None
