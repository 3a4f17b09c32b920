"""The kinds of outbox entries Diller receives (each sent by its handler in this package)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    SEND_TRANSACTION = "send_transaction", _("send transaction")
    CANCEL_TRANSACTION = "cancel_transaction", _("cancel transaction")
    REFUND = "refund", _("partial refund")
    RESEND_REMAINDER = "resend_remainder", _("send the remainder")
    RETURN_TRANSACTION = "return_transaction", _("send a return (negative amounts)")
    RESERVE_LOYALTY = "reserve_loyalty", _("reserve coupons and stamps")
    RELEASE_LOYALTY = "release_loyalty", _("release coupons and stamps")


# What corrects a purchase already queued: a cancel, a refund, a remainder after a return, or a
# return of a purchase the plugin never sent.
CORRECTIONS = (
    Kind.CANCEL_TRANSACTION,
    Kind.REFUND,
    Kind.RESEND_REMAINDER,
    Kind.RETURN_TRANSACTION,
)
