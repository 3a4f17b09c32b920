"""Forms of the staff member look-up page."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from .member_lookup import LookupKind


class NoEchoTextInput(forms.TextInput):
    """A text box that is always rendered empty (its value is never written into the page)."""

    def format_value(self, value):
        return None


class MemberSearchForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Search by"), choices=LookupKind.choices, initial=LookupKind.PHONE
    )
    # The searched value is personal data: the page never renders it back.
    value = forms.CharField(
        label=_("Value"),
        max_length=254,
        widget=NoEchoTextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, identifier_label: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if identifier_label:
            self.fields["kind"].choices = [
                (key, identifier_label if key == LookupKind.IDENTIFIER else label)
                for key, label in LookupKind.choices
            ]


class EnrollForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile phone number"),
        max_length=32,
        widget=NoEchoTextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
        help_text=_("Diller texts the number a link to finish joining the club."),
    )


class LinkForm(forms.Form):
    email = forms.EmailField(
        label=_("Shop account e-mail"),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    def clean_email(self):
        email = self.cleaned_data["email"]
        users = list(get_user_model()._default_manager.filter(email__iexact=email)[:2])
        if not users:
            raise forms.ValidationError(_("There is no shop account with this e-mail address."))
        if len(users) > 1:
            raise forms.ValidationError(
                _("Several shop accounts have this e-mail address: which one is meant is unclear.")
            )
        self.user = users[0]
        return email
