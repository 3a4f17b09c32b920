"""The embedded sandbox's outbox: the SMS and e-mails Diller would have sent.

So that in the demo a visitor can read the one-time code the "phone" received. The page shows
codes and phone numbers to anyone, so it answers 404 unless the sandbox is on and ``DEBUG`` is
on too (or test settings set ``DILLER['SANDBOX_WITHOUT_DEBUG']``). A real Diller host sends real
messages and has no such page.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from ..conf import sandbox_allowed
from ..loyalty.connection import embedded_sandbox

if TYPE_CHECKING:  # the sandbox itself needs the [sandbox] extra, imported when it is on
    from ..sandbox.state import SentMessage

# The activation link of an enroll SMS: the shop's page (a path), or an absolute URL.
LINK = re.compile(r"(?:https?://|/(?!/))\S*\?token=[\w-]+")


def _link_of(request: HttpRequest, message: SentMessage) -> str:
    """The activation link an enroll SMS holds, on this shop's host when it is a path, so
    that in the demo the link opens the shop's own activation page."""
    if message.kind != "enroll_link":
        return ""
    found = LINK.search(message.text)
    if found is None:
        return ""
    return request.build_absolute_uri(found.group(0))


def sandbox_messages(request: HttpRequest) -> HttpResponse:
    if not sandbox_allowed():
        raise Http404("no sandbox here")
    messages = list(reversed(embedded_sandbox().messages))[:50]
    rows: list[dict[str, Any]] = [
        {**vars(message), "link": _link_of(request, message)} for message in messages
    ]
    return render(request, "django_diller/sandbox/messages.html", {"sent_messages": rows})
