"""Phone normalisation (no phonenumbers dependency)."""

from __future__ import annotations

import pytest

from django_diller.sandbox.phones import InvalidPhone, parse_phone, parse_phone_parts


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("91234567", "+4791234567"),
        ("912 34 567", "+4791234567"),
        ("(912) 34-567", "+4791234567"),
        ("+4791234567", "+4791234567"),
        ("+47 912 34 567", "+4791234567"),
        ("004791234567", "+4791234567"),
        ("4791234567", "+4791234567"),
        ("+46 70 123 45 67", "+46701234567"),
        ("0046701234567", "+46701234567"),
        ("+46 (0)70 123 45 67", "+46701234567"),
        ("+4512345678", "+4512345678"),
    ],
)
def test_parse_in_norway(raw, expected):
    assert parse_phone(raw, "+47").e164 == expected


@pytest.mark.parametrize("raw", ["123", "912345678", "+4912345", "+47123"])
def test_impossible_numbers(raw):
    assert parse_phone(raw, "+47") is None


@pytest.mark.parametrize("raw", ["", "call me", "+47abc", "12+34"])
def test_not_numbers(raw):
    with pytest.raises(InvalidPhone):
        parse_phone(raw, "+47")


def test_swedish_store_reads_national_numbers_in_sweden():
    assert parse_phone("070-123 45 67", "+46").e164 == "+46701234567"


def test_parts():
    assert parse_phone_parts("+47", "912 34 567").e164 == "+4791234567"
    assert parse_phone_parts("47", "91234567").e164 == "+4791234567"
    assert parse_phone_parts("0046", "0701234567").e164 == "+46701234567"
    assert parse_phone_parts("+46", "+4791234567").e164 == "+4791234567"  # number wins
