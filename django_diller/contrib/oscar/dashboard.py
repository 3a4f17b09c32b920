"""The loyalty panel of Oscar's dashboard order page: what staff need to answer "what did
Diller get for this order?".

For one order it gathers, from the shop's own records only (the page never calls Diller):

* the coupons and stamp cards the order used (:class:`~django_diller.models.OrderLoyaltyItem`):
  discount, stamps collected and deducted, and where their reservation at Diller stands;
* the points: the figure Diller's answer to the order's transaction states, when it states one
  (the contract's ``ActionResponse`` carries it only in the text of ``details``; see
  :func:`~.loyalty_display.points_in_answer`), else why there is none yet;
* every outbox entry of the order (reserve, send, cancel, return, release) with its state,
  Diller's answer and, for staff who may view outbox entries, a link to its admin page;
* what a transaction was sent without (``loyalty_dropped`` in an entry's answer);
* beside them, when Dintero is on or the order has receipts there, the order's Dintero entries
  (its receipt, the receipts of its returns, naming the customer later: kinds of
  :mod:`django_diller.dintero.kinds`) with their state and Dintero's id of the receipt (never
  the receipt token the answer may keep).

Rendered by ``{% load diller_dashboard %}{% diller_dashboard_order_loyalty order %}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ...dintero.conf import enabled as dintero_enabled
from ...dintero.kinds import Kind as DinteroKind
from ...loyalty.kinds import Kind
from ...models import MemberLink, OrderLoyaltyItem, OutboxEntry
from .loyalty_display import answer_details, points_in_answer, product_titles, touched_products

State = OutboxEntry.State
DINTERO_KINDS = frozenset(kind.value for kind in DinteroKind)

# Bootstrap 4 badge classes (Oscar's dashboard) for the outbox entries' states.
STATE_BADGES = {
    State.PENDING: "badge-info",
    State.IN_FLIGHT: "badge-primary",
    State.SENT: "badge-success",
    State.FAILED: "badge-warning",
    State.DEAD: "badge-danger",
    State.SKIPPED: "badge-secondary",
}


class PointsState:
    """Where the order's points stand, as the panel words it."""

    EARNED = "earned"  # Diller's answer states them
    NO_FIGURE = "no_figure"  # sent, but the answer states no points
    NOT_SENT = "not_sent"  # queued, failed or dead: Diller does not have it (yet)
    NOTHING_TO_SEND = "nothing_to_send"  # skipped (e.g. not a consenting member)
    NO_TRANSACTION = "no_transaction"  # nothing was queued for the order


POINTS_TEXTS = {
    PointsState.NO_FIGURE: _("Sent; Diller's answer states no points."),
    PointsState.NOT_SENT: _("Not sent to Diller yet."),
    PointsState.NOTHING_TO_SEND: _("Nothing sent to Diller; the entry below says why."),
    PointsState.NO_TRANSACTION: _("No transaction is queued for this order."),
}


@dataclass(frozen=True)
class ItemRow:
    """A coupon or stamp card the order used."""

    kind: str
    kind_label: str
    reference: str
    title: str  # the coupon's or card's, as the member saw it ("" when not recorded)
    products: str  # the titles of the order lines it touched
    amount: Decimal
    stamps_collected: int
    stamps_deducted: int
    reservation: str
    reservation_label: str
    reservation_detail: str

    @property
    def is_coupon(self) -> bool:
        return self.kind == OrderLoyaltyItem.Kind.COUPON


@dataclass(frozen=True)
class EntryRow:
    """One outbox entry of the order."""

    pk: int
    kind: str
    kind_label: str
    external_id: str
    state: str
    state_label: str
    badge: str
    attempts: int
    source: str
    answer: str  # Diller's words (``details``); for a Dintero entry, its receipt's id there
    received_before: bool
    last_error: str
    updated_at: datetime
    sent_at: datetime | None
    url: str  # its Django admin page, "" for staff who may not view it


@dataclass(frozen=True)
class DashboardLoyalty:
    order_number: str
    currency: str
    member_id: str
    member_url: str  # the staff member look-up page, "" without permission
    items: tuple[ItemRow, ...]
    entries: tuple[EntryRow, ...]  # Diller's
    points: Decimal | None
    points_state: str
    dropped: tuple[str, ...]
    outbox_url: str  # the admin's outbox list searched for the order, "" without permission
    receipts: tuple[EntryRow, ...] = ()  # Dintero's
    receipts_on: bool = False  # Dintero is on, or the order has entries for it

    @property
    def points_text(self) -> str:
        return str(POINTS_TEXTS.get(self.points_state, ""))

    @property
    def transaction(self) -> EntryRow | None:
        """The entry that sends the order's transaction (the last one, should there be more)."""
        sends = [entry for entry in self.entries if entry.kind == Kind.SEND_TRANSACTION]
        return sends[-1] if sends else None

    @property
    def receipt(self) -> EntryRow | None:
        """The entry that sends the order's receipt to Dintero."""
        return next((entry for entry in self.receipts if entry.kind == DinteroKind.RECEIPT), None)

    def __bool__(self) -> bool:
        return bool(self.items or self.entries or self.receipts)


def dropped_in(answer: Any) -> list[str]:
    """What an entry's answer says was left out (``loyalty_dropped``: a list of notes, or the
    refusal's text when a remainder was sent without coupons)."""
    if not isinstance(answer, dict):
        return []
    dropped = answer.get("loyalty_dropped")
    if isinstance(dropped, str):
        return [dropped] if dropped.strip() else []
    if isinstance(dropped, list):
        return [str(note) for note in dropped if str(note).strip()]
    return []


def _points(entries: list[OutboxEntry]) -> tuple[Decimal | None, str]:
    sends = [entry for entry in entries if entry.kind == Kind.SEND_TRANSACTION]
    if not sends:
        return None, PointsState.NO_TRANSACTION
    sent = sends[-1]
    if sent.state == State.SKIPPED:
        return None, PointsState.NOTHING_TO_SEND
    if sent.state != State.SENT:
        return None, PointsState.NOT_SENT
    figure = points_in_answer(sent.response)
    if figure is None:
        return None, PointsState.NO_FIGURE
    return figure, PointsState.EARNED


def _item_row(item: OrderLoyaltyItem, titles: dict[str, list[str]]) -> ItemRow:
    return ItemRow(
        kind=item.kind,
        kind_label=item.get_kind_display(),
        reference=item.reference,
        title=item.title,
        products=touched_products(item, titles),
        amount=item.amount,
        stamps_collected=item.stamps_collected,
        stamps_deducted=item.stamps_deducted,
        reservation=item.reservation,
        reservation_label=item.get_reservation_display(),
        reservation_detail=item.reservation_detail,
    )


def _entry_row(entry: OutboxEntry, can_view: bool) -> EntryRow:
    answer = entry.response if isinstance(entry.response, dict) else {}
    # A Dintero entry says the receipt's id there (never the receipt token kept beside it).
    dintero = entry.kind in DINTERO_KINDS
    said = str(answer.get("id") or "") if dintero else answer_details(answer)
    return EntryRow(
        pk=entry.pk,
        kind=entry.kind,
        kind_label=entry.get_kind_display(),
        external_id=entry.external_id,
        state=entry.state,
        state_label=entry.get_state_display(),
        badge=STATE_BADGES.get(entry.state, "badge-secondary"),
        attempts=entry.attempts,
        source=entry.source,
        answer=said,
        received_before=bool(answer.get("received_before")),
        last_error=entry.last_error,
        updated_at=entry.updated_at,
        sent_at=entry.sent_at,
        url=reverse("admin:diller_outboxentry_change", args=[entry.pk]) if can_view else "",
    )


def _may(user: Any, action: str, model) -> bool:
    """May ``user`` do ``action`` on ``model`` in Django admin? (Oscar's dashboard also lets
    partner users in, who may have no admin access.)"""
    opts = model._meta
    return bool(
        user is not None
        and getattr(user, "is_staff", False)
        and user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")
    )


def can_view_outbox(user: Any) -> bool:
    return _may(user, "view", OutboxEntry)


def can_look_up_members(user: Any) -> bool:
    """The member look-up page asks for the member link change permission."""
    return _may(user, "change", MemberLink)


def order_dashboard_loyalty(order, user: Any = None) -> DashboardLoyalty:
    """The loyalty panel's content for ``order``; links only for a ``user`` who may follow
    them. Three queries (items, entries, lines), whatever the order holds."""
    number = str(order.number)
    items = list(OrderLoyaltyItem.objects.filter(order_number=number).order_by("kind", "pk"))
    every = list(OutboxEntry.objects.filter(order_number=number).order_by("created_at", "pk"))
    entries = [entry for entry in every if entry.kind not in DINTERO_KINDS]
    receipts = [entry for entry in every if entry.kind in DINTERO_KINDS]
    can_view = can_view_outbox(user)
    titles: dict[str, list[str]] = {}
    if any(item.lines for item in items):
        titles = product_titles(order.lines.select_related("product", "product__parent"))
    points, points_state = _points(entries)
    dropped = tuple(note for entry in entries for note in dropped_in(entry.response))
    members = [row.member_id for row in [*items, *entries, *receipts] if row.member_id]
    member_id = members[0] if members else ""
    member_url = ""
    if member_id and can_look_up_members(user):
        member_url = reverse("admin:diller_member_detail", args=[member_id])
    outbox_url = ""
    if can_view and every:
        outbox_url = f"{reverse('admin:diller_outboxentry_changelist')}?{urlencode({'q': number})}"
    return DashboardLoyalty(
        order_number=number,
        currency=order.currency,
        member_id=member_id,
        member_url=member_url,
        items=tuple(_item_row(item, titles) for item in items),
        entries=tuple(_entry_row(entry, can_view) for entry in entries),
        points=points,
        points_state=points_state,
        dropped=dropped,
        outbox_url=outbox_url,
        receipts=tuple(_entry_row(entry, can_view) for entry in receipts),
        receipts_on=bool(receipts) or dintero_enabled(),
    )
