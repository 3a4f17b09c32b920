"""The engine builds its line records without the frozen dataclasses' __init__ (for speed): they
must be the records the constructors make, as frozen and as comparable."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from django_diller.discounts.engine import _line_discount, _line_stamps
from django_diller.discounts.model import LineDiscount, LineStamps


def test_a_line_discount_is_the_one_the_constructor_makes():
    built = _line_discount("L1", "coupon", "C1", 2, Decimal("1.50"))
    expected = LineDiscount("L1", "coupon", "C1", 2, Decimal("1.50"))
    assert built == expected
    assert repr(built) == repr(expected)
    assert hash(built) == hash(expected)
    assert dataclasses.asdict(built) == dataclasses.asdict(expected)
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.amount = Decimal(0)  # type: ignore[misc]


def test_line_stamps_are_the_ones_the_constructor_makes():
    built = _line_stamps("L1", 7, 3, 5)
    expected = LineStamps("L1", 7, 3, 5)
    assert built == expected
    assert repr(built) == repr(expected)
    assert hash(built) == hash(expected)
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.collected = 0  # type: ignore[misc]
