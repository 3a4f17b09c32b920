"""Coupons and stamps held for an order: checked before it is placed, reserved after.

Checking happens just before the order is placed (every applied coupon at once, concurrently),
so a coupon used up elsewhere since the coupon step is caught before anything is charged.
Reservations and releases are outbox entries written with the order (or its cancellation) and
sent after the commit: a slow or absent Diller never holds up the shopper, they are retried
until Diller answers, and a reservation keyed by the order number may be repeated safely.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from ..api import DillerError, DillerNotFound, DillerRefused, DillerValidationError
from ..api import models as wire
from ..discounts import DiscountPlan
from ..discounts.model import DILLER
from ..models import OrderLoyaltyItem, OutboxEntry
from ..outbox import engine as outbox
from ..outbox.registry import register
from ..outbox.tasks import queue_outbox_entries
from . import claims
from .concurrent import side_by_side
from .connection import current_store_id, get_client
from .delivery import DillerHandler
from .kinds import Kind
from .origin import CHANNEL

logger = logging.getLogger("django_diller.reservations")

# The cause of the release of an order never paid (``contrib.oscar.unpaid``): sent only while
# the order's purchase is still not on its way, since a payment may come in meanwhile.
ABANDONED_CHECKOUT = "abandoned checkout"
# The cause of the reservation made again for an order paid after that release was sent (see
# :func:`hold_again_after_release`); its entry's key is the order number with this suffix.
PAID_AFTER_RELEASE = "paid after its release"
AGAIN = ":again"


@dataclass(frozen=True)
class CouponProblem:
    code: str
    reason: str  # Diller's words, for the shopper


def _validate_one(client, member_id: str, code: str) -> CouponProblem | None:
    try:
        client.validate_coupon(member_id, code)
        return None
    except DillerRefused as refusal:
        return CouponProblem(code, refusal.details)
    except DillerNotFound:  # the coupon (or member) is gone: not an outage
        return CouponProblem(code, _("The coupon no longer exists."))


@dataclass(frozen=True)
class Recheck:
    """What Diller says now of the loyalty a basket is about to use."""

    coupon_problems: list[CouponProblem]
    spent_cards: set[int]  # cards whose reward was given away since the snapshot
    fresh_cards: dict[int, wire.MemberStampCard]  # the member's cards as Diller has them now


def _fresh_cards(client, member_id: str) -> dict[int, wire.MemberStampCard]:
    cards = client.get_member_stamp_cards(member_id)
    return {card.id: card for card in cards if card.id is not None}


def recheck(member_id: str, codes: list[str], reward_cards: dict[int, int]) -> Recheck:
    """Check the applied coupons and the stamp-card rewards with Diller, all at the same time.

    ``reward_cards``: the cards whose reward the basket gives → their stamps in the snapshot the
    reward was computed from. A reward is spent when Diller now has fewer stamps on the card (a
    till or another order redeemed them), or no longer has the card. Raises ``DillerError`` when
    Diller cannot answer.
    """
    if not codes and not reward_cards:
        return Recheck([], set(), {})
    client = get_client()  # here, in the shopper's thread: it carries the request's deadline
    checks = [lambda code=code: _validate_one(client, member_id, code) for code in codes]
    if reward_cards:
        checks.append(lambda: _fresh_cards(client, member_id))
    results = side_by_side(*checks)
    fresh = results.pop() if reward_cards else {}
    spent = {
        card_id
        for card_id, stamps in reward_cards.items()
        if card_id not in fresh or (fresh[card_id].stamps_collected or 0) < stamps
    }
    problems = [problem for problem in results if problem is not None]
    return Recheck(problems, spent, fresh)


def _touched_lines(
    plan: DiscountPlan, line_products: dict[str, str], source: str, reference: str
) -> list[dict]:
    """Per product: what this coupon or card took off and the stamps it moved there."""
    touched: dict[str, dict] = {}

    def entry(line_id: str) -> dict:
        product_id = line_products.get(line_id, "")
        return touched.setdefault(
            product_id,
            {"product_id": product_id, "discount": "0", "collected": 0, "deducted": 0},
        )

    for discount in plan.line_discounts:
        if discount.source == source and discount.reference == reference:
            row = entry(discount.line_id)
            row["discount"] = str(Decimal(row["discount"]) + discount.amount)
    if source == "stamp_card":
        for stamps in plan.line_stamps:
            if str(stamps.card_id) == reference:
                row = entry(stamps.line_id)
                row["collected"] += stamps.collected
                row["deducted"] += stamps.deducted
    return [row for product_id, row in touched.items() if product_id]


def record_order_items(
    order_number: str,
    member_id: str,
    plan: DiscountPlan,
    *,
    shipping_discount=None,
    line_products: dict[str, str] | None = None,
    thresholds: dict[int, Decimal] | None = None,
    titles: dict[str, str] | None = None,
) -> None:
    """Keep what each coupon and stamp card gave this order (idempotent).

    ``shipping_discount``: what a free-shipping coupon took off the order's actual shipping
    charge (the plan only knew a nominal one). ``line_products``: the plan's line ids (basket
    lines) → the products' ids at Diller, so each item knows the order lines it touched.
    ``thresholds``: the purchase amount of each threshold stamp card, so that a return that
    brings the order below it takes the stamp back. Only Diller's coupons and cards are
    kept: another provider's discounts in the plan are that provider's to report. ``titles``:
    the coupons' titles by code and the stamp cards' by id, as the member saw them (see
    :func:`snapshot_titles`), for the order's pages and receipt.
    """
    order_number = str(order_number)
    store_id = current_store_id() or ""
    line_products = line_products or {}
    titles = titles or {}
    amounts = dict(plan.coupon_amounts)
    if plan.shipping_coupon:
        taken = plan.shipping_discount if shipping_discount is None else shipping_discount
        amounts[plan.shipping_coupon] = amounts.get(plan.shipping_coupon, 0) + taken
    items = [
        OrderLoyaltyItem(
            order_number=order_number,
            kind=OrderLoyaltyItem.Kind.COUPON,
            reference=code,
            title=titles.get(code, "")[:255],
            store_id=store_id,
            member_id=member_id,
            amount=amount,
            lines=_touched_lines(plan, line_products, "coupon", code),
        )
        for code, amount in amounts.items()
        if plan.provider_of(code) == DILLER
    ]
    card_amounts: dict[str, object] = {}
    for discount in plan.line_discounts:
        if discount.source == "stamp_card":
            card_amounts[discount.reference] = (
                card_amounts.get(discount.reference, 0) + discount.amount
            )
    items += [
        OrderLoyaltyItem(
            order_number=order_number,
            kind=OrderLoyaltyItem.Kind.STAMP_CARD,
            reference=str(movement.card_id),
            title=titles.get(str(movement.card_id), "")[:255],
            store_id=store_id,
            member_id=member_id,
            amount=card_amounts.get(str(movement.card_id), 0),
            stamps_collected=movement.collected,
            stamps_deducted=movement.deducted,
            threshold_amount=(thresholds or {}).get(movement.card_id),
            lines=_touched_lines(plan, line_products, "stamp_card", str(movement.card_id)),
        )
        for movement in plan.stamp_movements
        if plan.provider_of(str(movement.card_id)) == DILLER
    ]
    # One statement for them all; recorded again (the same order), they are brought up to
    # date and keep their reservation state.
    OrderLoyaltyItem.objects.bulk_create(
        items,
        update_conflicts=True,
        unique_fields=["order_number", "kind", "reference"],
        update_fields=[
            "store_id",
            "member_id",
            "title",
            "amount",
            "stamps_collected",
            "stamps_deducted",
            "threshold_amount",
            "lines",
            "updated_at",
        ],
    )


def snapshot_titles(coupons: list[dict], stamp_cards: list[dict]) -> dict[str, str]:
    """The titles of a basket's snapshot: coupons' by code, stamp cards' by id (Diller's wire
    form, as kept on the basket)."""
    titles = {str(c["code"]): str(c.get("title") or "") for c in coupons if c.get("code")}
    titles.update(
        {str(c["id"]): str(c.get("title") or "") for c in stamp_cards if c.get("id") is not None}
    )
    return {reference: title for reference, title in titles.items() if title}


def queue_reservation(order_number: str, member_id: str) -> OutboxEntry:
    """Reserve the order's coupons and stamps at Diller once the order is committed."""
    number = str(order_number)
    entry = outbox.enqueue(
        Kind.RESERVE_LOYALTY,
        number,
        order_number=number,
        store_id=current_store_id() or "",
        member_id=member_id,
        source="order placed",
    )
    # The order's transaction, queued moments ago in this same database transaction (payment
    # settled as the order was placed), goes after the reservation: Diller then sees the
    # coupons held for this order and used by it, in that order.
    OutboxEntry.objects.filter(
        kind=Kind.SEND_TRANSACTION,
        order_number=number,
        state=OutboxEntry.State.PENDING,
        attempts=0,
        depends_on__isnull=True,
    ).update(depends_on=entry)
    queue_outbox_entries([entry.pk])
    return entry


def _released_claims(release: OutboxEntry) -> list[dict]:
    """The shop's claims that ``release`` ended, as its answer keeps them (none before it was
    sent)."""
    answer = release.response if release.state == OutboxEntry.State.SENT else None
    return list((answer or {}).get("claims", []))


def hold_again_after_release(order_number: str) -> OutboxEntry | None:
    """For an order paid after its reservations were released as an abandoned checkout, and
    whose purchase is not queued yet: reserve its coupons and stamps again, once that release
    is done; the entry (None: no such release, or the purchase is queued already). Called
    when the payment is recorded, and before the purchase is queued, which waits for it.

    The purchase uses them, and a shop that sends it when the order ships leaves it waiting,
    sometimes for days: without this, the coupons are free at the till and in other orders
    meanwhile. A release that a payment stopped in time (skipped) released nothing, and then
    this reservation finds nothing to reserve again.
    """
    number = str(order_number)
    if OutboxEntry.objects.filter(kind=Kind.SEND_TRANSACTION, external_id=number).exists():
        return None
    release = (
        OutboxEntry.objects.filter(
            kind=Kind.RELEASE_LOYALTY, external_id=number, source=ABANDONED_CHECKOUT
        )
        .exclude(state=OutboxEntry.State.SKIPPED)
        .first()
    )
    if release is None:
        return None
    first = OutboxEntry.objects.filter(kind=Kind.RESERVE_LOYALTY, external_id=number).first()
    entry, new = outbox.enqueue_new(
        Kind.RESERVE_LOYALTY,
        f"{number}{AGAIN}",
        order_number=number,
        store_id=release.store_id,
        member_id=first.member_id if first else "",
        source=PAID_AFTER_RELEASE,
        depends_on=release,
    )
    if new:
        # Now, in the payment's transaction, so that no other basket claims them meanwhile
        # (a release still on its way gives them back when the reservation is sent).
        claims.take_again(number, _released_claims(release))
        queue_outbox_entries([entry.pk])
    return entry


def queue_release(order_number: str, source: str) -> OutboxEntry:
    """Release the order's reservations (after they were made, if they are on their way): the
    ones made again after a late payment, when there are (see :func:`hold_again_after_release`)."""
    number = str(order_number)
    held = OutboxEntry.objects.filter(
        kind=Kind.RESERVE_LOYALTY, external_id__in=[number, f"{number}{AGAIN}"]
    )
    reserve = max(held, key=lambda entry: entry.pk, default=None)
    entry = outbox.enqueue(
        Kind.RELEASE_LOYALTY,
        reserve.external_id if reserve else number,
        order_number=number,
        store_id=reserve.store_id if reserve else current_store_id() or "",
        source=source,
        depends_on=reserve,
    )
    if entry.state == OutboxEntry.State.SKIPPED and entry.source == ABANDONED_CHECKOUT:
        # Skipped for a payment whose purchase then did not use the coupons: sent after all.
        OutboxEntry.objects.filter(pk=entry.pk).update(
            state=OutboxEntry.State.PENDING, source=source[:80], next_attempt_at=timezone.now()
        )
    queue_outbox_entries([entry.pk])
    return entry


def _purchase_queued(order_number: str) -> bool:
    return (
        OutboxEntry.objects.filter(kind=Kind.SEND_TRANSACTION, order_number=order_number)
        .exclude(state__in=[OutboxEntry.State.SKIPPED, OutboxEntry.State.DEAD])
        .exists()
    )


def _settled(order_number: str) -> bool:
    return OutboxEntry.objects.filter(
        kind=Kind.SEND_TRANSACTION,
        order_number=order_number,
        state=OutboxEntry.State.SENT,
    ).exists()


def _held_again(order_number: str) -> bool:
    return OutboxEntry.objects.filter(
        kind=Kind.RESERVE_LOYALTY, external_id=f"{order_number}{AGAIN}"
    ).exists()


@register
class SendReservation(DillerHandler):
    """Reserve the order's coupons and stamps. A courtesy to the checkout: what waits for it
    (the order's transaction, the release) goes ahead when it is dead.

    Only a reservation made again after a late payment waits for anything (the release); it
    goes after a dead one too, and reserves again whatever that release did let go.
    """

    kind = Kind.RESERVE_LOYALTY
    label = Kind.RESERVE_LOYALTY.label
    courtesy = True
    after_dead = True

    def send(self, entry: OutboxEntry) -> dict:
        if _settled(entry.order_number):
            raise outbox.Skip("The order's transaction already used the coupons and stamps.")
        again = entry.source == PAID_AFTER_RELEASE
        if again and entry.depends_on is not None:
            # The claims the payment took already count as the order's, not as lost.
            lost = claims.take_again(entry.order_number, _released_claims(entry.depends_on))
            if lost:
                logger.warning(
                    "diller: %d coupon use(s) of order %s were claimed by another order after "
                    "its release",
                    lost,
                    entry.order_number,
                )
        reserve_order(entry.order_number, again=again)
        return _states(entry.order_number)


@register
class SendRelease(DillerHandler):
    """Release the order's coupon reservations.

    The release of an unpaid order is skipped once the order is paid after all (its purchase
    is queued, or its coupons are to be reserved again): the payment needs them held. Its
    answer keeps the shop's claims it ended, for the order to take them again should its
    payment come after all (:func:`hold_again_after_release`).
    """

    kind = Kind.RELEASE_LOYALTY
    label = Kind.RELEASE_LOYALTY.label

    def send(self, entry: OutboxEntry) -> dict:
        number = entry.order_number
        if entry.source != ABANDONED_CHECKOUT:
            release_order(number)
            return _states(number)
        if _purchase_queued(number) or _held_again(number):
            raise outbox.Skip("The order was paid after all: its purchase uses the coupons.")
        ended = claims.held_by_order(number)
        release_order(number)
        return {**_states(number), "claims": ended}


def _states(order_number: str) -> dict:
    items = OrderLoyaltyItem.objects.filter(order_number=order_number).order_by("pk")
    return {
        "items": [
            {"kind": item.kind, "reference": item.reference, "reservation": item.reservation}
            for item in items
        ]
    }


# The problem statuses the contract allows for a reservation Diller will not make (the coupon
# or card is used up, held by another sale, or no longer valid), besides a 200 refusal.
REFUSALS = (400, 409, 422)


def _refusal_text(refusal: DillerRefused | DillerValidationError) -> str:
    if isinstance(refusal, DillerRefused):
        return refusal.details or ""
    messages = [m for ms in refusal.field_errors.values() for m in ms]
    return " ".join(filter(None, [refusal.detail or refusal.title, *messages]))


def reserve_order(order_number: str, *, again: bool = False) -> None:
    """Reserve at Diller every coupon and stamp card the order used and has not reserved yet
    (``again``: those released too, for an order paid after its release).

    Keyed by the order number, so running it again (a retried task) does no harm. A refusal is
    recorded on the item for staff; an outage raises so that the task is retried.
    """
    order_number = str(order_number)
    states = [OrderLoyaltyItem.Reservation.PENDING]
    if again:
        states.append(OrderLoyaltyItem.Reservation.RELEASED)
    items = OrderLoyaltyItem.objects.filter(order_number=order_number, reservation__in=states)
    for item in items:
        client = get_client(item.store_id or None)
        try:
            if item.kind == OrderLoyaltyItem.Kind.COUPON:
                request = wire.CouponReservationRequest(
                    channel=CHANNEL, external_transaction_id=order_number
                )
                client.reserve_coupon(item.member_id, item.reference, request)
            else:
                request = wire.StampReservationRequest(
                    channel=CHANNEL, external_transaction_id=order_number
                )
                client.reserve_stamp(item.member_id, int(item.reference), request)
        except (DillerRefused, DillerValidationError) as refusal:
            if isinstance(refusal, DillerValidationError) and refusal.status not in REFUSALS:
                raise
            item.reservation = OrderLoyaltyItem.Reservation.REFUSED
            item.reservation_detail = _refusal_text(refusal)[:255]
            logger.warning("diller refused to reserve %s for order %s", item.kind, order_number)
        except DillerError:
            raise
        else:
            item.reservation = OrderLoyaltyItem.Reservation.RESERVED
            item.reservation_detail = ""
        item.save(update_fields=["reservation", "reservation_detail", "updated_at"])


def release_order(order_number: str) -> None:
    """Release the order's coupon and stamp-card reservations (order cancelled or payment
    abandoned).

    Whether a stamp held for a pending order shows on the card is not in the contract; where it
    does, a hold left behind would count a stamp the member never earned. Its cancel endpoint is
    deprecated, so a hold Diller no longer knows (404) or no longer holds for this order
    (``is_ok: false``) counts as released.
    """
    order_number = str(order_number)
    claims.release_for_order(order_number)
    items = OrderLoyaltyItem.objects.filter(
        order_number=order_number, reservation=OrderLoyaltyItem.Reservation.RESERVED
    )
    for item in items:
        client = get_client(item.store_id or None)
        if item.kind == OrderLoyaltyItem.Kind.COUPON:
            client.cancel_coupon_reservation(item.member_id, item.reference, order_number)
        else:
            with contextlib.suppress(DillerNotFound, DillerRefused):
                client.cancel_stamp_reservation(item.member_id, int(item.reference), order_number)
        item.reservation = OrderLoyaltyItem.Reservation.RELEASED
        item.save(update_fields=["reservation", "updated_at"])
