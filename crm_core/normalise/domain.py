"""Internet domains as organisations are known by: acme.com, however it was written."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from crm_core.normalise.errors import InvalidValue
from crm_core.normalise.text import clean_text

_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


def normalise_domain(value: str | None, field: str = "domain") -> str:
    """`https://www.Acme.com/about`, `@acme.com` and `ACME.COM.` all become `acme.com`."""
    text = clean_text(value).lower().lstrip("@")
    if "//" in text:
        text = urlsplit(text).hostname or ""
    text = text.split("/", 1)[0].rstrip(".")
    text = text.removeprefix("www.")
    try:
        ascii_form = text.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise InvalidValue(field, value, "not a domain name") from error
    labels = ascii_form.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        raise InvalidValue(field, value, "not a domain name")
    return text
