"""The guest's two consents on the purchase page (Diller's guide: join, and purchase history)."""

from __future__ import annotations

from django import forms
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
