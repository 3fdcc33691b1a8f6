"""Defensive decoding of headers, addresses and body parts: never raise on what the wild sends."""

from __future__ import annotations

import codecs
import contextlib
import email.utils
import re
from email.header import decode_header
from email.message import Message
from typing import Any

# Labels mail clients write that Python's codec registry does not know (Zammad/flanker corpora).
CHARSET_ALIASES = {
    "unicode-1-1-utf-7": "utf-7",
    "x-unknown": "latin-1",
    "unknown-8bit": "latin-1",
    "x-user-defined": "latin-1",
    "ks_c_5601-1987": "cp949",
    "gb2312": "gb18030",  # gb18030 is a superset; mislabeled GBK mail decodes too
    "gbk": "gb18030",
    "windows-874": "cp874",
    "iso-8859-8-i": "iso-8859-8",
    "ansi_x3.4-1968": "ascii",
    "utf8": "utf-8",
    "cp-850": "cp850",
}


def codec_for(charset: str | None) -> str | None:
    """A Python codec name for a MIME charset label, or None when it is unknown."""
    if not charset:
        return None
    label = charset.strip().strip("\"'").lower()
    label = CHARSET_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except (LookupError, ValueError):
        return None


def decode_text(data: bytes, charset: str | None) -> str:
    """Decode bytes with the declared charset, then UTF-8, then cp1252/latin-1; never raises."""
    declared = codec_for(charset)
    if declared and declared not in {"ascii", "utf-8"}:
        try:
            return data.decode(declared)
        except (UnicodeDecodeError, LookupError):
            pass  # wrong label: fall through to the usual suspects
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if declared:
        return data.decode(declared, errors="replace")
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


_MAX_HEADER_CHARS = 16 * 1024  # enough for any real Subject or address list; bounds work


def header_text(message: Message, name: str) -> str:
    """A header as clean text: encoded words decoded, folding removed, never raising.

    Reads the raw value and decodes it here: the policy's header classes are slow on
    very long headers and raise on some malformed ones.
    """
    raw = _raw_header(message, name)
    return _decode_words(raw[:_MAX_HEADER_CHARS]) if raw is not None else ""


def _raw_header(message: Message, name: str) -> str | None:
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            return str(value)
    return None


def _unescape_8bit(value: str) -> str:
    """Raw 8-bit header bytes arrive as surrogate escapes; decode them like a body."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    return decode_text(value.encode("utf-8", "surrogateescape"), None)


def _decode_words(value: str) -> str:
    value = _unescape_8bit(value)
    if "=?" in value:
        # A malformed encoded word keeps what was written.
        with contextlib.suppress(Exception):
            value = _decode_encoded_words(value)
    return " ".join(value.split())


def _decode_encoded_words(value: str) -> str:
    """RFC 2047 words, each through decode_text so unknown charsets fall back too."""
    pieces = []
    for chunk, charset in decode_header(value):
        if isinstance(chunk, bytes):
            pieces.append(decode_text(chunk, charset or "ascii"))
        else:
            pieces.append(chunk)
    return "".join(pieces)


def header_values(message: Message, name: str) -> list[str]:
    """Every occurrence of a header as raw-ish text (for Received-style repeated headers)."""
    values = []
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            values.append(_decode_words(str(value)))
    return values


def parse_addresses(values: list[str]) -> list[tuple[str, str]]:
    """(display name, lowercased address) pairs; strict parsing first, lenient fallback.

    `strict=True` (CVE-2023-27043 fix) exists only on newer Pythons; the lenient parser
    is used when it is missing or when strict parsing finds nothing usable.
    """
    pairs: list[tuple[str, str]] = []
    try:
        strict_parse: Any = email.utils.getaddresses
        pairs = strict_parse(values, strict=True)
    except TypeError:
        pairs = email.utils.getaddresses(values)
    if not any("@" in address for _, address in pairs):
        pairs = email.utils.getaddresses(values)
    result = []
    if not any("@" in address and " " not in address.strip() for _, address in pairs):
        pairs = _salvage_addresses(values)
    for name, address in pairs:
        address = address.strip().strip("<>").lower()
        if "@" in address and (" " not in address or address.startswith('"')):
            result.append((_decode_words(name).strip().strip("\"'"), address))
    return result


_BARE_ADDRESS = re.compile(r"[^\s<>\"(),;:]{1,64}@[A-Za-z0-9.-]{1,255}")


def _salvage_addresses(values: list[str]) -> list[tuple[str, str]]:
    """Addresses from text no RFC parser accepts ('Test test@example.com')."""
    found = []
    for value in values:
        for match in _BARE_ADDRESS.finditer(value[:4000]):
            found.append((value[: match.start()].strip().strip('"<'), match.group(0)))
    return found


def address_header(message: Message, name: str) -> list[tuple[str, str]]:
    """Addresses of one header (all occurrences), decoded."""
    raw = [_unfold(value) for value in _raw_values(message, name)]
    return parse_addresses(raw)


def _raw_values(message: Message, name: str) -> list[str]:
    values = [str(v) for k, v in message.raw_items() if k.lower() == name.lower()]
    return [_unescape_8bit(v[:_MAX_HEADER_CHARS]) for v in values]


def _unfold(value: str) -> str:
    return " ".join(value.split())


def message_ids(value: str) -> list[str]:
    """Message-IDs from a References/In-Reply-To value, angle brackets stripped, in order."""
    ids: list[str] = []
    for token in value.replace(",", " ").split():
        token = token.strip()
        if token.startswith("<") and ">" in token:
            token = token[1 : token.index(">")]
        token = token.strip("<>")
        if "@" in token and token not in ids:
            ids.append(token)
    return ids
