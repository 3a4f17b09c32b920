"""The app's Celery tasks, for Celery's ``autodiscover_tasks()``: they live with what they
serve (the outbox's in :mod:`django_diller.outbox.tasks`, the loyalty provider's in
:mod:`django_diller.loyalty.tasks`) and keep their ``django_diller.tasks.*`` names."""

from .loyalty.tasks import prefetch_wallet, refresh_non_eligible_products
from .outbox.tasks import deliver_outbox_entry, sweep_outbox

__all__ = [
    "deliver_outbox_entry",
    "prefetch_wallet",
    "refresh_non_eligible_products",
    "sweep_outbox",
]
