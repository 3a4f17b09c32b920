# Oscar's partner models, unchanged (their migrations: MIGRATION_MODULES in settings/base.py).
from oscar.apps.partner.models import *  # noqa: F403
