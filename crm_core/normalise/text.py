"""Names and addresses: trimmed, whitespace collapsed, Unicode composed."""

from __future__ import annotations

import re
import unicodedata

# \s in Python's re matches Unicode spaces too (no-break space, ideographic space, ...).
_SPACES = re.compile(r"\s+")
# Zero-width characters arrive from copy and paste out of web pages and spreadsheets.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def clean_text(value: str | None) -> str:
    """One line of text: NFC, invisible characters dropped, whitespace runs to one space."""
    if value is None:
        return ""
    value = _INVISIBLE.sub("", unicodedata.normalize("NFC", value))
    return _SPACES.sub(" ", value).strip()


def clean_address(value: str | None) -> str:
    """An address keeps its line breaks; each line is cleaned and empty lines dropped."""
    if value is None:
        return ""
    lines = (clean_text(line) for line in value.replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


def fold(value: str | None) -> str:
    """A comparison key: cleaned, case-folded and without accents (José == jose)."""
    # Compatibility forms first: they can decompose into capitals ("\U0001d54a" is an "S") and
    # into spaces ("\u00a8" is a space and a diaeresis), so case folding comes after.
    decomposed = unicodedata.normalize("NFKD", clean_text(value))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    # Case folding can itself expose compatibility forms and accents again; settle both.
    refolded = unicodedata.normalize("NFKD", stripped.casefold())
    return clean_text("".join(c for c in refolded if not unicodedata.combining(c)))
