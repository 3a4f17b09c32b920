"""How staff pages name a shop account: by its e-mail address.

Shops often generate usernames (Oscar's sign-up form makes a random one when the user model has
a username field), so a username tells staff nothing. Every staff page of the plugin names an
account by :func:`account_label`; the username is shown only when the account has no e-mail.
"""

from __future__ import annotations

from typing import Any


def account_label(user: Any) -> str:
    """The account's e-mail address, else its username; ``"-"`` when there is no account."""
    if user is None:
        return "-"
    email = getattr(user, "email", "") or ""
    if email:
        return email
    get_username = getattr(user, "get_username", None)
    return (get_username() if callable(get_username) else "") or str(user)
