"""The kinds of outbox entries Coupontools receives (each sent by its handler in
:mod:`.delivery`)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    LOCK = "coupontools-lock", _("Coupontools voucher locked")
    VALIDATE = "coupontools-validate", _("Coupontools voucher validated")
    UNLOCK = "coupontools-unlock", _("Coupontools voucher unlocked")
