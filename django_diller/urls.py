"""URLs of the shopper-facing loyalty pages; include under a prefix such as ``loyalty/``."""

from django.urls import path  # noqa: F401  (patterns are added as the pages land)

app_name = "diller"

urlpatterns: list = []
