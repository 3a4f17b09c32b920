"""What a guest kept on their basket goes with them when they sign in.

A guest's vouchers (Coupontools) and the discounts staff applied to a guest's basket by hand
(the Discount API) live on the basket's snapshot, ``BasketLoyalty.providers``. When a guest
signs in, Oscar merges the basket of their cookie into their own on the next request: it moves
the lines and Oscar's own vouchers, but knows nothing of the snapshot, so the guest's voucher
would silently fall off the basket. At sign-in, while the cookie still names the guest's basket,
its providers' entries are added to the snapshot of the basket Oscar will merge it into.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.signing import BadSignature, Signer
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.module_loading import import_string
from oscar.core.loading import get_class, get_model

from ...models import BasketLoyalty, CouponClaim

logger = logging.getLogger("django_diller.oscar")

Basket = get_model("basket", "Basket")

# What tells two entries of a provider apart: a second entry with the same value replaces
# nothing and is not added. A provider not named here: the whole entry.
DISCOUNT_API = "discountapi"
ENTRY_KEYS = {"coupontools": "session", DISCOUNT_API: "discountId"}


@lru_cache(maxsize=4)
def _basket_middleware(middleware: tuple[str, ...]) -> Any:
    """The shop's basket middleware among ``middleware`` (Oscar's, a fork of it, or a subclass
    of either), or None."""
    oscar_s = get_class("basket.middleware", "BasketMiddleware")
    for path in middleware:
        found = import_string(path)
        if isinstance(found, type) and issubclass(found, oscar_s):
            return found(lambda request: None)
    return None


def _cookie_key(request: Any) -> str:
    """The name of the basket cookie, as the shop's basket middleware says it: a shop with a
    basket per site overrides its ``get_cookie_key``."""
    middleware = _basket_middleware(tuple(settings.MIDDLEWARE))
    if middleware is not None:
        return str(middleware.get_cookie_key(request))
    return str(getattr(settings, "OSCAR_BASKET_COOKIE_OPEN", "oscar_open_basket"))


def _cookie_basket_id(request: Any) -> int | None:
    """The id of the guest's open basket that Oscar's basket cookie names, if it is valid."""
    cookies = getattr(request, "COOKIES", None) or {}
    signed = cookies.get(_cookie_key(request))
    if not signed:
        return None
    try:
        return int(Signer().unsign(signed))
    except (BadSignature, ValueError):
        return None


def _identity(provider: str, entry: Any) -> Any:
    key = ENTRY_KEYS.get(provider)
    if key and isinstance(entry, dict) and key in entry:
        return (key, entry[key])
    return repr(entry)


def merged_providers(
    into: dict[str, Any], added: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """``into``'s providers with ``added``'s entries that ``into`` has not, and those entries
    by provider: a provider's list is extended, in order; a provider whose value is not a list
    keeps ``into``'s value if any."""
    merged = dict(into)
    carried: dict[str, list[Any]] = {}
    for provider, entries in added.items():
        present = merged.get(provider)
        if not isinstance(entries, list):
            merged.setdefault(provider, entries)
            continue
        kept = list(present) if isinstance(present, list) else []
        seen = {_identity(provider, entry) for entry in kept}
        for entry in entries:
            if _identity(provider, entry) not in seen:
                kept.append(entry)
                carried.setdefault(provider, []).append(entry)
                seen.add(_identity(provider, entry))
        merged[provider] = kept
    return merged, carried


def carry_over(guest_basket_id: int, user: Any) -> BasketLoyalty | None:
    """Add the providers' entries of the guest's basket to the basket Oscar merges it into:
    the user's open basket (the first, as Oscar takes it, if there are several), created as
    Oscar would create it if there is none. The snapshot it wrote, or None: nothing to carry.

    The guest's claims not yet attached to an order (a voucher claimed by a checkout whose
    payment failed) move with them: the signed-in shopper's order may then use the voucher.
    One savepoint: a database error leaves the sign-in's own transaction usable.
    """
    with transaction.atomic():
        guest_row = BasketLoyalty.objects.of_basket(guest_basket_id)
        if guest_row is None or not guest_row.providers:
            return None
        if not Basket.open.filter(pk=guest_basket_id, owner=None).exists():
            return None  # merged already, or not a guest's basket
        baskets = list(Basket.open.filter(owner=user))
        target = baskets[0] if baskets else Basket.open.create(owner=user)
        row, _created = BasketLoyalty.objects.select_for_update().get_or_create(
            basket_id=target.pk,
            defaults={"store_id": "", "member_id": "", "fetched_at": timezone.now()},
        )
        providers, carried = merged_providers(row.providers or {}, guest_row.providers)
        if carried:
            row.providers = providers
            row.save(update_fields=["providers", "updated_at"])
        CouponClaim.objects.filter(basket_id=guest_basket_id, order_number="").update(
            basket_id=target.pk
        )
        _audit_moved_discounts(carried.get(DISCOUNT_API, []), guest_basket_id, target.pk, user)
    return row


def _audit_moved_discounts(entries: list[Any], from_basket: int, to_basket: int, user: Any) -> None:
    """The discount audit log says where each discount staff applied by hand went."""
    if not entries or not apps.is_installed("django_diller.discountapi"):
        return
    from ...discountapi import audit

    for entry in entries:
        if not isinstance(entry, dict) or "discountId" not in entry:
            continue
        details = {key: value for key, value in entry.items() if key != "discountId"}
        audit.record(
            str(entry["discountId"]),
            f"moved to basket {to_basket} at sign-in",
            actor=str(getattr(user, "username", "") or ""),
            source="shop",
            before={"basket": from_basket, **details},
            after={"basket": to_basket, **details},
        )


@receiver(user_logged_in, dispatch_uid="diller-carry-guest-basket-on-sign-in")
def carry_over_on_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """A failure here must not stop the sign-in: the shopper may enter the voucher again."""
    guest_basket_id = _cookie_basket_id(request)
    if guest_basket_id is None:
        return
    try:
        carry_over(guest_basket_id, user)
    except Exception as exc:  # never break signing in
        logger.warning(
            "diller: a guest basket's vouchers did not follow the sign-in: %s",
            type(exc).__name__,
        )
