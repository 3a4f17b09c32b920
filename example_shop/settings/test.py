"""Fast settings for the test suite (``pyproject.toml`` points pytest-django here).

SQLite in memory unless ``DATABASE_URL`` names a PostgreSQL database, MD5 passwords, a
local-memory cache, eager Celery and the embedded Diller sandbox, whatever the environment says.
"""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import env, postgres_from_url

DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

_database_url = env("DATABASE_URL", "")
if _database_url.startswith("postgres"):
    DATABASES = {"default": {**postgres_from_url(_database_url), "ATOMIC_REQUESTS": True}}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": ":memory:",
            "ATOMIC_REQUESTS": True,
        }
    }

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "example-shop-tests",
    }
}

CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Keep the repository clean: Oscar links its "image not found" picture into MEDIA_ROOT.
MEDIA_ROOT = Path(tempfile.gettempdir()) / "example-shop-test-media"

DILLER = {
    "BASE_URL": None,
    "CLIENT_ID": None,
    "CLIENT_SECRET": None,
    "STORE_ID": None,
    "DEPARTMENT_ID": None,
    "SANDBOX": True,
    # Test runs have DEBUG off (pytest-django turns it off whatever this file says).
    "SANDBOX_WITHOUT_DEBUG": True,
}

# Dintero receipts are off in tests unless a test turns them on (override_settings).
DINTERO: dict = {}

# Coupontools vouchers come from the embedded sandbox (its demo vouchers) in tests.
COUPONTOOLS = {"SANDBOX": True, "SANDBOX_WITHOUT_DEBUG": True}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"null": {"class": "logging.NullHandler"}},
    "root": {"handlers": ["null"], "level": "WARNING"},
}

# Let a broken product image fail the test instead of rendering an empty <img>.
OSCAR_THUMBNAIL_DEBUG = True
