"""The link between a shop account and a Diller member (:class:`~django_diller.models.MemberLink`).

One link per shop account, whatever the store, and one account per member of a store: the
checks here refuse a second one before anything is sent, and :func:`link_member` refuses it
again, in the database, when two requests race.
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import MemberLink
from .errors import AlreadyLinked, MemberTaken
from .service import MemberService


def check_account_free(user: AbstractBaseUser) -> None:
    """Refuse (:class:`~.errors.AlreadyLinked`) an account already linked to a member."""
    # One link per shop account (the model's one-to-one), whatever the store.
    if MemberLink.objects.filter(user=user).exists():
        raise AlreadyLinked()


def check_member_free(members: MemberService, user: AbstractBaseUser, member_id: str) -> None:
    """Refuse (:class:`~.errors.MemberTaken`) a member linked to another account."""
    taken = MemberLink.objects.filter(store_id=members.store_id, member_id=member_id)
    if taken.exclude(user=user).exists():
        raise MemberTaken()


def link_member(
    members: MemberService, user: AbstractBaseUser, member_id: str, source: str
) -> MemberLink:
    try:
        with transaction.atomic():
            link, _ = MemberLink.objects.update_or_create(
                user=user,
                defaults={
                    "store_id": members.store_id,
                    "member_id": member_id,
                    "source": source,
                    "linked_at": timezone.now(),  # when this membership was linked
                },
            )
    except IntegrityError:
        raise MemberTaken() from None
    return link
