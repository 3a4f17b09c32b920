"""A carrier offer that cannot plan gives no discount, and says so once, without personal data."""

import logging
from decimal import Decimal as D

import pytest

from django_diller.adapter import DefaultAdapter
from django_diller.contrib.oscar import offers

from .conftest import ESPRESSO, apply_offers

CUSTOMER_EMAIL = "customer@example.com"
FULL_PRICE = D("378.00")  # two espressos, no discount

pytestmark = pytest.mark.django_db


class ExplodingAdapter(DefaultAdapter):
    """A shop adapter with a bug whose error text names the shopper."""

    def line_is_eligible(self, line):
        raise ValueError(f"no eligibility for {line.basket.owner.email} on +4791234567")


EXPLODING = f"{ExplodingAdapter.__module__}.{ExplodingAdapter.__qualname__}"


@pytest.fixture
def fallback_log(caplog, monkeypatch):
    """The carrier offers' log records, with none reported yet in this process."""
    monkeypatch.setattr(offers, "_reported", set())
    caplog.set_level(logging.INFO, logger="django_diller.oscar")

    def records():
        return [r for r in caplog.records if r.name == "django_diller.oscar"]

    return records


def use_adapter(settings, path: str) -> None:
    settings.DILLER = {**settings.DILLER, "ADAPTER": path}


def test_a_mistyped_adapter_removes_the_discount_and_is_logged_once_per_offer(
    make_basket, settings, fallback_log
):
    use_adapter(settings, "shop.adapters.LoyaltyAdapter")
    basket = make_basket({ESPRESSO: 2})
    for _ in range(3):  # every request prices the basket again
        apply_offers(basket)
    assert basket.total_incl_tax == FULL_PRICE
    records = fallback_log()
    assert [(r.levelno, r.args[0]) for r in records] == [
        (logging.ERROR, "loyalty"),
        (logging.ERROR, "free-shipping"),
    ]
    assert "ModuleNotFoundError raised at importlib/__init__.py:" in records[0].getMessage()


def test_each_kind_of_error_is_logged_once(make_basket, settings, fallback_log):
    use_adapter(settings, "shop.adapters.LoyaltyAdapter")
    basket = make_basket({ESPRESSO: 2})
    use_adapter(settings, EXPLODING)
    apply_offers(apply_offers(basket))
    assert basket.total_incl_tax == FULL_PRICE
    errors = [r.getMessage().split(" raised at ")[0] for r in fallback_log()]
    assert len(errors) == 4
    assert sum("ModuleNotFoundError" in e for e in errors) == 2
    assert sum("ValueError" in e for e in errors) == 2


def test_the_log_holds_no_personal_data(make_basket, settings, fallback_log):
    use_adapter(settings, EXPLODING)
    make_basket({ESPRESSO: 2})
    records = fallback_log()
    assert records, "the fallback was not logged"
    for record in records:
        text = record.getMessage()
        assert "ValueError" in text
        assert CUSTOMER_EMAIL not in text
        assert "91234567" not in text
        assert record.exc_info is None  # no traceback, whose last line is the error's text
        assert record.exc_text is None


def test_a_working_adapter_logs_nothing(make_basket, fallback_log):
    basket = make_basket({ESPRESSO: 2})
    assert basket.total_incl_tax < FULL_PRICE
    assert fallback_log() == []
