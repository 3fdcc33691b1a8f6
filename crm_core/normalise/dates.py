"""Dates in any common format: ISO, numeric with day or month first, month names in
English, German, French and Spanish, Chinese 年月日, and spreadsheet date cells.

A numeric date such as 03/04/2024 means 3 April in Europe and 4 March in the US. With no
`DateOrder` given, such a date is rejected as ambiguous instead of guessed; one whose day
is over 12 is unambiguous and accepted either way.
"""

from __future__ import annotations

import enum
import re
from datetime import date, datetime

from dateutil import parser as dateutil_parser

from crm_core.normalise.errors import InvalidValue
from crm_core.normalise.text import clean_text


class DateOrder(enum.StrEnum):
    """How to read a numeric date whose first two parts could both be the month."""

    DAY_FIRST = "dmy"
    MONTH_FIRST = "mdy"


_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_NUMERIC = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})")
_CHINESE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?")
_TIME_TAIL = re.compile(r"[T\s]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$")


def parse_date(value: object, field: str = "date", order: DateOrder | None = None) -> date:
    """The calendar date in `value`, or `InvalidValue` saying why not."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = clean_text(value if isinstance(value, str) else None)
    if not text:
        raise InvalidValue(field, value, "no date")
    text = _TIME_TAIL.sub("", text)
    parts = _numeric_parts(text, order)
    if parts is None:
        return _parse_words(text, field, value)
    if isinstance(parts, str):
        raise InvalidValue(field, value, parts)
    year, month, day = parts
    try:
        return date(year, month, day)
    except ValueError as error:
        raise InvalidValue(field, value, f"no such date: {error}") from error


def _numeric_parts(text: str, order: DateOrder | None) -> tuple[int, int, int] | str | None:
    """(year, month, day) of an all-numeric date, a reason it is ambiguous, or None."""
    for pattern in (_ISO, _CHINESE):
        if match := pattern.fullmatch(text):
            return int(match[1]), int(match[2]), int(match[3])
    if len(text) == 8 and text.isdigit():  # 20240305, as some exports write it
        return int(text[:4]), int(text[4:6]), int(text[6:])
    match = _NUMERIC.fullmatch(text)
    if match is None:
        return None
    first, second, year = int(match[1]), int(match[3]), _full_year(match[4])
    if match[2] == "." or first > 12 or order is DateOrder.DAY_FIRST:
        # Dotted dates (05.03.2024) are day first wherever they are written.
        return year, second, first
    if second > 12 or order is DateOrder.MONTH_FIRST or first == second:
        return year, first, second
    return f"ambiguous: day or month first? set the date order (dmy or mdy) for {text!r}"


def _full_year(digits: str) -> int:
    """Two-digit years: 00-69 are 2000-2069, 70-99 are 1970-1999 (the POSIX strptime rule)."""
    year = int(digits)
    if len(digits) == 4:
        return year
    return 2000 + year if year < 70 else 1900 + year


class _Months(dateutil_parser.parserinfo):
    """Month names in the languages whose headers we map (see importing.headers)."""

    # The stubs allow two or three names a month; dateutil itself takes any number.
    MONTHS: list[tuple[str, ...]] = [  # type: ignore[assignment]
        ("Jan", "January", "Januar", "Jänner", "janvier", "janv", "enero", "ene"),
        ("Feb", "February", "Februar", "février", "fevrier", "févr", "febrero"),
        ("Mar", "March", "März", "Maerz", "mars", "marzo", "Mär"),
        ("Apr", "April", "avril", "avr", "abril", "abr"),
        ("May", "Mai", "mayo"),
        ("Jun", "June", "Juni", "juin", "junio"),
        ("Jul", "July", "Juli", "juillet", "juil", "julio"),
        ("Aug", "August", "août", "aout", "agosto", "ago"),
        ("Sep", "Sept", "September", "septembre", "septiembre", "sept"),
        ("Oct", "October", "Oktober", "Okt", "octobre", "octubre"),
        ("Nov", "November", "novembre", "noviembre"),
        ("Dec", "December", "Dezember", "Dez", "décembre", "decembre", "diciembre", "dic"),
    ]
    JUMP = [*dateutil_parser.parserinfo.JUMP, "de", "del", "le"]


_MONTHS = _Months()
# Strings dateutil would fill in from today's date (a bare "March") are not dates.
_DEFAULT_A = datetime(1901, 1, 1)
_DEFAULT_B = datetime(1902, 2, 2)


def _parse_words(text: str, field: str, original: object) -> date:
    """Dates with month names ("5 March 2024", "März 5, 2024", "5 de marzo de 2024")."""
    try:
        first = dateutil_parser.parse(text, parserinfo=_MONTHS, default=_DEFAULT_A)
        second = dateutil_parser.parse(text, parserinfo=_MONTHS, default=_DEFAULT_B)
    except (ValueError, OverflowError) as error:
        raise InvalidValue(field, original, "not a date we can read") from error
    if first != second:
        raise InvalidValue(field, original, "incomplete date: needs a day, month and year")
    return first.date()
