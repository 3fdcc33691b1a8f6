"""Phone numbers in E.164 (+4930123456), parsed and checked by phonenumbers."""

from __future__ import annotations

import phonenumbers

from crm_core.normalise.errors import InvalidValue
from crm_core.normalise.text import clean_text


def normalise_phone(value: object, region: str | None = None, field: str = "phone") -> str:
    """The number in E.164, or `InvalidValue`.

    `region` (ISO 3166 alpha-2, e.g. "DE") is where numbers written without a country
    code are taken to be; without it such numbers are rejected rather than guessed.
    Spreadsheets hand us numbers as floats (4930123456.0), so those are turned back into
    digits first.
    """
    text = _as_text(value)
    if not text:
        raise InvalidValue(field, value, "no phone number")
    if text.startswith("00"):
        text = "+" + text[2:]  # the international call prefix used across Europe
    try:
        number = phonenumbers.parse(text, region.upper() if region else None)
    except phonenumbers.NumberParseException as error:
        reason = _PARSE_REASONS.get(error.error_type, "not a phone number")
        if error.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            reason = "no country code, and no default region is set" if not region else reason
        raise InvalidValue(field, value, reason) from error
    if not phonenumbers.is_valid_number(number):
        raise InvalidValue(field, value, "not a valid phone number for its country")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_PARSE_REASONS = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "unknown country code",
    phonenumbers.NumberParseException.NOT_A_NUMBER: "not a phone number",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "too short",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
    phonenumbers.NumberParseException.TOO_LONG: "too long",
}


def _as_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    return clean_text(value if isinstance(value, str) else None)
