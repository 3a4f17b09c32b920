"""Signals a shop can listen to.

``member_joined(sender, user, member_id, store_id, source)``
    A shop account joined the club: registered at Diller, or linked to an existing member
    after proving ownership with a one-time code. ``user`` may be None (guest checkout).
``member_updated(sender, user, member_id, store_id, changed)``
    The member edited their profile; ``changed`` is the set of changed field names.
``member_left(sender, user, member_id, store_id)``
    The account is no longer linked to the member: the member left the club (deleted at
    Diller), or staff unlinked them. The shop account stays either way.

``transaction_sent(sender, entry, order_number)``
    Diller received a purchase, a remainder, a return or a refund (``entry`` is the
    :class:`~django_diller.models.OutboxEntry`; ``entry.kind`` says which).
``transaction_cancelled(sender, entry, order_number)``
    Diller cancelled the transaction ``entry.external_id``.
``transaction_failed(sender, entry, order_number, will_retry)``
    An attempt failed. ``will_retry`` is False when the entry is dead: staff must look at it.
``transaction_skipped(sender, entry, order_number)``
    There was nothing to send (``entry.last_error`` says why: the buyer is not a member, has
    not accepted the terms, ...). A skipped purchase releases the order's reservations.

``sender`` is the service class that sent it (``OutboxEntry`` for the transaction signals).
"""

from django.dispatch import Signal

member_joined = Signal()
member_updated = Signal()
member_left = Signal()
transaction_sent = Signal()
transaction_cancelled = Signal()
transaction_failed = Signal()
transaction_skipped = Signal()
