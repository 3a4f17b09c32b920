# Oscar's shipping models, unchanged (their migrations: MIGRATION_MODULES in settings/base.py).
from oscar.apps.shipping.models import *  # noqa: F403
