from datetime import UTC, datetime
from decimal import Decimal

from django_diller.api import models as m
from django_diller.api import wire


def test_amounts_travel_as_exact_json_numbers_both_ways():
    request = m.PaymentDetails(payment_method="card", sub_total=Decimal("1234.10"))
    encoded = wire.dumps(request)
    assert encoded == b'{"payment_method": "card", "sub_total": 1234.10}'
    assert wire.loads(encoded)["sub_total"] == Decimal("1234.10")


def test_only_fields_the_caller_set_are_sent():
    update = m.UpdateMemberRequest(first_name="Kari")
    assert wire.loads(wire.dumps(update)) == {"first_name": "Kari"}


def test_nested_models_enums_and_dates_are_encoded_on_the_wire_form():
    request = m.RegisterMemberRequest(
        phone=m.Phone(country_code="+47", number="91234567"),
        gender=m.Gender.NonBinary,
        birth_date=datetime(1990, 5, 17, tzinfo=UTC),
        segments=[m.SegmentValue(segment_id=4, selected_options=[41, 43])],
    )
    assert wire.loads(wire.dumps(request)) == {
        "phone": {"country_code": "+47", "number": "91234567"},
        "gender": "NonBinary",
        "birth_date": "1990-05-17T00:00:00+00:00",
        "segments": [{"segment_id": 4, "selected_options": [41, 43]}],
    }
