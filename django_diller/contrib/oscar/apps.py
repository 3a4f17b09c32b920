from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DillerOscarConfig(AppConfig):
    name = "django_diller.contrib.oscar"
    label = "diller_oscar"
    verbose_name = _("Diller loyalty for Oscar")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Signal receivers (orders; non-eligible marks; a guest's basket at sign-in) and
        # payload builders.
        from . import non_eligible, payloads, receivers, sign_in_basket  # noqa: F401
        from .carrier import ensure_carrier_offers_after_migrate, hide_carrier_offers
        from .dintero_triggers import connect as connect_dintero_receipts

        post_migrate.connect(ensure_carrier_offers_after_migrate, sender=self)
        # The carrier offers stay off Oscar's offer pages and out of its offer wizard.
        hide_carrier_offers()
        # Dintero receipts: on the same payment and return triggers as Diller's transactions.
        connect_dintero_receipts()
        self._connect_vouchers()

    @staticmethod
    def _connect_vouchers() -> None:
        """Coupontools vouchers, when its app is installed: their discount source, and their
        validation and release on the same triggers as Diller's transactions."""
        from django.apps import apps

        if not apps.is_installed("django_diller.coupontools"):
            return
        from ...coupontools.sources import voucher_sources
        from ...loyalty.sources import registry
        from .vouchers import connect

        registry.register(voucher_sources)
        connect()
