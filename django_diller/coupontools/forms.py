"""Forms of Coupontools' admin: a campaign's rule, and the "Redeem a voucher" page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import VoucherRule, split_upcs

CODE_MAX_LENGTH = 2048  # what parse_code reads at most


class VoucherRuleForm(forms.ModelForm):
    class Meta:
        model = VoucherRule
        fields = (
            "campaign",
            "title",
            "kind",
            "value",
            "product_upcs",
            "combinable_with_diller",
            "active",
        )
        widgets = {"product_upcs": forms.Textarea(attrs={"rows": 4})}

    def clean_product_upcs(self) -> str:
        """One UPC per line, whatever separated them."""
        return "\n".join(dict.fromkeys(split_upcs(self.cleaned_data.get("product_upcs", ""))))


class LookupForm(forms.Form):
    code = forms.CharField(
        label=_("Voucher code or link"),
        max_length=CODE_MAX_LENGTH,
        help_text=_("Scan the voucher's barcode, or type its code or paste its link."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autofocus": True}
        ),
    )


class ValidateForm(forms.Form):
    code = forms.CharField(max_length=CODE_MAX_LENGTH, widget=forms.HiddenInput)
    money_spent = forms.DecimalField(
        label=_("Amount spent"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=3,
        localize=True,
        help_text=_("The purchase's total, for Coupontools' reports. Optional."),
    )


class VoidForm(forms.Form):
    code = forms.CharField(max_length=CODE_MAX_LENGTH, widget=forms.HiddenInput)
