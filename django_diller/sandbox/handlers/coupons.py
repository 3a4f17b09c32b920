"""Coupons: store list, a member's coupons, validate, reserve, cancel a reservation.

Codes are matched case-insensitively. Business refusals are ``ActionResponse`` with
``is_ok=false`` (HTTP 200), including an unknown code. A reservation holds a coupon for one
pending order (``external_transaction_id``); reserving again for the same order is a no-op, for
another order a refusal. It ends on cancel-reservation or when a transaction with that
``external_id`` redeems the coupon. A coupon reserved for an order stays redeemable by that order
even if it expires meanwhile.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .. import render
from ..codec import iso
from ..state import Coupon, Reservation
from .base import Context, Handler, external_transaction_id, refuse

NOT_FOUND = "Coupon not found."
RESERVED_ELSEWHERE = "Coupon is reserved by another transaction."


def refusal(
    coupon: Coupon | None,
    member_id: str,
    now: datetime,
    external_transaction_id: str | None = None,
) -> str | None:
    """Why this member cannot use this coupon now (None when they can)."""
    if coupon is None:
        return NOT_FOUND
    if not coupon.belongs_to(member_id):
        return "Coupon does not belong to this member."
    if coupon.is_used_up(member_id):
        return "Coupon has already been used the maximum number of times."
    hold = coupon.reservations.get(member_id)
    held_here = hold is not None and hold.external_transaction_id == external_transaction_id
    if hold is not None and external_transaction_id is not None and not held_here:
        return RESERVED_ELSEWHERE
    if held_here:
        return None
    if now < coupon.valid_from:
        return f"Coupon is not valid until {iso(coupon.valid_from)}."
    if now > coupon.valid_to:
        return f"Coupon expired on {iso(coupon.valid_to)}."
    return None


def get_store_coupons(ctx: Context) -> list[dict[str, Any]]:
    also_inactive = bool(ctx.query.get("alsoInactive"))
    return [
        render.store_coupon(c)
        for c in ctx.store.coupons.values()
        if also_inactive or c.is_active(ctx.now)
    ]


def get_member_coupons(ctx: Context) -> list[dict[str, Any]]:
    member = ctx.member()
    return [
        render.member_coupon(c, member.id)
        for c in ctx.store.coupons.values()
        if c.belongs_to(member.id) and c.is_active(ctx.now) and not c.is_used_up(member.id)
    ]


def validate(ctx: Context) -> dict[str, Any]:
    member = ctx.member()
    reason = refusal(ctx.store.coupon(ctx.path["couponCode"]), member.id, ctx.now)
    return render.action(reason is None, reason or "Coupon is valid.")


def reserve(ctx: Context) -> dict[str, Any]:
    member = ctx.member()
    data = ctx.json_object()
    transaction_id = external_transaction_id(ctx)
    coupon = ctx.store.coupon(ctx.path["couponCode"])
    reason = refusal(coupon, member.id, ctx.now, transaction_id)
    if reason is not None or coupon is None:
        return refuse(ctx, "couponCode", reason or NOT_FOUND)
    coupon.reservations[member.id] = Reservation(
        transaction_id, ctx.now, data.get("channel"), data.get("external_product_id")
    )
    return render.action(True, f"Coupon reserved for transaction {transaction_id}.")


def cancel_reservation(ctx: Context) -> dict[str, Any]:
    member = ctx.member()
    transaction_id = external_transaction_id(ctx)
    coupon = ctx.store.coupon(ctx.path["couponCode"])
    hold = coupon.reservations.get(member.id) if coupon else None
    if coupon is None or hold is None:
        return render.action(True, "No reservation to cancel.")
    if hold.external_transaction_id != transaction_id:
        return render.action(False, RESERVED_ELSEWHERE)
    del coupon.reservations[member.id]
    return render.action(True, "Reservation cancelled.")


HANDLERS: dict[str, Handler] = {
    "getStoreCoupons": get_store_coupons,
    "getMemberCoupons": get_member_coupons,
    "validateCoupon": validate,
    "reserveCoupon": reserve,
    "cancelCouponReservation": cancel_reservation,
}
