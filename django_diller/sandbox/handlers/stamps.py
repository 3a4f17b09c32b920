"""Stamp cards: store list, a member's cards, reserve and cancel a reservation.

A member sees every active card of the store with their ``stamps_collected``, except a
non-restartable card they have completed (its reward was deducted). A reservation holds the card
for one pending order (``external_transaction_id``), like a coupon reservation; it does not
require the card to be full, since the purchase itself may complete it. Whether the held stamp
shows on the card before the order's transaction counts it is the sandbox's ``held_stamps``
(the contract does not say); the transaction ends the hold either way. An unknown card is a 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .. import render
from ..problems import not_found
from ..state import Reservation, StampCard
from .base import Context, Handler, external_transaction_id, refuse

STAMPS_RESERVED_ELSEWHERE = "Stamp card is reserved by another transaction."


def refusal(
    card: StampCard, member_id: str, now: datetime, external_transaction_id: str | None = None
) -> str | None:
    """Why this member cannot use this card now (None when they can)."""
    if member_id in card.used_up:
        return f"Stamp card {card.id} has already been completed and cannot be restarted."
    hold = card.reservations.get(member_id)
    if (
        hold is not None
        and external_transaction_id is not None
        and hold.external_transaction_id != external_transaction_id
    ):
        return STAMPS_RESERVED_ELSEWHERE
    if not card.is_active(now):
        return f"Stamp card {card.id} is not active."
    return None


def _card(ctx: Context) -> StampCard:
    card = ctx.store.stamp_cards.get(ctx.path["stampId"])
    if card is None:
        raise not_found(f"Stamp card {ctx.path['stampId']} not found.")
    return card


def get_store_stamps(ctx: Context) -> list[dict[str, Any]]:
    also_inactive = bool(ctx.query.get("alsoInactive"))
    return [
        render.stamp_card(card)
        for card in ctx.store.stamp_cards.values()
        if also_inactive or card.is_active(ctx.now)
    ]


def get_member_stamp_cards(ctx: Context) -> list[dict[str, Any]]:
    member = ctx.member()
    counted = ctx.settings.held_stamps == "counted"
    return [
        render.stamp_card(card, member.id, held=int(counted and member.id in card.reservations))
        for card in ctx.store.stamp_cards.values()
        if card.is_active(ctx.now) and member.id not in card.used_up
    ]


def reserve(ctx: Context) -> dict[str, Any]:
    member = ctx.member()
    card = _card(ctx)
    data = ctx.json_object()
    transaction_id = external_transaction_id(ctx)
    reason = refusal(card, member.id, ctx.now, transaction_id)
    if reason is not None:
        return refuse(ctx, "stampId", reason)
    card.reservations[member.id] = Reservation(
        transaction_id, ctx.now, data.get("channel"), data.get("external_product_id")
    )
    return render.action(True, f"Stamp card reserved for transaction {transaction_id}.")


def cancel_reservation(ctx: Context) -> dict[str, Any]:
    member = ctx.member()
    card = _card(ctx)
    transaction_id = external_transaction_id(ctx)
    hold = card.reservations.get(member.id)
    if hold is None:
        return render.action(True, "No reservation to cancel.")
    if hold.external_transaction_id != transaction_id:
        return render.action(False, STAMPS_RESERVED_ELSEWHERE)
    del card.reservations[member.id]
    return render.action(True, "Reservation cancelled.")


HANDLERS: dict[str, Handler] = {
    "getStoreStamps": get_store_stamps,
    "getMemberStampCards": get_member_stamp_cards,
    "reserveStamp": reserve,
    "cancelStampReservation": cancel_reservation,
}
