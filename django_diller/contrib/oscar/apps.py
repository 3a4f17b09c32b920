from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DillerOscarConfig(AppConfig):
    name = "django_diller.contrib.oscar"
    label = "diller_oscar"
    verbose_name = _("Diller loyalty for Oscar")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import payloads, receivers  # noqa: F401  (signal receivers, payload builders)
        from .carrier import ensure_carrier_offers_after_migrate

        post_migrate.connect(ensure_carrier_offers_after_migrate, sender=self)
