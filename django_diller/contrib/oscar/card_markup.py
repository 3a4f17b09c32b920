"""A coupon card's markup (``django_diller/oscar/_coupon_card.html``), kept once rendered.

The payment page shows every coupon of the member, and the same few campaigns' cards come back
on every payment page of a shop. The plugin's own card template shows only its ``coupon`` (a
frozen :class:`~.coupon_cards.CouponCard`), worded in the active language and time zone, so its
markup is kept per card, language and time zone, and forgotten when a setting changes. A shop
that overrides the template may use anything of the page's context: its card is rendered every
time, with that context, as an ``{% include %}`` would.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.core.signals import setting_changed
from django.template import Context
from django.template.base import Template
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language

from .coupon_cards import CouponCard

CARD_TEMPLATE = "django_diller/oscar/_coupon_card.html"
PLUGIN_CARD = (Path(__file__).parent / "templates" / CARD_TEMPLATE).resolve()


def render_card(context: Context, coupon: CouponCard) -> SafeString:
    """The card of ``coupon``, rendered with ``context`` (the page's) unless it is kept."""
    template = context.template.engine.get_template(CARD_TEMPLATE)  # type: ignore[union-attr]
    if not _is_plugin_card(template):
        with context.push(coupon=coupon):
            return mark_safe(template.render(context))  # noqa: S308 (a template's output)
    return _kept_card(template, coupon, get_language(), get_current_timezone_name())


@lru_cache(maxsize=32)
def _is_plugin_card(template: Template) -> bool:
    origin = getattr(template.origin, "name", "")
    return bool(origin) and Path(origin).resolve() == PLUGIN_CARD


@lru_cache(maxsize=512)
def _kept_card(
    template: Template, coupon: CouponCard, language: str | None, zone: str
) -> SafeString:
    return mark_safe(template.render(Context({"coupon": coupon})))  # noqa: S308 (as above)


def forget_cards(**kwargs: object) -> None:
    _is_plugin_card.cache_clear()
    _kept_card.cache_clear()


setting_changed.connect(forget_cards, dispatch_uid="diller-coupon-card-markup")
