"""The shop's Celery application (``celery -A example_shop worker``).

Configured from Django settings with the ``CELERY_`` prefix. Without ``REDIS_URL`` the settings
make tasks run eagerly, in-process, so no worker is needed.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_shop.settings.dev")

app = Celery("example_shop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
