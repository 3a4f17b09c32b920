"""The embedded sandbox's outbox: the SMS and e-mails Diller would have sent.

Only in sandbox mode (a 404 otherwise), so that in the demo a visitor can read the one-time
code the "phone" received. A real Diller host sends real messages and has no such page.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from ..conf import app_settings
from ..services.connection import embedded_sandbox


def sandbox_messages(request: HttpRequest) -> HttpResponse:
    if not app_settings.SANDBOX:
        raise Http404("not in sandbox mode")
    messages = list(reversed(embedded_sandbox().messages))[:50]
    return render(request, "django_diller/sandbox/messages.html", {"sent_messages": messages})
