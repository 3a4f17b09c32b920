"""WSGI entry point of the example shop."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_shop.settings.dev")

application = get_wsgi_application()
