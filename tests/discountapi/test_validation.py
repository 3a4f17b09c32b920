"""The model and the checks the API and admin share."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from django_diller.discountapi import audit
from django_diller.discountapi.models import Discount, DiscountAudit
from django_diller.discountapi.validation import (
    DOCUMENT_FIELDS,
    discount_errors,
    split_ids,
    validate_discount,
)

VALID = {
    "discount_id": "d1",
    "name": "Example discount",
    "rate": 500,
    "type": "RELATIVE",
    "automatic": False,
    "manual_rate": False,
    "employee": False,
    "calculated_from_base_price": False,
    "combinable_with": ["d2", "d3"],
    "valid_from_date": date(2020, 7, 4),
    "valid_until_date": date(2099, 12, 31),
    "valid_from_time": 500,
    "valid_until_time": 2300,
    "days_of_week": ["MONDAY", "SUNDAY"],
    "stores": ["9999"],
    "dist_chains": ["DE01"],
}


def test_the_documents_example_is_valid():
    assert discount_errors(VALID) == {}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("discount_id", ""),
        ("discount_id", "   "),
        ("discount_id", "a/b"),
        ("discount_id", "x" * 65),
        ("name", ""),
        ("type", "PERCENT"),
        ("rate", -1),
        ("rate", 10001),
        ("rate", "500"),
        ("rate", True),
        ("automatic", "yes"),
        ("valid_from_time", 2400),
        ("valid_from_time", 560),
        ("valid_from_time", -5),
        ("valid_until_time", 2401),
        ("valid_until_time", 1275),
        ("days_of_week", ["monday"]),
        ("days_of_week", ["MONDAY", "MONDAY"]),
        ("days_of_week", "MONDAY"),
        ("combinable_with", [""]),
        ("combinable_with", "d2"),
        ("stores", ["9999", "9999"]),
        ("dist_chains", [1]),
    ],
)
def test_each_rule_names_its_field(field, value):
    errors = discount_errors({**VALID, field: value})
    assert list(errors) == [field]
    assert field in DOCUMENT_FIELDS


def test_an_absolute_rate_may_exceed_10000_and_2400_ends_the_day():
    assert discount_errors({**VALID, "type": "ABSOLUTE", "rate": 25000}) == {}
    assert discount_errors({**VALID, "valid_until_time": 2400}) == {}
    assert discount_errors({**VALID, "valid_from_time": 2200, "valid_until_time": 200}) == {}


def test_dates_in_order_and_an_empty_time_window_are_checked():
    errors = discount_errors(
        {**VALID, "valid_from_date": date(2025, 1, 2)} | {"valid_until_date": date(2025, 1, 1)}
    )
    assert list(errors) == ["valid_until_date"]
    errors = discount_errors({**VALID, "valid_from_time": 800, "valid_until_time": 800})
    assert list(errors) == ["valid_until_time"]


def test_a_partial_set_of_values_checks_only_those():
    assert discount_errors({"rate": 20000}) == {}  # no type given: only the general bound
    assert list(discount_errors({"rate": 20000, "type": "RELATIVE"})) == ["rate"]


def test_split_ids_reads_lines_and_commas():
    assert split_ids("d2, d3\nd4;;\n") == ["d2", "d3", "d4"]
    assert split_ids("") == []


@pytest.mark.django_db
def test_the_models_clean_raises_by_field_and_to_document_is_the_documents_shape():
    discount = Discount(**{**VALID, "rate": 20000})
    with pytest.raises(ValidationError) as raised:
        discount.full_clean()
    assert list(raised.value.message_dict) == ["rate"]
    discount = Discount.objects.create(**VALID)
    validate_discount(discount)
    assert discount.to_document() == {
        "discountId": "d1",
        "name": "Example discount",
        "rate": 500,
        "type": "RELATIVE",
        "properties": {
            "automatic": False,
            "manualRate": False,
            "employee": False,
            "calculatedFromBasePrice": False,
            "combinableWith": ["d2", "d3"],
        },
        "temporalValidity": {
            "validFromDate": "2020-07-04",
            "validUntilDate": "2099-12-31",
            "validFromTime": 500,
            "validUntilTime": 2300,
            "dayOfWeekList": ["MONDAY", "SUNDAY"],
        },
        "locationValidity": {"stores": ["9999"], "distChains": ["DE01"]},
    }


@pytest.mark.django_db
def test_audit_record_keeps_who_what_and_refuses_an_unknown_source():
    entry = audit.record(
        "d1", "created", actor="oauth:backoffice", source="api", before=None, after={"x": 1}
    )
    assert DiscountAudit.objects.get() == entry
    assert (entry.actor, entry.source, entry.after) == ("oauth:backoffice", "api", {"x": 1})
    with pytest.raises(ValueError, match="source"):
        audit.record("d1", "created", actor="x", source="shell", before=None, after=None)
