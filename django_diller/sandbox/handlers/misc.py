"""Dependents, friend referrals and the profile widget."""

from __future__ import annotations

from typing import Any

from .. import render
from ..state import Dependent
from .base import Context, Handler, Reply


def get_dependents(ctx: Context) -> list[dict[str, Any]]:
    return [render.dependent(d) for d in ctx.member().dependents]


def update_dependents(ctx: Context) -> Reply:
    """Replace the member's dependents; new ones get ids. The contract's 200 has no body."""
    member = ctx.member()
    items = ctx.json_list()
    next_id = max((d.id for d in member.dependents), default=0) + 1
    dependents = []
    for item in items:
        dependent_id = item.get("id")
        if not dependent_id:
            dependent_id, next_id = next_id, next_id + 1
        dependents.append(
            Dependent(dependent_id, item.get("name"), item.get("birthdate"), item.get("gender"))
        )
    member.dependents = dependents
    return Reply(200, None)


def get_referrals(ctx: Context) -> list[dict[str, Any]]:
    member = ctx.member()
    token = ctx.query.get("invitationToken")
    return [
        render.invited_friend(friend)
        for friend in member.invited_friends
        if not token or friend.invitation_token == token
    ]


def get_invited_friends(ctx: Context) -> list[dict[str, Any]]:
    return [render.invited_friend(friend) for friend in ctx.member().invited_friends]


def get_widget_profile(ctx: Context) -> dict[str, Any]:
    member = ctx.member()
    return {"details_url": f"{ctx.settings.public_url}/members/{member.id}"}


HANDLERS: dict[str, Handler] = {
    "getDependents": get_dependents,
    "updateDependents": update_dependents,
    "getReferrals": get_referrals,
    "getInvitedFriends": get_invited_friends,
    "getWidgetProfile": get_widget_profile,
}
