"""The shopper's loyalty pages: the club, join, prove an existing membership, activate, my
page, edit, leave (the views ``django_diller.urls`` routes to).

Rules every view here keeps:

* No member id ever comes from the browser: the member is the logged-in user's
  :class:`~django_diller.models.MemberLink`, or the one the flows remembered in the session
  when they texted a one-time code, or the one Diller finds by an activation token.
* When Diller can't be reached the page is shown again (HTTP 200) with what the shopper typed
  and a plain message; Diller's own error texts go to the log, never to the page, except the
  per-field messages of a validation error, which land on the matching field.
"""

from .club import landing
from .joining import activate, join, join_verify
from .my_loyalty import me, me_edit, me_leave

__all__ = ["activate", "join", "join_verify", "landing", "me", "me_edit", "me_leave"]
