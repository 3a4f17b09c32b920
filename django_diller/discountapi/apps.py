"""The Discount API app: ``INSTALLED_APPS += ["django_diller.discountapi"]``, after
``django_diller``."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiscountApiConfig(AppConfig):
    name = "django_diller.discountapi"
    label = "diller_discountapi"
    verbose_name = _("Discount rules")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .checks import register_checks

        register_checks()
