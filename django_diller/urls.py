"""URLs of the shopper-facing loyalty pages; include under a prefix such as ``loyalty/``."""

from django.urls import path

from .views.sandbox import sandbox_messages

app_name = "diller"

urlpatterns = [
    path("sandbox/messages/", sandbox_messages, name="sandbox-messages"),
]
