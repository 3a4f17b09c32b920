import pytest

from django_diller.phones import InvalidPhoneNumber, country_of_culture, parse_phone


@pytest.mark.parametrize(
    "typed",
    ["91234567", "912 34 567", "+4791234567", "+47 912 34 567", "004791234567", " 0047 91234567 "],
)
def test_norwegian_numbers_in_every_usual_form(typed):
    phone = parse_phone(typed, "NO")
    assert (phone.country_code, phone.number) == ("+47", "91234567")
    assert phone.e164 == "+4791234567"


def test_a_national_number_is_read_in_the_shoppers_country_first_then_the_stores():
    assert parse_phone("070-123 45 67", "SE", "NO").e164 == "+46701234567"
    assert parse_phone("91234567", None, "NO").e164 == "+4791234567"


def test_an_international_number_ignores_the_countries():
    assert parse_phone("+46 70 123 45 67", "NO").country_code == "+46"


@pytest.mark.parametrize("typed", ["", "12", "abc", "+47 123", "070-123 45 67"])
def test_invalid_numbers_are_refused_without_echoing_them(typed):
    with pytest.raises(InvalidPhoneNumber) as caught:
        parse_phone(typed, "NO")
    if typed.strip():
        assert typed not in str(caught.value)


def test_wire_form():
    assert parse_phone("91234567", "NO").to_wire().model_dump() == {
        "country_code": "+47",
        "number": "91234567",
    }


def test_country_of_culture():
    assert country_of_culture("nb-NO") == "NO"
    assert country_of_culture("sv-SE") == "SE"
    assert country_of_culture(None) is None
