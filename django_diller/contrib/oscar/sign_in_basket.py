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
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.signing import BadSignature, Signer
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from oscar.core.loading import get_model

from ...models import BasketLoyalty

logger = logging.getLogger("django_diller.oscar")

Basket = get_model("basket", "Basket")

# What tells two entries of a provider apart: a second entry with the same value replaces
# nothing and is not added. A provider not named here: the whole entry.
ENTRY_KEYS = {"coupontools": "session", "discountapi": "discountId"}


def _cookie_basket_id(request: Any) -> int | None:
    """The id of the guest's open basket that Oscar's basket cookie names, if it is valid."""
    cookies = getattr(request, "COOKIES", None) or {}
    signed = cookies.get(getattr(settings, "OSCAR_BASKET_COOKIE_OPEN", "oscar_open_basket"))
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


def merged_providers(into: dict[str, Any], added: dict[str, Any]) -> dict[str, Any]:
    """``into``'s providers with ``added``'s entries that ``into`` has not: a provider's list
    is extended, in order; a provider whose value is not a list keeps ``into``'s value if any."""
    merged = dict(into)
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
                seen.add(_identity(provider, entry))
        merged[provider] = kept
    return merged


def carry_over(guest_basket_id: int, user: Any) -> BasketLoyalty | None:
    """Add the providers' entries of the guest's basket to the basket Oscar merges it into:
    the user's open basket (the first, as Oscar takes it, if there are several), created as
    Oscar would create it if there is none. The snapshot it wrote, or None: nothing to carry."""
    guest_row = BasketLoyalty.objects.of_basket(guest_basket_id)
    if guest_row is None or not guest_row.providers:
        return None
    if not Basket.open.filter(pk=guest_basket_id, owner=None).exists():
        return None  # merged already, or not a guest's basket
    with transaction.atomic():
        baskets = list(Basket.open.filter(owner=user))
        target = baskets[0] if baskets else Basket.open.create(owner=user)
        row, _created = BasketLoyalty.objects.select_for_update().get_or_create(
            basket_id=target.pk,
            defaults={"store_id": "", "member_id": "", "fetched_at": timezone.now()},
        )
        providers = merged_providers(row.providers or {}, guest_row.providers)
        if providers != (row.providers or {}):
            row.providers = providers
            row.save(update_fields=["providers", "updated_at"])
    return row


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
