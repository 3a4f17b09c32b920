"""Reading a voucher's code and a voucher's value: examples, and properties over many inputs."""

from __future__ import annotations

import string
from decimal import Decimal

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from django_diller.coupontools.vouchers import (
    AmbiguousValue,
    EmptyVoucherCode,
    InvalidVoucherCode,
    InvalidVoucherValue,
    NegativeValue,
    NotAVoucherLink,
    PercentageAboveHundred,
    TooPreciseValue,
    UnreadableValue,
    VoucherCode,
    VoucherCodeCharacters,
    VoucherCodeLength,
    VoucherValue,
    ZeroValue,
    mask_code,
    parse_code,
    parse_value,
)

SESSION = "kkfiznr8Yp8630h82es8d"
ALNUM = string.ascii_letters + string.digits

sessions = st.text(ALNUM, min_size=6, max_size=64)
campaigns = st.text(ALNUM, min_size=1, max_size=64)
# What people and scanners put around and inside a code.
blanks = st.text(" \t\n\r\u00a0\u2009\u202f\u200b\ufeff", max_size=3)


def _case_variants(text: str) -> st.SearchStrategy[str]:
    return st.lists(st.booleans(), min_size=len(text), max_size=len(text)).map(
        lambda flips: "".join(
            c.upper() if f else c.lower() for c, f in zip(text, flips, strict=True)
        )
    )


def _sprinkle(text: str, draw) -> str:
    """``text`` with blanks before, after and between some of its characters."""
    out = [draw(blanks)]
    for char in text:
        out.append(char)
        if draw(st.booleans()):
            out.append(draw(blanks))
    return "".join(out)


# --- Codes: examples --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "campaign", "session"),
    [
        (SESSION, None, SESSION),
        ("abcdefghijklmn", None, "abcdefghijklmn"),  # the guide's short example
        ("kkfi znr8 Yp86 30h8 2es8d", None, SESSION),
        (f"  {SESSION}\n", None, SESSION),
        (f"\u200b{SESSION}\ufeff", None, SESSION),
        ("".join(chr(ord(c) + 0xFEE0) for c in SESSION), None, SESSION),  # full width
        (f"https://digicpn.com/p/v6n7gn/{SESSION}", "v6n7gn", SESSION),
        (f"HTTPS://DIGICPN.COM/P/v6n7gn/{SESSION}/", "v6n7gn", SESSION),
        (f"http://www.digicpn.com/p/v6n7gn/{SESSION}?utm_source=mail#top", "v6n7gn", SESSION),
        (f"https://vouchers.example.no/p/v6n7gn/{SESSION}", "v6n7gn", SESSION),
        (f"digicpn.com/p/v6n7gn/{SESSION}", "v6n7gn", SESSION),
        (f"/p/v6n7gn/{SESSION}", "v6n7gn", SESSION),
        (f"v6n7gn/{SESSION}", "v6n7gn", SESSION),
        (f" https://digicpn.com/p/v6n7gn/{SESSION} ", "v6n7gn", SESSION),
    ],
)
def test_codes_as_people_give_them(text, campaign, session):
    assert parse_code(text) == VoucherCode(campaign, session)


def test_case_is_kept_because_sessions_mix_cases():
    assert parse_code("KKFIZNR8YP8630H82ES8D").session == "KKFIZNR8YP8630H82ES8D"
    assert parse_code("KKFIZNR8YP8630H82ES8D") != parse_code(SESSION)
    link = parse_code(f"https://digicpn.com/p/V6N7GN/{SESSION}")
    assert link.campaign == "V6N7GN"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", EmptyVoucherCode),
        ("   \n", EmptyVoucherCode),
        ("kkfi-znr8-Yp86", VoucherCodeCharacters),
        ("kkfiznr8Yp86_30h8", VoucherCodeCharacters),
        ("<script>alert(1)</script>", NotAVoucherLink),
        ("kkfiz'; DROP TABLE--", VoucherCodeCharacters),
        ("abc", VoucherCodeLength),
        ("a" * 65, VoucherCodeLength),
        ("x" * 5000, VoucherCodeLength),
        ("javascript:alert(1)", NotAVoucherLink),
        (f"ftp://digicpn.com/p/v6n7gn/{SESSION}", NotAVoucherLink),
        (f"https://digicpn.com/q/v6n7gn/{SESSION}", NotAVoucherLink),
        (f"https://digicpn.com/p/{SESSION}", NotAVoucherLink),
        (f"https://digicpn.com/p/v6n7gn/{SESSION}/extra", NotAVoucherLink),
        ("https://digicpn.com/", NotAVoucherLink),
        (f"https:///p/v6n7gn/{SESSION}", NotAVoucherLink),
        (f"https://[digicpn/p/v6n7gn/{SESSION}", NotAVoucherLink),
        (f"https://digicpn.com/p/v6-n7gn/{SESSION}", NotAVoucherLink),
        ("https://digicpn.com/p/v6n7gn/kkfi%20znr8", VoucherCodeCharacters),
        ("https://digicpn.com/p/v6n7gn/abc", VoucherCodeLength),
    ],
)
def test_what_is_no_code_is_refused_saying_why(text, error):
    with pytest.raises(error) as caught:
        parse_code(text)
    assert isinstance(caught.value, ValueError)
    assert caught.value.reason == error.reason
    assert str(caught.value) == error.default_message
    if len(text) >= 6:
        assert text.strip() not in str(caught.value)


def test_a_code_is_text():
    with pytest.raises(TypeError):
        parse_code(12345678)


def test_a_code_is_shown_masked():
    code = parse_code(f"https://digicpn.com/p/v6n7gn/{SESSION}")
    assert mask_code(SESSION) == "kkfi…"
    assert code.masked == "kkfi…"
    assert SESSION not in repr(code)
    assert SESSION not in str(code)
    assert code.url() == f"https://digicpn.com/p/v6n7gn/{SESSION}"
    assert VoucherCode(None, SESSION).url() is None


def test_a_voucher_code_cannot_be_built_from_junk():
    with pytest.raises(VoucherCodeCharacters):
        VoucherCode(None, "kkfi znr8")
    with pytest.raises(NotAVoucherLink):
        VoucherCode("v6/n7", SESSION)


# --- Codes: properties ------------------------------------------------------------------------


@given(campaign=campaigns, session=sessions, data=st.data())
def test_a_link_reads_back_whatever_its_scheme_host_case_and_tail(campaign, session, data):
    scheme = data.draw(st.sampled_from(["https://", "http://", ""]))
    host = data.draw(_case_variants("digicpn.com")) if scheme or data.draw(st.booleans()) else ""
    p = data.draw(st.sampled_from(["p", "P"]))
    tail = data.draw(st.sampled_from(["", "/", "?x=1", "/?utm_source=a&b=c", "#frag"]))
    if host:
        text = f"{scheme}{host}/{p}/{campaign}/{session}{tail}"
    else:
        text = f"/{p}/{campaign}/{session}{tail}"
    assert parse_code(text) == VoucherCode(campaign, session)
    assert parse_code(VoucherCode(campaign, session).url()) == VoucherCode(campaign, session)


@given(session=sessions, data=st.data())
def test_a_session_reads_back_through_any_blanks(session, data):
    assert parse_code(_sprinkle(session, data.draw)) == VoucherCode(None, session)


@given(campaign=campaigns, session=sessions, data=st.data())
def test_a_link_reads_back_through_blanks_around_it(campaign, session, data):
    text = data.draw(blanks) + f"https://digicpn.com/p/{campaign}/{session}" + data.draw(blanks)
    assert parse_code(text) == VoucherCode(campaign, session)


@given(text=st.text(max_size=200))
@example("kkfiznr8Yp8630h8;es8d")
@example("\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668")  # Arabic-Indic digits
@example("https://digicpn.com/p/../kkfiznr8Yp86")
def test_garbage_is_refused_never_read_as_a_code(text):
    try:
        code = parse_code(text)
    except InvalidVoucherCode:
        return
    # Whatever was accepted is a plain id that the input spelled out.
    assert code.session.isascii() and code.session.isalnum()
    assert 6 <= len(code.session) <= 64
    assert code.campaign is None or (code.campaign.isascii() and code.campaign.isalnum())


@given(session=sessions, junk=st.sampled_from("-_.;,!?*'\"<>()[]{}|\\@$&+=~`^é"))
def test_a_foreign_character_anywhere_in_a_session_is_refused(session, junk):
    position = len(session) // 2
    with pytest.raises(InvalidVoucherCode):
        parse_code(session[:position] + junk + session[position:])


# --- Values: examples -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("50", "amount", "50.00"),
        ("50.00", "amount", "50.00"),
        ("50,00", "amount", "50.00"),
        ("50.5", "amount", "50.50"),
        ("  50 ", "amount", "50.00"),
        ("1 000,50", "amount", "1000.50"),
        ("1\u00a0000,50", "amount", "1000.50"),
        ("1\u202f000,50", "amount", "1000.50"),
        ("1.000,50", "amount", "1000.50"),
        ("1,000.50", "amount", "1000.50"),
        ("1'000.50", "amount", "1000.50"),
        ("1.000.000", "amount", "1000000.00"),
        ("1 000", "amount", "1000.00"),
        ("1000.000", "amount", "1000.00"),
        ("0,500", "amount", "0.50"),
        ("\uff10\uff15\uff10", "amount", "50.00"),  # full width "050"
        ("10%", "percentage", "10"),
        ("10 %", "percentage", "10"),
        ("12,5%", "percentage", "12.5"),
        ("12.50 %", "percentage", "12.5"),
        ("100%", "percentage", "100"),
        ("0.5%", "percentage", "0.5"),
    ],
)
def test_values_as_campaigns_write_them(text, kind, value):
    assert parse_value(text) == VoucherValue(kind, Decimal(value))


def test_the_currency_decides_the_decimals():
    assert parse_value("50", currency_exponent=0) == VoucherValue("amount", Decimal("50"))
    assert parse_value("50,00", currency_exponent=0) == VoucherValue("amount", Decimal("50"))
    assert parse_value("1.500", currency_exponent=3) == VoucherValue("amount", Decimal("1.500"))
    assert str(parse_value("50", currency_exponent=3)) == "50.000"
    with pytest.raises(TooPreciseValue):
        parse_value("50,50", currency_exponent=0)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", UnreadableValue),
        ("   ", UnreadableValue),
        ("%", UnreadableValue),
        ("abc", UnreadableValue),
        ("50 kr", UnreadableValue),
        ("€50", UnreadableValue),
        ("50,-", UnreadableValue),
        ("5 0", UnreadableValue),
        ("1.5.5", UnreadableValue),
        ("1,5.5", UnreadableValue),
        ("1 000 000'5", UnreadableValue),
        ("12 34,5", UnreadableValue),
        ("50..00", UnreadableValue),
        (".5", UnreadableValue),
        ("5.", UnreadableValue),
        ("1e3", UnreadableValue),
        ("NaN", UnreadableValue),
        ("Infinity", UnreadableValue),
        ("+5", UnreadableValue),
        ("(5)", UnreadableValue),
        ("10%%", UnreadableValue),
        ("%10", UnreadableValue),
        ("\u0661\u0660", UnreadableValue),  # Arabic-Indic "10"
        ("9" * 50, UnreadableValue),
        ("1,000", AmbiguousValue),
        ("1.000", AmbiguousValue),
        ("50.000", AmbiguousValue),
        ("12.500%", AmbiguousValue),
        ("50.005", AmbiguousValue),
        ("50,505", AmbiguousValue),
        ("50.001", AmbiguousValue),
        ("1000.005", TooPreciseValue),
        ("0.005", TooPreciseValue),
        ("12.125 %", AmbiguousValue),
        ("0.125%", TooPreciseValue),
        ("-5", NegativeValue),
        ("\u22125", NegativeValue),
        ("- 10 %", NegativeValue),
        ("0", ZeroValue),
        ("0,00", ZeroValue),
        ("0 %", ZeroValue),
        ("-0", ZeroValue),
        ("100.01%", PercentageAboveHundred),
        ("150%", PercentageAboveHundred),
    ],
)
def test_what_cannot_be_used_is_refused_saying_why(text, error):
    with pytest.raises(error) as caught:
        parse_value(text)
    assert isinstance(caught.value, ValueError)
    assert caught.value.reason == error.reason
    assert str(caught.value) == error.default_message


def test_a_value_is_text_and_the_exponent_an_integer_within_reason():
    with pytest.raises(TypeError):
        parse_value(50)
    with pytest.raises(TypeError):
        parse_value("50", currency_exponent=2.0)
    with pytest.raises(ValueError):
        parse_value("50", currency_exponent=5)


# --- Values: properties -----------------------------------------------------------------------

exponents = st.integers(min_value=0, max_value=4)


@st.composite
def amounts(draw) -> tuple[Decimal, int]:
    exponent = draw(exponents)
    minor = draw(st.integers(min_value=1, max_value=10**12))
    return Decimal(minor).scaleb(-exponent), exponent


percentages = st.integers(min_value=1, max_value=10_000).map(lambda n: Decimal(n).scaleb(-2))


def _grouped(whole: str, separator: str) -> str:
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return separator.join([whole, *groups])


@given(amount=amounts())
def test_an_amount_reads_back_from_its_text(amount):
    value, exponent = amount
    parsed = parse_value(str(VoucherValue("amount", value)), currency_exponent=exponent)
    assert parsed == VoucherValue("amount", value)
    assert parsed.value.as_tuple().exponent == -exponent


@given(amount=amounts(), style=st.sampled_from([(" ", ","), (".", ","), (",", "."), (" ", ".")]))
def test_an_amount_reads_back_in_any_usual_writing(amount, style):
    value, exponent = amount
    grouping, decimal = style
    whole, _, fraction = f"{value:f}".partition(".")
    text = _grouped(whole, grouping) + (decimal + fraction if fraction else "")
    if not fraction and len(whole) > 3 and len(whole) <= 6 and grouping in ".,":
        # One "." or "," and three digits: refused as ambiguous, never guessed.
        with pytest.raises(AmbiguousValue):
            parse_value(text, currency_exponent=exponent)
        return
    assert parse_value(text, currency_exponent=exponent).value == value


@given(percentage=percentages, space=st.sampled_from(["", " ", "\u00a0"]))
def test_a_percentage_reads_back(percentage, space):
    text = f"{percentage.normalize():f}{space}%"
    assert parse_value(text) == VoucherValue("percentage", percentage)
    assert parse_value(str(parse_value(text))) == parse_value(text)


@given(amount=amounts(), before=blanks, after=blanks)
def test_surrounding_blanks_change_nothing(amount, before, after):
    value, exponent = amount
    text = f"{value:f}"
    assume("\u200b" not in before + after and "\ufeff" not in before + after)
    assert parse_value(before + text + after, currency_exponent=exponent) == parse_value(
        text, currency_exponent=exponent
    )


@given(amount=amounts())
def test_a_negative_amount_is_refused(amount):
    value, exponent = amount
    with pytest.raises(NegativeValue):
        parse_value(f"-{value:f}", currency_exponent=exponent)


@given(text=st.text(max_size=60), exponent=exponents)
@example(text="0.00", exponent=2)
@example(text="1e5", exponent=2)
def test_garbage_is_refused_never_read_as_zero_or_less(text, exponent):
    try:
        parsed = parse_value(text, currency_exponent=exponent)
    except InvalidVoucherValue:
        return
    assert parsed.value > 0
    if parsed.kind == "percentage":
        assert parsed.value <= 100
    else:
        assert parsed.value.as_tuple().exponent == -exponent
    assert any(char.isdigit() for char in text)
