"""The demo shop's deployment check: ``check --deploy`` fails with a demo secret key."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

# Django's prefix for generated, not-for-production keys; the demo's default key has it too.
INSECURE_PREFIX = "django-insecure-"


@register(Tags.security, deploy=True)
def check_secret_key(app_configs=None, **kwargs) -> list:
    """An error, not Django's warning (security.W009): a deployment with a published key
    lets anyone forge sessions and password-reset links."""
    if str(getattr(settings, "SECRET_KEY", "")).startswith(INSECURE_PREFIX):
        return [
            Error(
                "SECRET_KEY is the example shop's published demo key.",
                hint="Set DJANGO_SECRET_KEY to a long random value, e.g. from "
                "django.core.management.utils.get_random_secret_key().",
                id="demo_shop.E001",
            )
        ]
    return []
