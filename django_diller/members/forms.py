"""Shopper-facing forms: the member profile (built from the store's segments) and the code form.

The segment fields are made at run time from what Diller says the store asks, so a store's
new question shows up without a deploy. Segment and option texts come from Diller: they are
plain strings here and Django's templates escape them; never mark them safe.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..adapter import get_adapter
from ..api import models as wire
from ..api.errors import DillerValidationError
from ..countries import country_choices
from ..links import safe_link
from ..models import Consent
from ..phones import InvalidPhoneNumber, country_of_culture, parse_phone
from .profile import Profile, birth_date_of, segment_answers_of

EARLIEST_BIRTH_DATE = date(1900, 1, 1)

GENDER_CHOICES = [
    ("", _("Choose…")),
    (wire.Gender.Female.value, _("Female")),
    (wire.Gender.Male.value, _("Male")),
    (wire.Gender.NonBinary.value, _("Non-binary")),
    (wire.Gender.NotShared.value, _("I'd rather not say")),
]

ADDRESS_FIELDS = {"street": "street", "zip_code": "zip_code", "city": "city", "country": "country"}

# Diller's wire field names (lower-cased, first dotted part) -> form field names
WIRE_TO_FORM = {
    "phone": "phone",
    "first_name": "first_name",
    "last_name": "last_name",
    "email": "email",
    "birth_date": "birth_date",
    "gender": "gender",
    "address.street": "street",
    "address.zip_code": "zip_code",
    "address.city": "city",
    "address.country_code": "country",
    **{f"consent.{c.value}": c.value for c in Consent},
}


def segment_field_name(segment_id: int) -> str:
    return f"segment_{segment_id}"


def _segment_field(segment: wire.StoreSegmentResponse) -> forms.Field:
    label = segment.text or ""
    required = bool(segment.is_required)
    # An answer names its options by id: an option without one (the contract allows it)
    # cannot be chosen, so it is not offered.
    choices = [
        (str(option.id), option.text or "") for option in segment.options if option.id is not None
    ]
    kind = segment.type
    if kind == wire.SegmentType.DateTime:
        return forms.DateField(
            label=label,
            required=required,
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        )
    if kind == wire.SegmentType.Radio:
        return forms.ChoiceField(
            label=label, required=required, choices=choices, widget=forms.RadioSelect
        )
    if kind == wire.SegmentType.Dropdown:
        return forms.ChoiceField(
            label=label, required=required, choices=[("", "---------"), *choices]
        )
    if kind == wire.SegmentType.Checkbox:
        return forms.MultipleChoiceField(
            label=label, required=required, choices=choices, widget=forms.CheckboxSelectMultiple
        )
    return forms.CharField(label=label, required=required, max_length=500)


def style_widgets(fields: Iterable[forms.Field]) -> None:
    """Give widgets the CSS classes the adapter names (Bootstrap's by default)."""
    adapter = get_adapter()
    for field in fields:
        widget = field.widget
        css = adapter.widget_css_class(widget)
        if css:
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class MemberProfileForm(forms.Form):
    """Join the club: phone, profile, the store's visible segments, then the four consents.

    ``segments`` are the visible segments (``services.segments.visible_segments``), ``store``
    the ``StoreResponse`` (country and privacy policy link) and ``user`` the shopper.
    """

    with_phone = True
    with_join = True

    def __init__(
        self,
        *args: Any,
        segments: Iterable[wire.StoreSegmentResponse] = (),
        store: wire.StoreResponse | None = None,
        user: Any = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.segments = [s for s in segments if s.id is not None]
        self.store = store
        self.user = user
        fields: dict[str, forms.Field] = {}
        if self.with_phone:
            fields["phone"] = forms.CharField(
                label=_("Mobile phone"),
                max_length=32,
                widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            )
        fields["first_name"] = forms.CharField(label=_("First name"), max_length=100)
        fields["last_name"] = forms.CharField(label=_("Last name"), max_length=100)
        fields["email"] = forms.EmailField(label=_("E-mail"), required=False)
        fields["birth_date"] = forms.DateField(
            label=_("Date of birth"),
            required=False,
            widget=forms.DateInput(
                attrs={
                    "type": "date",
                    "min": EARLIEST_BIRTH_DATE.isoformat(),
                    "max": timezone.localdate().isoformat(),
                },
                format="%Y-%m-%d",
            ),
        )
        fields["gender"] = forms.ChoiceField(
            label=_("Gender"), required=False, choices=GENDER_CHOICES
        )
        fields["street"] = forms.CharField(
            label=_("Street address"), required=False, max_length=200
        )
        fields["zip_code"] = forms.CharField(label=_("Postcode"), required=False, max_length=20)
        fields["city"] = forms.CharField(label=_("City"), required=False, max_length=100)
        fields["country"] = forms.ChoiceField(
            label=_("Country"),
            required=False,
            choices=[("", _("Choose…")), *country_choices()],
            error_messages={"invalid_choice": _("Choose a country from the list.")},
        )
        for segment in self.segments:
            fields[segment_field_name(segment.id)] = _segment_field(segment)
        fields.update(self._consent_fields())
        self.fields.update(fields)
        style_widgets(self.fields.values())
        if user is not None and getattr(user, "is_authenticated", False) and not self.is_bound:
            self.initial.setdefault("first_name", getattr(user, "first_name", ""))
            self.initial.setdefault("last_name", getattr(user, "last_name", ""))
            self.initial.setdefault("email", getattr(user, "email", ""))

    def _consent_fields(self) -> dict[str, forms.BooleanField]:
        # Never ticked for the shopper: initial=False on all four.
        fields: dict[str, forms.BooleanField] = {}
        if self.with_join:
            policy = safe_link(self.store.privacy_policy_url if self.store else None)
            if policy:
                label = format_html(
                    _('I want to join the loyalty club and accept the <a href="{}" '
                      'target="_blank" rel="noopener">terms and privacy policy</a>'),
                    policy,
                )  # fmt: skip
            else:
                label = _("I want to join the loyalty club and accept the terms and privacy policy")
            fields[Consent.GDPR.value] = forms.BooleanField(
                label=label,
                required=True,
                initial=False,
                error_messages={"required": _("Tick this box to join the loyalty club.")},
            )
        fields[Consent.ORDER_HISTORY.value] = forms.BooleanField(
            label=_("The club may keep my purchase history to tailor offers to me"),
            required=False,
            initial=False,
        )
        fields[Consent.SMS.value] = forms.BooleanField(
            label=_("Send me offers by SMS"), required=False, initial=False
        )
        fields[Consent.EMAIL.value] = forms.BooleanField(
            label=_("Send me offers by e-mail"), required=False, initial=False
        )
        return fields

    # cleaning ------------------------------------------------------------------------------

    def clean_birth_date(self) -> date | None:
        """A plausible date of birth: not in the future, not before 1900."""
        value = self.cleaned_data.get("birth_date")
        if value is None:
            return None
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date of birth can't be in the future."))
        if value < EARLIEST_BIRTH_DATE:
            raise forms.ValidationError(_("Enter a date of birth in 1900 or later."))
        return value

    def phone_countries(self) -> list[str]:
        """Where to read a national number: the shopper's country, then the store's."""
        countries = [
            (self.data.get(self.add_prefix("country")) or "").strip().upper()
            if self.is_bound
            else "",
            get_adapter().default_country(self.user) or "",
            country_of_culture(self.store.culture if self.store else None) or "",
        ]
        return [c for c in countries if re.fullmatch(r"[A-Z]{2}", c)]

    def clean_phone(self):
        try:
            return parse_phone(self.cleaned_data.get("phone", ""), *self.phone_countries())
        except InvalidPhoneNumber as exc:
            raise forms.ValidationError(str(exc)) from None

    # results -------------------------------------------------------------------------------

    def consents(self) -> dict[str, bool]:
        return {
            c.value: bool(self.cleaned_data.get(c.value)) for c in Consent if c.value in self.fields
        }

    def segment_answers(self) -> dict[int, Any]:
        answers: dict[int, Any] = {}
        for segment in self.segments:
            value = self.cleaned_data.get(segment_field_name(segment.id))
            if segment.type == wire.SegmentType.Checkbox:
                answers[segment.id] = [int(v) for v in value or []]
            elif segment.type in (wire.SegmentType.Radio, wire.SegmentType.Dropdown):
                answers[segment.id] = [int(value)] if value else []
            elif segment.type == wire.SegmentType.DateTime:
                answers[segment.id] = value
            else:
                answers[segment.id] = (value or "").strip()
        return answers

    def to_profile(self) -> Profile:
        data = self.cleaned_data
        return Profile(
            phone=data.get("phone"),
            first_name=(data.get("first_name") or "").strip(),
            last_name=(data.get("last_name") or "").strip(),
            email=(data.get("email") or "").strip(),
            birth_date=data.get("birth_date"),
            gender=data.get("gender") or "",
            street=(data.get("street") or "").strip(),
            zip_code=(data.get("zip_code") or "").strip(),
            city=(data.get("city") or "").strip(),
            country_code=data.get("country") or "",
            consents=self.consents(),
            segment_answers=self.segment_answers(),
        )

    def add_diller_errors(self, error: DillerValidationError) -> None:
        """Put Diller's field errors on the matching fields; the rest above the form."""
        generic = _("The loyalty club did not accept this value.")
        if not error.field_errors:
            self.add_error(None, _("The loyalty club did not accept these details."))
        for wire_name, messages in error.field_errors.items():
            name = self._form_field_for(wire_name)
            for message in messages or [generic]:
                text = message if isinstance(message, str) and len(message) < 300 else generic
                if name is None:
                    self.add_error(None, text)
                elif name in self.errors and text in self.errors[name]:
                    continue
                else:
                    self.add_error(name, text)

    def _form_field_for(self, wire_name: str) -> str | None:
        key = re.sub(r"\[\d+\]", "", wire_name.strip().lower().lstrip("$.")).replace("-", "_")
        for candidate in (key, key.split(".")[0]):
            name = WIRE_TO_FORM.get(candidate)
            if name and name in self.fields:
                return name
        return None


class MemberEditForm(MemberProfileForm):
    """The member's own profile, prefilled from Diller. No phone (a change needs its own
    code flow) and no "join" box: leaving is its own page."""

    with_phone = False
    with_join = False

    def __init__(self, *args: Any, member: wire.MemberResponse | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if member is not None and not self.is_bound:
            self.initial.update(initial_from_member(member, self.segments))
        self._keep_unlisted_country(member)

    def _keep_unlisted_country(self, member: wire.MemberResponse | None) -> None:
        """A country Diller has that the list lacks stays a choice: saving the page must not
        drop it unasked."""
        code = ((member.address.country_code if member and member.address else "") or "").upper()
        field = self.fields["country"]
        if code and code not in {value for value, _label in field.choices}:
            field.choices = [*field.choices, (code, code)]


class ActivationForm(MemberProfileForm):
    """Finishing a membership from the link Diller texted: Diller already has the phone.

    ``member`` is Diller's record (what a shop counter recorded prefills the form, never its
    consents, nor the gender Diller gives a record nobody chose one for). ``typed`` is what
    this same shop account typed and ticked on the join page, when it is the account that
    asked for the link, or the boxes a guest ticked at checkout: the page shows the shopper
    their own choices to confirm.
    """

    with_phone = False
    with_join = True

    def __init__(
        self,
        *args: Any,
        member: wire.MemberResponse | None = None,
        typed: Profile | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        if self.is_bound:
            return
        if member is not None:
            initial = initial_from_member(member, self.segments)
            for flag in Consent:  # the shopper ticks these here, themselves
                initial.pop(flag.value, None)
            if initial.get("gender") == wire.Gender.NotShared.value:
                # Diller's answer for a record nobody asked (an invited phone's), not a choice
                initial.pop("gender")
            self.initial.update({k: v for k, v in initial.items() if v not in (None, "", [])})
        if typed is not None:
            initial = initial_from_profile(typed, self.segments)
            self.initial.update({k: v for k, v in initial.items() if v not in (None, "", [])})


def initial_from_profile(
    profile: Profile, segments: Iterable[wire.StoreSegmentResponse]
) -> dict[str, Any]:
    """Form initial values from a typed profile (a join invitation keeps one) and its
    consents."""
    initial: dict[str, Any] = {
        "first_name": profile.first_name,
        "last_name": profile.last_name,
        "email": profile.email,
        "birth_date": profile.birth_date,
        "gender": profile.gender,
        "street": profile.street,
        "zip_code": profile.zip_code,
        "city": profile.city,
        "country": profile.country_code.upper(),
    }
    for flag, given in profile.consents.items():
        if flag in Consent.values:
            initial[flag] = bool(given)
    for segment in segments:
        if segment.id is None or segment.id not in profile.segment_answers:
            continue
        value = profile.segment_answers[segment.id]
        if segment.type == wire.SegmentType.Checkbox:
            value = [str(v) for v in value or []]
        elif segment.type in (wire.SegmentType.Radio, wire.SegmentType.Dropdown):
            value = str(value[0]) if isinstance(value, list) and value else str(value or "")
        initial[segment_field_name(segment.id)] = value
    return initial


def initial_from_member(
    member: wire.MemberResponse, segments: Iterable[wire.StoreSegmentResponse]
) -> dict[str, Any]:
    """Form initial values from Diller's member (segments from ``MemberResponse.segments``)."""
    address = member.address or wire.Address()
    consent = member.consent or wire.MemberConsent()
    initial: dict[str, Any] = {
        "first_name": member.first_name or "",
        "last_name": member.last_name or "",
        "email": member.email or "",
        "birth_date": birth_date_of(member.birth_date),
        "gender": member.gender.value if member.gender else "",
        "street": address.street or "",
        "zip_code": address.zip_code or "",
        "city": address.city or "",
        "country": (address.country_code or "").upper(),
    }
    for flag in Consent:
        initial[flag.value] = bool(getattr(consent, flag.value))
    answers: Mapping[int, Any] = segment_answers_of(member)
    for segment in segments:
        if segment.id is None or segment.id not in answers:
            continue
        value = answers[segment.id]
        if segment.type == wire.SegmentType.Checkbox:
            value = [str(v) for v in value]
        elif segment.type in (wire.SegmentType.Radio, wire.SegmentType.Dropdown):
            value = str(value[0]) if value else ""
        initial[segment_field_name(segment.id)] = value
    return initial


class OneTimeCodeForm(forms.Form):
    """The one-time code texted to the member's phone: 4 to 9 digits (the contract's int32 holds
    any 9), spaces ignored.

    The contract types ``otp_code`` as an integer and says nothing of its length, so the
    form does not insist on six digits, and the service sends the number: leading zeros are
    not significant ("012345" is the code 12345).
    """

    code = forms.CharField(
        label=_("Code"),
        max_length=24,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9 ]*"}
        ),
    )

    def clean_code(self) -> str:
        code = re.sub(r"\s", "", self.cleaned_data.get("code", ""))
        if not re.fullmatch(r"\d{4,9}", code):
            raise forms.ValidationError(_("Enter the code from the SMS: 4 to 9 digits."))
        return code
