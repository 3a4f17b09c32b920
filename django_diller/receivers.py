"""Receivers of the plugin's own model signals."""

from __future__ import annotations

from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import BasketLoyalty, MemberLink


@receiver(post_delete, sender=MemberLink, dispatch_uid="diller-forget-baskets-of-link")
def forget_basket_loyalty_of_unlinked_member(sender, instance: MemberLink, **kwargs) -> None:
    """A member who left (or was unlinked) takes their coupons and stamp cards off baskets."""
    BasketLoyalty.objects.filter(member_id=instance.member_id, store_id=instance.store_id).delete()
