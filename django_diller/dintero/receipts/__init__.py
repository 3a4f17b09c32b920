"""Receipts for Dintero: what an order (or a return) says, and the receipt it becomes.

:mod:`.facts` holds the neutral, exact facts (no Django, no Oscar: the shop's integration fills
them, ``contrib/oscar/receipt_facts.py`` from an Oscar order); :mod:`.mapping` turns them into
the body of Dintero's ``POST /accounts/{aid}/receipts``, rounding once.
"""

from .facts import (
    SHIPPING_KEY,
    SHOP,
    Customer,
    Group,
    LineDiscount,
    Payment,
    ReceiptLine,
    ReceiptOrder,
    Shipping,
    StoreInfo,
)
from .mapping import (
    CURRENCY_EXPONENTS,
    DISCOUNT_TYPES,
    ORIGINAL_RECEIPT,
    UnknownCurrency,
    minor_exponent,
    receipt,
    receipts_request,
)

__all__ = [
    "CURRENCY_EXPONENTS",
    "DISCOUNT_TYPES",
    "ORIGINAL_RECEIPT",
    "SHIPPING_KEY",
    "SHOP",
    "Customer",
    "Group",
    "LineDiscount",
    "Payment",
    "ReceiptLine",
    "ReceiptOrder",
    "Shipping",
    "StoreInfo",
    "UnknownCurrency",
    "minor_exponent",
    "receipt",
    "receipts_request",
]
