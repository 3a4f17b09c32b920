"""The DISCOUNT_API settings are checked: each wrong one has its own id."""

import pytest
from django.test import override_settings

from django_diller.discountapi.checks import check_discount_api_settings


def ids(**settings) -> list[str]:
    with override_settings(DISCOUNT_API=settings):
        return [message.id for message in check_discount_api_settings()]


def test_the_defaults_pass():
    assert ids() == []


def test_a_full_configuration_passes():
    assert ids(STORE_NUMBER="9999", DIST_CHAIN="DE01", TIME_ZONE="Europe/Oslo") == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"STORE_NUMBER": ""}, "discountapi.E002"),
        ({"STORE_NUMBER": 9999}, "discountapi.E002"),
        ({"DIST_CHAIN": ["DE01"]}, "discountapi.E003"),
        ({"EMPLOYEE_GROUP": 3}, "discountapi.E003"),
        ({"TIME_ZONE": "Europe/Nowhere"}, "discountapi.E004"),
        ({"RULES_CACHE_SECONDS": -1}, "discountapi.E005"),
        ({"RULES_CACHE_SECONDS": True}, "discountapi.E005"),
        ({"STORE_NUMBR": "9999"}, "discountapi.W001"),
    ],
)
def test_each_wrong_setting_has_its_own_id(change, expected):
    assert ids(**change) == [expected]


def test_a_setting_that_is_not_a_dict_is_an_error():
    with override_settings(DISCOUNT_API="webshop"):
        assert [m.id for m in check_discount_api_settings()] == ["discountapi.E001"]
