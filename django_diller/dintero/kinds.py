"""The kinds of outbox entries Dintero receives (each sent by its handler in :mod:`.delivery`)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    RECEIPT = "dintero-receipt", _("Dintero receipt")
    RETURN = "dintero-return", _("Dintero receipt of a return")
    ATTACH = "dintero-attach", _("attach the customer to a Dintero receipt")
