"""Norwegian Bokmål and Swedish ship complete and compiled; pages speak them."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

import django_diller

LOCALE = Path(django_diller.__file__).parent / "locale"
ENTRY = re.compile(r'^msgid ((?:".*"\n)+)(?:msgid_plural (?:".*"\n)+)?msgstr', re.M)


def po_msgids(language: str) -> set[str]:
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    ids = set()
    for match in ENTRY.finditer(text):
        pieces = [ast.literal_eval(line) for line in match.group(1).splitlines()]
        ids.add("".join(pieces))
    ids.discard("")
    return ids


@pytest.mark.parametrize("language", ["nb", "sv"])
def test_every_message_is_translated_and_compiled(language):
    with open(LOCALE / language / "LC_MESSAGES" / "django.mo", "rb") as mo:
        catalog = gettext.GNUTranslations(mo)._catalog
    # A message with a context is compiled as "context\x04message".
    compiled = {(key[0] if isinstance(key, tuple) else key).split("\x04")[-1] for key in catalog}
    compiled.discard("")
    missing = po_msgids(language) - compiled
    assert not missing, f"untranslated or not compiled in {language}: {sorted(missing)[:5]}"


@pytest.mark.parametrize(
    ("language", "expected"), [("nb", "Fortsett"), ("sv", "Fortsätt"), ("en", "Continue")]
)
def test_gettext_speaks_the_language(language, expected):
    with translation.override(language):
        assert translation.gettext("Continue") == expected


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["nb", "sv"])
def test_the_join_page_is_shown_in_the_shoppers_language(client, django_user_model, language):
    user = django_user_model.objects.create_user("ola", "ola@example.com", "pw")
    client.force_login(user)
    english = client.get(reverse("diller:join"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    local = client.get(reverse("diller:join"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    with translation.override(language):
        phrase = translation.gettext("Mobile phone")
    assert phrase != "Mobile phone"
    assert phrase in local and phrase not in english


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["nb", "sv"])
def test_the_code_page_after_joining_with_a_new_phone_speaks_the_language(
    client, django_user_model, language
):
    user = django_user_model.objects.create_user("ola", "ola@example.com", "pw")
    client.force_login(user)
    data = {
        "phone": "98765432",
        "first_name": "Ola",
        "last_name": "Nordmann",
        "segment_1": "Yirgacheffe",
        "segment_3": "32",
        "gdpr_accepted": "on",
    }
    response = client.post(reverse("diller:join"), data, HTTP_ACCEPT_LANGUAGE=language)
    assert response["Location"] == reverse("diller:join-verify")
    page = client.get(reverse("diller:join-verify"), HTTP_ACCEPT_LANGUAGE=language)
    html = page.content.decode()
    english = "We have sent an SMS to the mobile phone number you gave."
    with translation.override(language):
        local = translation.gettext(english)
    assert local != english
    assert local in html and english not in html
