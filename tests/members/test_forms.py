"""The profile form built from the store's segments, consents, phone numbers, the code form."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django import forms
from django.urls import reverse

from django_diller.api import models as wire
from django_diller.api.errors import DillerValidationError
from django_diller.loyalty.store import store_details
from django_diller.members.forms import MemberEditForm, MemberProfileForm, OneTimeCodeForm
from django_diller.members.segments import refresh_segments, visible_segments

from .conftest import join_data

pytestmark = pytest.mark.django_db


def segment(sid: int, kind: str, required: bool, options=()) -> wire.StoreSegmentResponse:
    return wire.StoreSegmentResponse(
        id=sid,
        text=f"Question {sid}",
        type=kind,
        is_required=required,
        is_visible_to_follower=True,
        options=[wire.SegmentOption(id=o, text=f"Option {o}") for o in options],
    )


def make_form(data=None, segments=(), **kwargs) -> MemberProfileForm:
    return MemberProfileForm(data, segments=segments, store=store_details(), **kwargs)


def test_only_visible_segments_in_dillers_order(sandbox):
    ids = [s.id for s in visible_segments()]
    assert ids == [1, 2, 3, 4, 5]  # 6 is hidden from shoppers


def test_segments_are_cached_until_refreshed(sandbox):
    visible_segments()
    visible_segments()
    assert len(sandbox.requests_for("getSegments")) == 1
    refresh_segments()
    visible_segments()
    assert len(sandbox.requests_for("getSegments")) == 2


@pytest.mark.parametrize("required", [True, False])
@pytest.mark.parametrize(
    ("kind", "field_class", "widget_class"),
    [
        ("Text", forms.CharField, forms.TextInput),
        ("DateTime", forms.DateField, forms.DateInput),
        ("Radio", forms.ChoiceField, forms.RadioSelect),
        ("Dropdown", forms.ChoiceField, forms.Select),
        ("Checkbox", forms.MultipleChoiceField, forms.CheckboxSelectMultiple),
    ],
)
def test_each_segment_type_becomes_its_field(kind, field_class, widget_class, required):
    form = make_form(segments=[segment(9, kind, required, options=(91, 92, 93))])
    field = form.fields["segment_9"]
    assert type(field) is field_class
    assert type(field.widget) is widget_class
    assert field.required is required
    assert field.label == "Question 9"
    if kind == "DateTime":
        assert field.widget.input_type == "date"
    if kind in {"Radio", "Checkbox"}:
        assert [c[0] for c in field.choices] == ["91", "92", "93"]
    if kind == "Dropdown":
        assert [c[0] for c in field.choices] == ["", "91", "92", "93"]


@pytest.mark.parametrize(
    ("kind", "value", "answer"),
    [
        ("Text", "Kenya", "Kenya"),
        ("DateTime", "2020-05-17", date(2020, 5, 17)),
        ("Radio", "92", [92]),
        ("Dropdown", "93", [93]),
        ("Checkbox", ["91", "93"], [91, 93]),
    ],
)
def test_required_segments_must_be_answered_and_answers_are_typed(kind, value, answer):
    seg = segment(9, kind, True, options=(91, 92, 93))
    missing = make_form(join_data(), segments=[seg])
    assert not missing.is_valid()
    assert "segment_9" in missing.errors
    answered = make_form(join_data(segment_9=value), segments=[seg])
    assert answered.is_valid(), answered.errors
    assert answered.to_profile().segment_answers[9] == answer


def test_optional_segments_may_stay_empty():
    segs = [segment(9, kind, False, options=(91,)) for kind in ["Text"]]
    segs += [segment(10 + i, k, False, options=(91,)) for i, k in enumerate(
        ["DateTime", "Radio", "Dropdown", "Checkbox"]
    )]  # fmt: skip
    form = make_form(join_data(), segments=segs)
    assert form.is_valid(), form.errors


def test_an_unknown_option_is_refused():
    form = make_form(join_data(segment_9="99"), segments=[segment(9, "Radio", True, (91,))])
    assert not form.is_valid()
    assert "segment_9" in form.errors


def test_consents_are_never_ticked_and_join_is_required(shopper):
    html = shopper.get(reverse("diller:join")).content.decode()
    for name in ("gdpr_accepted", "save_order_history", "receive_sms", "receive_email"):
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
        assert tag is not None, name
        assert "checked" not in tag.group(0)
    assert 'href="https://example.com/privacy"' in html
    form = make_form(join_data(gdpr_accepted=None))
    assert not form.is_valid()
    assert "gdpr_accepted" in form.errors
    assert form.fields["receive_sms"].required is False


def test_consents_come_last():
    form = make_form(segments=visible_segments())
    assert list(form.fields)[-4:] == [
        "gdpr_accepted",
        "save_order_history",
        "receive_sms",
        "receive_email",
    ]


@pytest.mark.parametrize(
    "raw", ["98765432", "987 65 432", "+4798765432", "+47 987 65 432", "004798765432"]
)
def test_phone_numbers_as_people_type_them(raw):
    form = make_form(join_data(phone=raw))
    assert form.is_valid(), form.errors
    phone = form.cleaned_data["phone"]
    assert (phone.country_code, phone.number) == ("+47", "98765432")


def test_a_national_number_is_read_in_the_shoppers_country_first():
    form = make_form(join_data(phone="070 123 45 67", country="SE"))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["phone"].country_code == "+46"


@pytest.mark.parametrize("raw", ["123", "hello", "+47 12", ""])
def test_an_invalid_phone_is_a_field_error(raw):
    form = make_form(join_data(phone=raw))
    assert not form.is_valid()
    assert "phone" in form.errors


def test_diller_field_errors_land_on_their_fields():
    form = make_form(join_data())
    assert form.is_valid()
    error = DillerValidationError(
        "bad",
        status=400,
        field_errors={
            "phone.number": ["Not a mobile number."],
            "email": ["Taken."],
            "address.zip_code": ["Unknown postcode."],
            "segments": ["Something odd."],
        },
    )
    form.add_diller_errors(error)
    assert form.errors["phone"] == ["Not a mobile number."]
    assert form.errors["email"] == ["Taken."]
    assert form.errors["zip_code"] == ["Unknown postcode."]
    assert form.non_field_errors() == ["Something odd."]


def test_segment_texts_are_escaped(shopper, store_state):
    store_state.segments[0].text = "<b>Favourite</b>"
    html = shopper.get(reverse("diller:join")).content.decode()
    assert "<b>Favourite</b>" not in html
    assert "&lt;b&gt;Favourite&lt;/b&gt;" in html


def test_the_edit_form_is_prefilled_and_offers_no_join_box(sandbox):
    from django_diller.loyalty.connection import get_client
    from django_diller.sandbox.seed import SEED_MEMBER_ID

    member = get_client().get_member(SEED_MEMBER_ID)
    form = MemberEditForm(segments=visible_segments(), store=store_details(), member=member)
    assert "gdpr_accepted" not in form.fields
    assert "phone" not in form.fields
    assert form.initial["first_name"] == "Kari"
    assert form.initial["segment_1"] == "Kenya AA"
    assert form.initial["segment_3"] == "31"
    assert form.initial["segment_4"] == ["42", "44"]
    assert form.initial["receive_sms"] is True


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("1234", "1234"),
        ("12345", "12345"),
        ("123456", "123456"),
        ("12345678", "12345678"),
        ("123 456", "123456"),
        ("  1234 5678 ", "12345678"),
        ("0123", "0123"),
    ],
)
def test_the_code_form_takes_four_to_eight_digits_without_spaces(raw, cleaned):
    form = OneTimeCodeForm({"code": raw})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["code"] == cleaned


@pytest.mark.parametrize("raw", ["abcdef", "12a456", "123", "1234567890", "12-34", ""])
def test_the_code_form_refuses_anything_else(raw):
    form = OneTimeCodeForm({"code": raw})
    assert not form.is_valid()
    assert "code" in form.errors


def test_a_privacy_link_that_is_not_http_is_not_rendered_as_a_link():
    from django_diller.api import models as wire
    from django_diller.members.forms import MemberProfileForm

    store = wire.StoreResponse(privacy_policy_url="javascript:alert(1)")
    label = str(MemberProfileForm(store=store).fields["gdpr_accepted"].label)
    assert "javascript:" not in label and "<a" not in label
    store = wire.StoreResponse(privacy_policy_url="https://example.com/privacy")
    label = str(MemberProfileForm(store=store).fields["gdpr_accepted"].label)
    assert 'href="https://example.com/privacy"' in label


# birth dates and countries -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("2999-01-01", "The date of birth can&#x27;t be in the future."),
        ("1899-12-31", "Enter a date of birth in 1900 or later."),
    ],
)
def test_an_implausible_birth_date_is_refused_on_its_field(shopper, sandbox, typed, error):
    page = shopper.post(reverse("diller:join"), join_data(birth_date=typed))
    assert page.status_code == 200
    html = page.content.decode()
    field = html[html.index("diller-field-birth_date") :]
    assert error in field[: field.index("diller-field-gender")]
    assert sandbox.requests_for("enrollMember") == []


def test_a_birth_date_may_be_today_or_in_1900():
    from django.utils import timezone

    for typed in ("1900-01-01", timezone.localdate().isoformat()):
        form = make_form(join_data(birth_date=typed))
        assert form.is_valid(), form.errors


def test_the_birth_date_input_offers_only_plausible_dates():
    from django.utils import timezone

    html = str(make_form()["birth_date"])
    assert 'min="1900-01-01"' in html
    assert f'max="{timezone.localdate().isoformat()}"' in html


def test_the_country_is_chosen_from_a_list_named_in_the_shoppers_language():
    from django.utils import translation

    form = make_form()
    choices = dict(form.fields["country"].choices)
    assert choices["NO"] == "Norway" and choices["SE"] == "Sweden"
    assert "ZZ" not in choices and "AC" not in choices  # not countries
    with translation.override("nb"):
        assert dict(make_form().fields["country"].choices)["SE"] == "Sverige"
    with translation.override("sv"):
        assert dict(make_form().fields["country"].choices)["NO"] == "Norge"


@pytest.mark.parametrize("typed", ["ZZ", "Norway", "no", "N"])
def test_a_country_not_on_the_list_is_a_clear_error(typed):
    form = make_form(join_data(country=typed))
    assert not form.is_valid()
    assert form.errors["country"] == ["Choose a country from the list."]


def test_an_edited_members_country_is_kept_even_if_the_list_lacks_it(sandbox):
    member = wire.MemberResponse(
        id="m", gender="Female", address=wire.Address(country_code="XK", city="Priština")
    )
    form = MemberEditForm(segments=(), store=store_details(), member=member)
    assert form.initial["country"] == "XK"
    assert ("XK", "XK") in form.fields["country"].choices
