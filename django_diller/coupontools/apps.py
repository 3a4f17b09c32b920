"""The Coupontools vouchers app: ``INSTALLED_APPS += ["django_diller.coupontools"]``, after
``django_diller``."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoupontoolsConfig(AppConfig):
    name = "django_diller.coupontools"
    label = "diller_coupontools"
    verbose_name = _("Coupontools vouchers")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .checks import register_checks

        register_checks()
        # The outbox handlers (lock, validate, unlock) register on import. The voucher discount
        # source is registered by the Oscar integration, which prices baskets.
        from . import delivery  # noqa: F401
