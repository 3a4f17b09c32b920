"""The total the shopper agreed to on the preview page, and what changed since.

The preview page carries a signed snapshot of what it showed (the order total, the basket's
lines and the loyalty discounts) in the place-order form. Just before the order is placed, the
same snapshot is taken again; when the totals differ, nothing is charged and the shopper goes
back to the preview with a message that names what changed and the new total. The same
happens when the total is the same but the order is not what the page showed: other lines (a
basket changed in another tab), another coupon, or a stamp card's reward that it did not show.
Signing keeps a shopper from posting a total of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core import signing
from django.utils.translation import gettext as _
from oscar.templatetags.currency_filters import currency as format_currency

from ...discounts import DiscountPlan
from .basket import basket_offers, loyalty_row

FIELD = "diller_preview"
SESSION_KEY = "diller_preview"
SALT = "django_diller.contrib.oscar.preview"


@dataclass(frozen=True)
class PreviewSnapshot:
    """What the preview page showed, in a form that survives a round trip through the page."""

    basket: int
    total: Decimal
    currency: str
    lines: tuple[tuple[int, int], ...]  # (basket line id, quantity)
    coupons: dict[str, Decimal]  # applied code -> what it took off
    rewards: tuple[int, ...]  # stamp cards whose reward was given
    member: bool  # the basket had a loyalty snapshot of a member still linked

    def sign(self) -> str:
        return signing.dumps(
            {
                "basket": self.basket,
                "total": str(self.total),
                "currency": self.currency,
                "lines": [list(line) for line in self.lines],
                "coupons": {code: str(amount) for code, amount in self.coupons.items()},
                "rewards": list(self.rewards),
                "member": self.member,
            },
            salt=SALT,
            compress=True,
        )

    @classmethod
    def unsign(cls, token: str) -> PreviewSnapshot:
        """Raises ``signing.BadSignature`` for a token this shop did not sign."""
        data = signing.loads(token, salt=SALT)
        return cls(
            basket=int(data["basket"]),
            total=Decimal(data["total"]),
            currency=data["currency"],
            lines=tuple((int(pk), int(quantity)) for pk, quantity in data["lines"]),
            coupons={code: Decimal(amount) for code, amount in data["coupons"].items()},
            rewards=tuple(int(card) for card in data["rewards"]),
            member=bool(data["member"]),
        )


def take_snapshot(basket, order_total, plan: DiscountPlan | None) -> PreviewSnapshot:
    """The snapshot of ``basket`` priced at ``order_total`` (Oscar's ``Price``)."""
    coupons: dict[str, Decimal] = dict(plan.coupon_amounts) if plan else {}
    if plan is not None and plan.shipping_coupon:
        coupons.setdefault(plan.shipping_coupon, plan.shipping_discount)
    rewards = tuple(sorted(m.card_id for m in plan.stamp_movements if m.rewards)) if plan else ()
    return PreviewSnapshot(
        basket=basket.id or 0,
        total=order_total.incl_tax,
        currency=order_total.currency,
        lines=tuple(sorted((line.pk, line.quantity) for line in basket.all_lines())),
        coupons=coupons,
        rewards=rewards,
        member=plan is not None,
    )


def differs(before: PreviewSnapshot, now: PreviewSnapshot) -> bool:
    """Whether the order is not what the preview showed: its total, its lines, the coupons it
    uses and what each takes off (the preview lists them), or the stamp cards whose reward it
    gives."""

    def shown(snapshot: PreviewSnapshot) -> tuple:
        return (
            snapshot.total,
            snapshot.currency,
            snapshot.lines,
            sorted(snapshot.coupons.items()),
            snapshot.rewards,
        )

    return shown(before) != shown(now)


def _titles(basket) -> tuple[dict[str, str], dict[int, str]]:
    """The coupon and stamp-card titles the shopper saw: of every discount source's offers, and
    of Diller's coupons in the basket's loyalty snapshot (unticked ones too)."""
    loyalty = loyalty_row(basket)
    if loyalty is None:
        return {}, {}
    offers = basket_offers(basket, loyalty)
    coupons = {c.code: c.title or c.code for c in offers.coupons}
    coupons.update({c["code"]: c.get("title") or c["code"] for c in loyalty.coupons})
    cards = {c.card_id: c.title or str(c.card_id) for c in offers.stamp_cards}
    return coupons, cards


def what_changed(
    before: PreviewSnapshot, now: PreviewSnapshot, basket, *, linked: bool
) -> list[str]:
    """Plain sentences, for the shopper, naming why the total moved.

    ``linked``: the shopper's account is linked to a member now.
    """
    reasons: list[str] = []
    if before.lines != now.lines:
        reasons.append(_("Your basket changed."))
    if before.member and not now.member:
        if linked:
            reasons.append(_("Loyalty discounts can't be used right now."))
        else:
            reasons.append(_("Your account is no longer linked to a loyalty membership."))
    else:
        coupon_titles, card_titles = _titles(basket)
        for code, amount in before.coupons.items():
            title = coupon_titles.get(code, code)
            if code not in now.coupons:
                reasons.append(_("The coupon %(title)s no longer applies.") % {"title": title})
            elif now.coupons[code] != amount:
                reasons.append(
                    _("The coupon %(title)s now takes off %(amount)s.")
                    % {"title": title, "amount": format_currency(now.coupons[code], now.currency)}
                )
        for code in now.coupons:
            if code not in before.coupons:
                title = coupon_titles.get(code, code)
                reasons.append(_("The coupon %(title)s now applies.") % {"title": title})
        for card in before.rewards:
            if card not in now.rewards:
                reasons.append(
                    _("The reward of the stamp card %(title)s no longer applies.")
                    % {"title": card_titles.get(card, str(card))}
                )
        for card in now.rewards:
            if card not in before.rewards:
                reasons.append(
                    _("The reward of the stamp card %(title)s now applies.")
                    % {"title": card_titles.get(card, str(card))}
                )
    if not reasons:
        reasons.append(_("Prices or shipping changed."))
    return reasons


def change_message(before: PreviewSnapshot, now: PreviewSnapshot, basket, *, linked: bool) -> str:
    """The message shown on the preview page when the order is not the one the shopper saw
    (see :func:`differs`)."""
    if (before.total, before.currency) == (now.total, now.currency):
        summary = _(
            "Your order changed since you saw it, so it was not placed and nothing was charged. "
            "Its total is still %(now)s."
        ) % {"now": format_currency(now.total, now.currency)}
    else:
        summary = _(
            "Your order total changed from %(before)s to %(now)s, so the order was not placed "
            "and nothing was charged."
        ) % {
            "before": format_currency(before.total, before.currency),
            "now": format_currency(now.total, now.currency),
        }
    return " ".join([summary, *what_changed(before, now, basket, linked=linked)])


def remember(session: Any, token: str) -> None:
    """Keep the last preview's token for a place-order form that does not carry it."""
    session[SESSION_KEY] = token


def forget(session: Any) -> None:
    """The order is placed: its preview agrees to nothing any more."""
    session.pop(SESSION_KEY, None)


class ForgedPreview(Exception):
    """The place-order form carries a preview token this shop did not sign."""


def agreed_snapshot(request, basket_id: int | None) -> PreviewSnapshot | None:
    """The snapshot the shopper agreed to: from the form, else the session's last preview of
    this basket.

    ``None`` when no preview of it was shown. Raises :class:`ForgedPreview` for a broken token.
    """
    token = request.POST.get(FIELD)
    from_form = bool(token)
    if not from_form:
        token = request.session.get(SESSION_KEY)
    if not token:
        return None
    try:
        snapshot = PreviewSnapshot.unsign(token)
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        if from_form:
            raise ForgedPreview from exc
        forget(request.session)
        return None
    if not from_form and snapshot.basket != (basket_id or 0):
        return None  # another basket's preview (an earlier order): it agrees to nothing here
    return snapshot
