from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DillerConfig(AppConfig):
    name = "django_diller"
    label = "diller"
    verbose_name = _("Diller loyalty")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks, receivers  # noqa: F401  (registers checks and receivers)
        from .dintero import delivery  # noqa: F401  (Dintero's outbox handlers)
        from .dintero.checks import register_checks as register_dintero_checks
        from .loyalty import reservations, transactions  # noqa: F401  (outbox handlers)

        register_dintero_checks()
