"""URLs of the shopper-facing loyalty pages; include under a prefix such as ``loyalty/``."""

from django.urls import path

from .members import views as members
from .members.views import club
from .views.receipts import my_receipt, my_receipts, receipt_by_link
from .views.sandbox import sandbox_messages

app_name = "diller"

urlpatterns = [
    path("", club.landing, name="club"),
    path("privacy/", club.privacy_policy, name="privacy-policy"),
    path("join/", members.join, name="join"),
    path("join/verify/", members.join_verify, name="join-verify"),
    path("activate/", members.activate, name="activate"),
    path("me/", members.me, name="me"),
    path("me/edit/", members.me_edit, name="me-edit"),
    path("me/leave/", members.me_leave, name="me-leave"),
    # Dintero's receipts: the member's own, and the one a guest's thank-you link names.
    path("receipts/", my_receipts, name="receipts"),
    path("receipts/link/<str:value>/", receipt_by_link, name="receipt-link"),
    path("receipts/<str:ref>/", my_receipt, name="receipt"),
    path("sandbox/messages/", sandbox_messages, name="sandbox-messages"),
]
