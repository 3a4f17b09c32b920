"""The vouchers a shopper entered for a basket, kept on the basket's snapshot.

They live in :class:`~django_diller.models.BasketLoyalty`'s ``providers["coupontools"]``: the one
row the carrier offer reads whenever the basket is priced, for members and guests alike (a
guest's row has no member). Each voucher is kept as the look-up judged it (see :mod:`.entry`),
so pricing never calls Coupontools.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from ..models import BasketLoyalty

PROVIDER = "coupontools"
CODE_PREFIX = "voucher:"  # keeps a voucher's code in the plan apart from other providers'


@dataclass(frozen=True)
class KeptVoucher:
    """A voucher as the basket keeps it: what it is worth and on what."""

    session: str
    campaign: str
    kind: str  # "amount" or "percentage"
    value: Decimal
    title: str
    product_ids: tuple[str, ...] = ()  # the products it may discount; empty: the whole purchase
    combinable: bool = True  # False: not in an order that uses Diller's coupons

    @property
    def code(self) -> str:
        """Its code in the discount plan."""
        return f"{CODE_PREFIX}{self.session}"

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["value"] = str(self.value)
        data["product_ids"] = list(self.product_ids)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KeptVoucher:
        return cls(
            session=str(data["session"]),
            campaign=str(data.get("campaign") or ""),
            kind=str(data["kind"]),
            value=Decimal(str(data["value"])),
            title=str(data.get("title") or ""),
            product_ids=tuple(data.get("product_ids") or ()),
            combinable=bool(data.get("combinable", True)),
        )


def session_of(code: str) -> str | None:
    """The voucher session of a plan code, or None for another provider's code."""
    return code[len(CODE_PREFIX) :] if code.startswith(CODE_PREFIX) else None


def vouchers_of(row: BasketLoyalty | None) -> list[KeptVoucher]:
    if row is None:
        return []
    return [KeptVoucher.from_json(v) for v in (row.providers or {}).get(PROVIDER, [])]


def keep(basket_id: int, voucher: KeptVoucher) -> BasketLoyalty:
    """Keep ``voucher`` on the basket (a guest's basket gets a row of its own), once."""
    row, _created = BasketLoyalty.objects.get_or_create(
        basket_id=basket_id,
        defaults={"store_id": "", "member_id": "", "fetched_at": timezone.now()},
    )
    kept = [v for v in vouchers_of(row) if v.session != voucher.session]
    row.providers = {**(row.providers or {}), PROVIDER: [*map(_json, kept), voucher.as_json()]}
    row.save(update_fields=["providers", "updated_at"])
    return row


def drop(basket_id: int, session: str) -> bool:
    """Take the voucher off the basket; whether it was on it."""
    row = BasketLoyalty.objects.of_basket(basket_id)
    kept = vouchers_of(row)
    left = [v for v in kept if v.session != session]
    if row is None or len(left) == len(kept):
        return False
    row.providers = {**(row.providers or {}), PROVIDER: [v.as_json() for v in left]}
    row.save(update_fields=["providers", "updated_at"])
    return True


def _json(voucher: KeptVoucher) -> dict[str, Any]:
    return voucher.as_json()
