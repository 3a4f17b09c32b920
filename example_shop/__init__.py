"""The example Oscar shop used for the demo (``make demo``) and the integration tests."""

from .celery import app as celery_app

__all__ = ("celery_app",)
