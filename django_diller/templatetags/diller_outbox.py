"""``{% load diller_outbox %}{% diller_outbox_counts %}``: the outbox's pending, in-flight,
failed and dead rows, each linking to the admin list filtered on that state.

Shown only to staff who may view outbox entries; to anyone else it renders nothing (and makes
no query). The example shop puts it on the admin index (``example_shop/templates/admin/``).
"""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("admin/django_diller/outbox_counts.html", takes_context=True)
def diller_outbox_counts(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    allowed = user is not None and (
        user.has_perm("diller.view_outboxentry") or user.has_perm("diller.change_outboxentry")
    )
    if not allowed:
        return {"outbox_counts": []}
    from ..outbox.admin import watched_counts

    return {"outbox_counts": watched_counts()}
