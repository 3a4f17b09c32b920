"""The VAT split behind the demo shop's prices: it never moves the VAT-inclusive price."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from example_shop.shop.vat import rate_from_tax_code, split_vat, tax_code

RATES = [Decimal("0.00"), Decimal("0.12"), Decimal("0.15"), Decimal("0.25")]
prices = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("1000000"), places=2)


@given(price=prices, rate=st.sampled_from(RATES))
def test_split_adds_up_to_the_price(price, rate):
    excl_tax, tax = split_vat(price, rate)
    assert excl_tax + tax == price
    assert excl_tax == excl_tax.quantize(Decimal("0.01"))
    assert tax >= 0
    # The tax is the rate applied to the VAT-exclusive price, to within half an øre.
    assert abs(excl_tax * rate - tax) <= Decimal("0.005") * (1 + rate)


@pytest.mark.parametrize(
    ("price", "rate", "expected"),
    [
        (Decimal("189.00"), Decimal("0.15"), (Decimal("164.35"), Decimal("24.65"))),
        (Decimal("49.00"), Decimal("0.25"), (Decimal("39.20"), Decimal("9.80"))),
        (Decimal("500.00"), Decimal("0.00"), (Decimal("500.00"), Decimal("0.00"))),
    ],
)
def test_split_examples(price, rate, expected):
    assert split_vat(price, rate) == expected


@pytest.mark.parametrize(
    ("rate", "code"),
    [
        (Decimal("0.15"), "15"),
        (Decimal("0.25"), "25"),
        (Decimal("0.00"), "0"),
        (Decimal("0.10"), "10"),
        (Decimal("0.125"), "12.5"),
    ],
)
def test_tax_codes_are_percentages(rate, code):
    assert tax_code(rate) == code
    assert rate_from_tax_code(code) == rate


def test_no_tax_code_no_rate():
    assert rate_from_tax_code("") is None
    assert rate_from_tax_code(None) is None
