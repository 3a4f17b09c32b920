"""Receivers of the plugin's own model signals."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import request_memo, signals
from .conf import app_settings
from .loyalty.connection import current_store_id
from .loyalty.kinds import Kind
from .loyalty.reservations import queue_release
from .loyalty.wallet import prefetch
from .models import LINK_MEMO, BasketLoyalty, MemberLink, OutboxEntry


@receiver(post_save, sender=MemberLink, dispatch_uid="diller-link-saved-forget-memo")
@receiver(post_delete, sender=MemberLink, dispatch_uid="diller-link-deleted-forget-memo")
def forget_remembered_links(sender, instance: MemberLink, **kwargs) -> None:
    """The request sees a link it changed at once (see ``MemberLinkQuerySet.of``), and reads
    links afresh for the rest of the request: the change may yet be rolled back."""
    request_memo.forget(LINK_MEMO, for_good=True)


@receiver(post_delete, sender=MemberLink, dispatch_uid="diller-forget-baskets-of-link")
def forget_basket_loyalty_of_unlinked_member(sender, instance: MemberLink, **kwargs) -> None:
    """A member who left (or was unlinked) takes their coupons and stamp cards off baskets.
    What other providers keep on a basket (a voucher the shopper entered, a discount staff
    applied) is the shopper's, not the club's: it stays, on a snapshot of no member."""
    rows = BasketLoyalty.objects.filter(member_id=instance.member_id, store_id=instance.store_id)
    for row in rows:
        if not row.providers:
            row.delete()
            continue
        row.member_id, row.store_id = "", ""
        row.coupons, row.stamp_cards, row.chosen_codes, row.declined_codes = [], [], [], []
        row.save()


@receiver(user_logged_in, dispatch_uid="diller-prefetch-wallet-on-login")
def prefetch_wallet_of_member(sender, request, user, **kwargs) -> None:
    """A member who logs in is likely to check out: have their coupons ready."""
    if app_settings.PREFETCH_WALLET and (link := MemberLink.objects.of(user, current_store_id())):
        prefetch(link.member_id)


@receiver(signals.transaction_skipped, dispatch_uid="diller-release-skipped-purchase")
def release_reservations_of_skipped_purchase(sender, entry, order_number: str, **kwargs) -> None:
    """A purchase that is never sent (the member has not accepted the terms, or is gone) does
    not use the coupons and stamps held for it: release them, at Diller and in the shop."""
    if entry.kind != Kind.SEND_TRANSACTION:
        return
    held = OutboxEntry.objects.filter(kind=Kind.RESERVE_LOYALTY, external_id=order_number).exists()
    if held:
        queue_release(order_number, "transaction skipped")
