"""The Discount API's tests: the rules read for pricing are forgotten after each test (the
database is rolled back; the process's copy of the rules would not be)."""

import pytest

from django_diller.discountapi.active import forget_rules


@pytest.fixture(autouse=True)
def _forget_discount_rules():
    forget_rules()
    yield
    forget_rules()
