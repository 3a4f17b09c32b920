"""Reading what people and campaigns give us: a voucher's code and a voucher's value.

Pure functions, no Django and no I/O: :func:`parse_code` and :func:`parse_value`, and the
``ValueError`` subclasses that say why a code or a value cannot be used.
"""

from .codes import (
    EmptyVoucherCode,
    InvalidVoucherCode,
    NotAVoucherLink,
    VoucherCode,
    VoucherCodeCharacters,
    VoucherCodeLength,
    mask_code,
    parse_code,
)
from .values import (
    AmbiguousValue,
    InvalidVoucherValue,
    NegativeValue,
    PercentageAboveHundred,
    TooPreciseValue,
    UnreadableValue,
    VoucherKind,
    VoucherValue,
    ZeroValue,
    parse_value,
)

__all__ = [
    "AmbiguousValue",
    "EmptyVoucherCode",
    "InvalidVoucherCode",
    "InvalidVoucherValue",
    "NegativeValue",
    "NotAVoucherLink",
    "PercentageAboveHundred",
    "TooPreciseValue",
    "UnreadableValue",
    "VoucherCode",
    "VoucherCodeCharacters",
    "VoucherCodeLength",
    "VoucherKind",
    "VoucherValue",
    "ZeroValue",
    "mask_code",
    "parse_code",
    "parse_value",
]
