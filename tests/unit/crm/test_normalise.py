"""Normalisation: examples of each rule, and properties that hold for any input."""

from __future__ import annotations

from datetime import date, datetime

import phonenumbers
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from crm_core.normalise import (
    DateOrder,
    InvalidValue,
    clean_address,
    clean_text,
    fold,
    normalise_email,
    normalise_phone,
    parse_date,
)

# ---- emails


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" Jane.Doe@Example.COM ", "jane.doe@example.com"),
        ("JANE@EXAMPLE.COM", "jane@example.com"),
        ("Jane Doe <jane@example.com>", "jane@example.com"),
        ("jane@bücher.example", "jane@bücher.example"),
    ],
)
def test_emails_are_lower_cased_and_trimmed(raw: str, expected: str) -> None:
    assert normalise_email(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "jane", "jane@", "@example.com", "a@b", "a b@c.com"])
def test_invalid_emails_are_rejected_naming_the_field(raw: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        normalise_email(raw, field="work_email")
    assert caught.value.field == "work_email"
    assert caught.value.reason
    assert str(caught.value).startswith("work_email: ")


_LOCAL = st.from_regex(r"[a-zA-Z][a-zA-Z0-9._]{0,15}[a-zA-Z0-9]", fullmatch=True).filter(
    lambda s: ".." not in s
)
_DOMAIN = st.from_regex(r"[a-zA-Z]{1,10}\.(com|de|fr|org|cn)", fullmatch=True)


@given(local=_LOCAL, domain=_DOMAIN, pad=st.sampled_from(["", " ", "\t", "\u00a0"]))
def test_email_normalisation_ignores_case_and_padding(local: str, domain: str, pad: str) -> None:
    email = f"{local}@{domain}"
    normalised = normalise_email(pad + email.swapcase() + pad)
    assert normalised == normalise_email(email) == email.lower()
    assert normalise_email(normalised) == normalised


# ---- phones


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+49 30 901820", None, "+4930901820"),
        ("030 901820", "DE", "+4930901820"),
        ("0049 30 901820", None, "+4930901820"),
        ("(650) 253-0000", "US", "+16502530000"),
        ("+1 650.253.0000", "DE", "+16502530000"),
        (30901820.0, "DE", "+4930901820"),  # a spreadsheet cell drops the leading 0
        (6502530000, "US", "+16502530000"),
        ("+86 10 6552 9988", None, "+861065529988"),
    ],
)
def test_phones_become_e164(raw: object, region: str | None, expected: str) -> None:
    assert normalise_phone(raw, region) == expected


@pytest.mark.parametrize(
    ("raw", "region", "reason"),
    [
        ("030 901820", None, "no country code"),
        ("call me", "DE", "not a phone number"),
        ("+49 1", None, "too short"),
        ("+49 30 1", None, "not a valid"),
        ("", "DE", "no phone number"),
    ],
)
def test_bad_phones_say_why(raw: str, region: str | None, reason: str) -> None:
    with pytest.raises(InvalidValue, match=reason) as caught:
        normalise_phone(raw, region, field="mobile")
    assert caught.value.field == "mobile"


_REGIONS = st.sampled_from(["DE", "FR", "ES", "GB", "US", "CN"])
_FORMATS = st.sampled_from(
    [
        phonenumbers.PhoneNumberFormat.E164,
        phonenumbers.PhoneNumberFormat.INTERNATIONAL,
        phonenumbers.PhoneNumberFormat.NATIONAL,
    ]
)


@given(region=_REGIONS, fmt=_FORMATS, kind=st.sampled_from(["fixed", "mobile"]))
def test_any_written_form_of_a_number_gives_one_e164(region: str, fmt: int, kind: str) -> None:
    number = (
        phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
        if kind == "mobile"
        else phonenumbers.example_number(region)
    )
    assert number is not None
    expected = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    written = phonenumbers.format_number(number, fmt)
    assert normalise_phone(f"  {written} ", region) == expected
    assert normalise_phone(expected) == expected


# ---- names and addresses


def test_text_is_trimmed_and_whitespace_collapsed() -> None:
    assert clean_text("  José \u00a0 Pérez\u200b\n") == "José Pérez"
    assert clean_text(None) == ""
    assert clean_address("  1 Main  St \r\n\n  Springfield ") == "1 Main St\nSpringfield"


def test_fold_ignores_case_and_accents() -> None:
    assert fold("José  PÉREZ") == fold("jose perez") == "jose perez"
    assert fold("Müller") == "muller"
    assert fold("张伟") == "张伟"


@given(st.text())
def test_clean_text_is_idempotent_and_tidy(text: str) -> None:
    cleaned = clean_text(text)
    assert clean_text(cleaned) == cleaned
    assert cleaned == cleaned.strip()
    assert "  " not in cleaned
    assert "\n" not in cleaned


@given(st.text())
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


# ---- dates


@pytest.mark.parametrize(
    ("raw", "order", "expected"),
    [
        ("2024-03-05", None, date(2024, 3, 5)),
        ("2024/3/5", None, date(2024, 3, 5)),
        ("20240305", None, date(2024, 3, 5)),
        ("2024-03-05T10:00:00Z", None, date(2024, 3, 5)),
        ("05.03.2024", None, date(2024, 3, 5)),
        ("13/03/2024", None, date(2024, 3, 13)),
        ("03/13/2024", None, date(2024, 3, 13)),
        ("03/05/2024", DateOrder.DAY_FIRST, date(2024, 5, 3)),
        ("03/05/2024", DateOrder.MONTH_FIRST, date(2024, 3, 5)),
        ("05/03/99", DateOrder.DAY_FIRST, date(1999, 3, 5)),
        ("5 March 2024", None, date(2024, 3, 5)),
        ("Mar 5, 2024", None, date(2024, 3, 5)),
        ("5. März 2024", None, date(2024, 3, 5)),
        ("5 mars 2024", None, date(2024, 3, 5)),
        ("5 de marzo de 2024", None, date(2024, 3, 5)),
        ("2024年3月5日", None, date(2024, 3, 5)),
        (datetime(2024, 3, 5, 9, 30), None, date(2024, 3, 5)),
        (date(2024, 3, 5), None, date(2024, 3, 5)),
    ],
)
def test_common_date_formats_parse(raw: object, order: DateOrder | None, expected: date) -> None:
    assert parse_date(raw, order=order) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("03/05/2024", "ambiguous"),
        ("31/02/2024", "no such date"),
        ("2024-13-01", "no such date"),
        ("March 2024", "incomplete"),
        ("soon", "not a date"),
        ("", "no date"),
    ],
)
def test_bad_dates_are_rejected_with_a_reason(raw: str, reason: str) -> None:
    with pytest.raises(InvalidValue, match=reason) as caught:
        parse_date(raw, field="customer_since")
    assert caught.value.field == "customer_since"


_WRITTEN = {
    "iso": lambda d: d.isoformat(),
    "dotted": lambda d: d.strftime("%d.%m.%Y"),
    "us": lambda d: d.strftime("%m/%d/%Y"),
    "long": lambda d: d.strftime("%d %B %Y"),
    "short": lambda d: d.strftime("%b %d, %Y"),
    "chinese": lambda d: f"{d.year}年{d.month}月{d.day}日",
}


@given(
    day=st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
    style=st.sampled_from(sorted(_WRITTEN)),
)
def test_a_date_written_any_common_way_reads_back(day: date, style: str) -> None:
    order = DateOrder.MONTH_FIRST if style == "us" else None
    assert parse_date(_WRITTEN[style](day), order=order) == day


@given(day=st.dates(min_value=date(1970, 1, 1), max_value=date(2069, 12, 31)))
def test_slash_dates_without_an_order_are_read_only_when_unambiguous(day: date) -> None:
    written = day.strftime("%d/%m/%Y")
    assume(day.day != day.month)
    if day.day <= 12:
        with pytest.raises(InvalidValue, match="ambiguous"):
            parse_date(written)
    else:
        assert parse_date(written) == day
