"""Settings shared by every flavour of the example shop.

Importable without any environment variable: everything read from the environment has a
default that works offline (SQLite, local-memory cache, eager Celery). ``DEBUG`` is off here, so
there is no Diller sandbox by default: without ``DILLER_BASE_URL`` ``check`` reports that no
Diller host is configured. ``dev.py`` (``DEBUG`` on) and ``test.py`` build on this module and
select the embedded sandbox.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.utils.translation import gettext_lazy as _
from oscar.defaults import *  # noqa: F403  (Oscar's settings, overridden below)

# The repository root (…/example_shop/settings/base.py -> …/).
BASE_DIR = Path(__file__).resolve().parent.parent.parent
SHOP_DIR = BASE_DIR / "example_shop"


def env(name: str, default: str | None = None) -> str | None:
    """Return the environment variable ``name``; unset or empty gives ``default``."""
    value = os.environ.get(name, "")
    return value if value != "" else default


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated environment variable as a list (``default`` when unset)."""
    value = env(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def postgres_from_url(url: str) -> dict:
    """Turn ``postgres://user:pass@host:port/name?sslmode=require`` into a Django database.

    Uses psycopg 3 through Django's ``postgresql`` backend. Query parameters become
    connection ``OPTIONS`` (for example ``sslmode``).
    """
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ValueError(f"Not a PostgreSQL URL: {parts.scheme}://…")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")) or "postgres",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": unquote(parts.hostname or ""),
        "PORT": str(parts.port or ""),
        "OPTIONS": dict(parse_qsl(parts.query)),
    }


# --- Core Django ---------------------------------------------------------------------------

# A demo default: set DJANGO_SECRET_KEY wherever the shop is reachable by others. With this key
# `check --deploy` fails (demo_shop.E001, example_shop/shop/checks.py).
DEMO_SECRET_KEY = "django-insecure-example-shop-demo-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env("DJANGO_SECRET_KEY", DEMO_SECRET_KEY)
DEBUG = False
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.flatpages",
    # Oscar 4.2's apps, as its INSTALLED_APPS list (oscar.INSTALLED_APPS) names them. Three are
    # forked by hand so that get_class() finds the shop's own classes:
    #   checkout -> example_shop.checkout   (PaymentDetailsView records a settled demo payment)
    #   partner  -> example_shop.partner    (strategy.Selector: Norwegian VAT-inclusive prices)
    #   shipping -> example_shop.shipping   (repository.Repository: Standard 49 kr + Free)
    "oscar.config.Shop",
    "oscar.apps.analytics.apps.AnalyticsConfig",
    "example_shop.checkout.apps.CheckoutConfig",
    "oscar.apps.address.apps.AddressConfig",
    "example_shop.shipping.apps.ShippingConfig",
    "oscar.apps.catalogue.apps.CatalogueConfig",
    "oscar.apps.catalogue.reviews.apps.CatalogueReviewsConfig",
    "oscar.apps.communication.apps.CommunicationConfig",
    "example_shop.partner.apps.PartnerConfig",
    "oscar.apps.basket.apps.BasketConfig",
    "oscar.apps.payment.apps.PaymentConfig",
    "oscar.apps.offer.apps.OfferConfig",
    "oscar.apps.order.apps.OrderConfig",
    "oscar.apps.customer.apps.CustomerConfig",
    "oscar.apps.search.apps.SearchConfig",
    "oscar.apps.voucher.apps.VoucherConfig",
    "oscar.apps.wishlists.apps.WishlistsConfig",
    "oscar.apps.dashboard.apps.DashboardConfig",
    "oscar.apps.dashboard.reports.apps.ReportsDashboardConfig",
    "oscar.apps.dashboard.users.apps.UsersDashboardConfig",
    "oscar.apps.dashboard.orders.apps.OrdersDashboardConfig",
    "oscar.apps.dashboard.catalogue.apps.CatalogueDashboardConfig",
    "oscar.apps.dashboard.offers.apps.OffersDashboardConfig",
    "oscar.apps.dashboard.partners.apps.PartnersDashboardConfig",
    "oscar.apps.dashboard.pages.apps.PagesDashboardConfig",
    "oscar.apps.dashboard.ranges.apps.RangesDashboardConfig",
    "oscar.apps.dashboard.reviews.apps.ReviewsDashboardConfig",
    "oscar.apps.dashboard.vouchers.apps.VouchersDashboardConfig",
    "oscar.apps.dashboard.communications.apps.CommunicationsDashboardConfig",
    "oscar.apps.dashboard.shipping.apps.ShippingDashboardConfig",
    # Third-party apps Oscar depends on. No sorl-thumbnail / easy-thumbnails: see
    # OSCAR_THUMBNAILER below.
    "widget_tweaks",
    "haystack",
    "treebeard",
    "django_tables2",
    # The Discount API's web layer: REST framework, the OAuth2 provider of its tokens (its
    # applications in Django admin) and its OpenAPI document.
    "rest_framework",
    "oauth2_provider",
    "drf_spectacular",
    # The plugin, after Oscar's apps. Its Oscar integration comes first, so that its templates
    # (the loyalty pages in Oscar's layout) win over the core's neutral ones.
    "django_diller.contrib.oscar",
    "django_diller",
    # Coupontools vouchers, a provider beside Diller.
    "django_diller.coupontools",
    # Discount rules managed by the chain's back office (the Discount API).
    "django_diller.discountapi",
    # The demo shop itself (load_demo_shop, the thumbnailer, templates).
    "example_shop.shop.apps.DemoShopConfig",
]

# The forked partner and shipping apps keep Oscar's models unchanged, so they keep using
# Oscar's own migrations instead of copies (which would drift on Oscar upgrades).
MIGRATION_MODULES = {
    "partner": "oscar.apps.partner.migrations",
    "shipping": "oscar.apps.shipping.migrations",
}

MIDDLEWARE = [
    # Settings the plugin reads from the cache, read once per request under ASGI too.
    "django_diller.request_memo.RequestMemoMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "oscar.apps.basket.middleware.BasketMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
]

ROOT_URLCONF = "example_shop.urls"
WSGI_APPLICATION = "example_shop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SHOP_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.template.context_processors.i18n",
                "django.contrib.messages.context_processors.messages",
                "oscar.apps.search.context_processors.search_form",
                "oscar.apps.checkout.context_processors.checkout",
                "oscar.apps.communication.notifications.context_processors.notifications",
                "oscar.core.context_processors.metadata",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "db.sqlite3",
        "ATOMIC_REQUESTS": True,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "oscar.apps.customer.auth_backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_REDIRECT_URL = "/accounts/"

SITE_ID = 1

# --- Languages and time ----------------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("nb", _("Norwegian Bokmål")),
    ("sv", _("Swedish")),
]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Oslo"

# --- Static and media files ------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# --- Redis: cache and Celery -----------------------------------------------------------------

REDIS_URL = env("REDIS_URL")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
    # The worker keeps its database connection across tasks (with CONN_MAX_AGE below); a
    # broken or expired one is dropped before the next task (django_diller.tasks).
    CELERY_DB_REUSE_MAX = 1000
    DATABASES["default"]["CONN_MAX_AGE"] = 600
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "example-shop",
        }
    }
    # No broker: tasks run in-process, right away, and their exceptions propagate.
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True

CELERY_TIMEZONE = TIME_ZONE
# The outbox sweep: queues Diller transactions whose task was lost (broker restart, killed
# worker) or whose retry time has come. `celery -A example_shop worker -B` runs it.
CELERY_BEAT_SCHEDULE = {
    "diller-outbox-sweep": {"task": "django_diller.tasks.sweep_outbox", "schedule": 30.0},
    # Guests who ticked "join": owners who finished elsewhere, waits that ended, lost tasks.
    "diller-guest-invitations": {
        "task": "django_diller.contrib.oscar.tasks.check_guest_invitations",
        "schedule": 300.0,
    },
    # Diller coupons reserved for orders whose payment never came: released again.
    "diller-unpaid-reservations": {
        "task": "django_diller.contrib.oscar.tasks.release_unpaid_reservations",
        "schedule": 300.0,
    },
    # Coupontools vouchers of orders whose payment was never taken: unlocked again.
    "coupontools-abandoned-vouchers": {
        "task": "django_diller.contrib.oscar.tasks.release_abandoned_vouchers",
        "schedule": 300.0,
    },
}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

# --- Oscar -----------------------------------------------------------------------------------

OSCAR_SHOP_NAME = "Kaffebrenneriet Demo"
OSCAR_SHOP_TAGLINE = "Diller loyalty club demo"
OSCAR_DEFAULT_CURRENCY = "NOK"
OSCAR_FROM_EMAIL = "shop@example.com"
OSCAR_ALLOW_ANON_CHECKOUT = True
# Norwegian shelf prices include VAT, so offers and vouchers ("50 kr off") do too.
OSCAR_OFFERS_INCL_TAX = True
# Oscar's image tags need a thumbnailer; sorl-thumbnail and easy-thumbnails are not installed,
# so images are served as they are (see example_shop/shop/thumbnails.py).
OSCAR_THUMBNAILER = "example_shop.shop.thumbnails.OriginalImageThumbnailer"

OSCAR_INITIAL_ORDER_STATUS = "Pending"
OSCAR_INITIAL_LINE_STATUS = "Pending"
OSCAR_ORDER_STATUS_PIPELINE = {
    "Pending": ("Being processed", "Cancelled"),
    "Being processed": ("Complete", "Cancelled"),
    "Complete": (),
    "Cancelled": (),
}
OSCAR_LINE_STATUS_PIPELINE = OSCAR_ORDER_STATUS_PIPELINE

# Oscar lists products only through Haystack. Haystack's "simple" engine loses Oscar's filters
# (the catalogue comes out empty), so the shop uses a small engine that queries the database
# directly: nothing to index, hence no index updates on save either.
HAYSTACK_CONNECTIONS = {
    "default": {"ENGINE": "example_shop.shop.search.DatabaseEngine"},
}
HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.BaseSignalProcessor"

# --- Diller ----------------------------------------------------------------------------------


def diller_settings(*, sandbox_by_default: bool) -> dict:
    """The ``DILLER`` dict: the Diller host named by ``DILLER_BASE_URL`` and its credentials.

    Without ``DILLER_BASE_URL``, and only if ``sandbox_by_default`` (pass ``DEBUG``), the
    embedded, in-process Diller emulator instead, whose messages page shows one-time codes and
    phone numbers: never selected with ``DEBUG`` off.
    """
    base_url = env("DILLER_BASE_URL")
    sandbox = sandbox_by_default and not base_url
    return {
        "BASE_URL": base_url,
        "CLIENT_ID": None if sandbox else env("DILLER_CLIENT_ID"),
        "CLIENT_SECRET": None if sandbox else env("DILLER_CLIENT_SECRET"),
        "STORE_ID": None if sandbox else env("DILLER_STORE_ID"),
        "DEPARTMENT_ID": None if sandbox else env("DILLER_DEPARTMENT_ID"),
        "SANDBOX": sandbox,
    }


DILLER = diller_settings(sandbox_by_default=DEBUG)

# --- Dintero receipts ------------------------------------------------------------------------


def dintero_settings(*, sandbox_by_default: bool) -> dict:
    """The ``DINTERO`` dict: the account on ``DINTERO_BASE_URL`` and its credentials.

    Without ``DINTERO_BASE_URL``, and only if ``sandbox_by_default`` (pass ``DEBUG``), the
    embedded Dintero emulator instead. Receipts are off until one of them is configured.
    """
    base_url = env("DINTERO_BASE_URL")
    sandbox = sandbox_by_default and not base_url
    return {
        "BASE_URL": base_url,
        "ACCOUNT_ID": None if sandbox else env("DINTERO_ACCOUNT_ID"),
        "CLIENT_ID": None if sandbox else env("DINTERO_CLIENT_ID"),
        "CLIENT_SECRET": None if sandbox else env("DINTERO_CLIENT_SECRET"),
        "SANDBOX": sandbox,
        "STORE_NAME": "Kaffebrenneriet Demo",
        # Guests find their receipt from the thank-you page for a month.
        "TOKEN_EXPIRE_DAYS": 30,
    }


DINTERO = dintero_settings(sandbox_by_default=DEBUG)

# --- Coupontools vouchers --------------------------------------------------------------------


def coupontools_settings(*, sandbox_by_default: bool) -> dict:
    """The ``COUPONTOOLS`` dict: the host named by ``COUPONTOOLS_BASE_URL`` and its credentials.

    Without ``COUPONTOOLS_BASE_URL``, and only if ``sandbox_by_default`` (pass ``DEBUG``), the
    embedded Coupontools emulator and its demo vouchers instead.
    """
    base_url = env("COUPONTOOLS_BASE_URL")
    sandbox = sandbox_by_default and not base_url
    return {
        "BASE_URL": base_url,
        "CLIENT_ID": None if sandbox else env("COUPONTOOLS_CLIENT_ID"),
        "CLIENT_SECRET": None if sandbox else env("COUPONTOOLS_CLIENT_SECRET"),
        "SANDBOX": sandbox,
        # The demo campaigns keep a club voucher's value in their first custom field.
        "VALUE_FIELD": env("COUPONTOOLS_VALUE_FIELD", "custom1"),
    }


COUPONTOOLS = coupontools_settings(sandbox_by_default=DEBUG)

# --- The Discount API -----------------------------------------------------------------------

# The chain's back office calls the Discount API (/api/discounts, django_diller.discountapi.api)
# with a bearer token from /o/token/ (client credentials; the applications are in Django admin).
# The API's views set their own authentication, permissions, parsers and error answers, so these
# defaults only concern other REST framework views.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "oauth2_provider.contrib.rest_framework.OAuth2Authentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# The Discount API's OpenAPI document has settings of its own
# (django_diller.discountapi.api.schema.SCHEMA_SETTINGS); these are for other APIs.
SPECTACULAR_SETTINGS = {
    "TITLE": "Kaffebrenneriet Demo API",
    "SERVE_INCLUDE_SCHEMA": False,
}
OAUTH2_PROVIDER = {
    "SCOPES": {
        "discounts:read": "Read the discounts",
        "discounts:write": "Create, change and delete discounts",
    },
    # A client that asks for no scope may only read.
    "DEFAULT_SCOPES": ["discounts:read"],
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
}

# --- Logging ---------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"simple": {"format": "%(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "simple"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "oscar.checkout": {"level": "INFO"},
        "django_diller": {"level": "INFO"},
    },
}
