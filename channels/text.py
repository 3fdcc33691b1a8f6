"""Checks on text from outside that every channel shares."""

from __future__ import annotations


def is_storable(text: str) -> bool:
    """False for text no UTF-8 encoder accepts: a lone surrogate such as the JSON escape
    `"\\ud800"` decodes to one, and the database driver would fail on it mid-write."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
