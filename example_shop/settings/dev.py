"""Development and demo settings (``manage.py`` uses these by default)."""

from .base import *  # noqa: F403
from .base import env_list

DEBUG = True
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["*"])
INTERNAL_IPS = ["127.0.0.1"]
