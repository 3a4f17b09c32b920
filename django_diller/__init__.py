"""Diller loyalty club for Django and django-oscar shops."""

__version__ = "0.1.0"
