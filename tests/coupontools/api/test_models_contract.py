"""The wire models have the contract's fields and required flags, read its examples, and read
Coupontools' "0"/"1" flags and empty dates carefully."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import BaseModel, ValidationError

from django_diller.coupontools.api import models as m
from django_diller.coupontools.openapi import load_spec

from .conftest import SESSION, example, session_answer

SPEC = load_spec()
SCHEMAS = SPEC["components"]["schemas"]
MODELS = {
    "SessionAnswer": m.CouponSession,
    "SessionData": m.SessionData,
    "SessionState": m.SessionState,
    "SessionCampaign": m.SessionCampaign,
    "UpdateAnswer": m.UpdateResult,
    "Status": m.AnswerStatus,
}


def _wire_names(model: type[BaseModel]) -> dict[str, bool]:
    """Each field's name on the wire, and whether it is required."""
    return {(info.alias or name): info.is_required() for name, info in model.model_fields.items()}


@pytest.mark.parametrize(("schema", "model"), MODELS.items())
def test_every_field_is_the_contracts_and_required_as_there(schema, model):
    names = _wire_names(model)
    assert set(names) <= set(SCHEMAS[schema]["properties"])
    assert {name for name, required in names.items() if required} == set(
        SCHEMAS[schema].get("required", [])
    )
    assert model.model_config["extra"] == "allow"


@pytest.mark.parametrize("name", ["SessionClaimed", "SessionValidated", "SessionLocked"])
def test_the_session_examples_are_read(name):
    session = m.CouponSession.model_validate(example(name))
    assert session.status.status == "OK"
    assert session.state.voided is False


def test_the_guides_example_reads_as_a_claimed_unused_voucher():
    session = m.CouponSession.model_validate(example("SessionClaimed"))
    state = session.state
    assert session.session == SESSION
    assert session.campaign == "cam_12345"
    assert session.campaign_code == "v6n7gn"
    assert (state.validated, state.locked, state.voided, state.claimed) == (
        False,
        False,
        False,
        True,
    )
    assert state.validation_date_utc is None
    assert state.unlocked_date_utc is None
    assert state.claim_date_utc == datetime(2019, 3, 25, 10, 44, 5, tzinfo=UTC)
    assert state.expiration_date == datetime(2019, 3, 2, 2, 0, tzinfo=UTC)
    assert state.value == ""
    assert state.is_expired(datetime(2024, 1, 1, tzinfo=UTC))


def test_a_used_voucher_says_when():
    session = m.CouponSession.model_validate(example("SessionValidated"))
    assert session.state.validated is True
    assert session.state.validation_date_utc == datetime(2024, 2, 3, 15, 30, 12, tzinfo=UTC)
    assert session.state.value == "50.00"
    assert not session.state.is_expired(datetime(2024, 2, 3, tzinfo=UTC))


def test_the_update_examples_are_read():
    for name in ("Locked", "Validated"):
        result = m.UpdateResult.model_validate(example(name))
        assert (result.status.status, result.session) == ("OK", SESSION)


def test_unknown_fields_are_kept_not_fatal():
    body = session_answer(brand_new_flag="1", redeem_location_pincode="aSQbSs")
    body["data"]["new_block"] = {"anything": [1, 2]}
    body["new_top_level"] = "x"
    session = m.CouponSession.model_validate(body)
    assert session.state.model_extra["brand_new_flag"] == "1"
    assert session.data.model_extra["new_block"] == {"anything": [1, 2]}
    assert session.model_extra["new_top_level"] == "x"
    assert session.data.user.model_extra["email"] == "info@mymailbox.com"


@pytest.mark.parametrize(
    ("sent", "read"),
    [("0", False), ("1", True), (" 1 ", True), (0, False), (1, True), (False, False),
     (True, True)],
)  # fmt: skip
def test_flags_are_0_or_1(sent, read):
    state = m.SessionState.model_validate({"validated": sent, "locked": "0", "voided": "0"})
    assert state.validated is read


@pytest.mark.parametrize("sent", ["", None, "yes", "true", "2", 2, -1, "01", "0.0"])
def test_anything_else_is_not_a_silent_no(sent):
    with pytest.raises(ValidationError) as caught:
        m.SessionState.model_validate({"validated": sent, "locked": "0", "voided": "0"})
    assert caught.value.errors()[0]["loc"] == ("validated",)


@pytest.mark.parametrize("missing", ["validated", "locked", "voided"])
def test_the_three_flags_are_required(missing):
    state = {"validated": "0", "locked": "0", "voided": "0"}
    del state[missing]
    with pytest.raises(ValidationError):
        m.SessionState.model_validate(state)


def test_an_empty_optional_flag_is_none():
    state = m.SessionState.model_validate(
        {"validated": "0", "locked": "0", "voided": "0", "claimed": ""}
    )
    assert state.claimed is None


@pytest.mark.parametrize(
    ("sent", "read"),
    [
        ("", None),
        (None, None),
        ("0000-00-00 00:00:00", None),
        ("2019-03-25 10:44:05", datetime(2019, 3, 25, 10, 44, 5, tzinfo=UTC)),
        ("2019-03-25T10:44:05", datetime(2019, 3, 25, 10, 44, 5, tzinfo=UTC)),
    ],
)
def test_utc_dates_are_aware_in_utc_or_none_when_empty(sent, read):
    state = m.SessionState.model_validate(
        {"validated": "1", "locked": "0", "voided": "0", "validation_date_utc": sent}
    )
    assert state.validation_date_utc == read
    if read is not None:
        assert state.validation_date_utc.utcoffset() == timedelta(0)


@pytest.mark.parametrize("sent", ["yesterday", "2019-03-25", "25.03.2019 10:44", 1553510645])
def test_an_unreadable_date_breaks_the_contract(sent):
    with pytest.raises(ValidationError) as caught:
        m.SessionState.model_validate(
            {"validated": "1", "locked": "0", "voided": "0", "validation_date_utc": sent}
        )
    assert caught.value.errors()[0]["loc"] == ("validation_date_utc",)


def test_the_expiration_date_is_read_in_the_zone_given():
    oslo_winter = timezone(timedelta(hours=1))
    state = m.SessionState.model_validate(
        {"validated": "0", "locked": "0", "voided": "0", "expiration_date": "2030-01-01 00:00:00"},
        context={m.EXPIRATION_ZONE_CONTEXT: oslo_winter},
    )
    assert state.expiration_date == datetime(2029, 12, 31, 23, 0, tzinfo=UTC)
    assert state.is_expired(datetime(2029, 12, 31, 23, 0, tzinfo=UTC))
    assert not state.is_expired(datetime(2029, 12, 31, 22, 59, tzinfo=UTC))


def test_a_value_sent_as_a_number_is_read_as_its_text():
    state = m.SessionState.model_validate(
        {"validated": "0", "locked": "0", "voided": "0", "value": 50}
    )
    assert state.value == "50"


def test_custom_fields_are_found_in_the_state_the_user_or_the_answer():
    session = m.CouponSession.model_validate(session_answer(value="", customid=""))
    assert session.custom_field("customid") == "1A2B"  # the user's: the others are empty
    assert session.custom_field("custom3") == "C"
    assert session.custom_field("redeem_location_city") == "Foo"
    assert session.custom_field("value") is None
    assert session.custom_field("nothing_of_the_sort") is None
    assert session.custom_field("utm_source") is None  # null


def test_repr_shows_no_personal_data_no_pin_and_the_session_masked():
    session = m.CouponSession.model_validate(example("SessionClaimed"))
    shown = repr(session) + str(session) + repr(session.data) + repr(session.data.user)
    for secret in (SESSION, "John", "Johnson", "info@mymailbox.com", "1234567890", "aSQbSs"):
        assert secret not in shown
    assert "kkfi…" in repr(session)
    assert "kkfi…" in repr(m.UpdateResult.model_validate(example("Locked")))
