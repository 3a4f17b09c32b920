"""The guest's two consents on the purchase page (Diller's guide: join, and purchase history)."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

PLACE_ORDER_FORM = "place_order_form"  # Oscar's form id on the preview page


class GuestConsentForm(forms.Form):
    """Both unticked; rendered next to Oscar's place-order form and submitted with it."""

    prefix = "diller"

    join = forms.BooleanField(
        label=_("Join the loyalty club with this order (terms and privacy policy apply)"),
        required=False,
        initial=False,
        widget=forms.CheckboxInput(attrs={"form": PLACE_ORDER_FORM, "class": "form-check-input"}),
    )
    save_order_history = forms.BooleanField(
        label=_("The club may keep my purchase history to tailor offers to me"),
        required=False,
        initial=False,
        widget=forms.CheckboxInput(attrs={"form": PLACE_ORDER_FORM, "class": "form-check-input"}),
    )

    def needs_a_mobile_number(self) -> None:
        """The order's address has no mobile number to invite: "join" can't be ticked, and its
        help says how to make it possible (the purchase itself goes ahead either way)."""
        join = self.fields["join"]
        join.disabled = True
        self.initial["join"] = False
        join.help_text = format_html(
            '{} <a href="{}" id="diller-guest-add-phone">{}</a>',
            _("To join, the shipping address needs a mobile number."),
            reverse("checkout:shipping-address"),
            _("Add a mobile number"),
        )
