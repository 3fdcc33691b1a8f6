"""Row ids from URLs and query strings: digits alone do not make a usable id.

Werkzeug's `<int:...>` converter and `int()` accept any number of digits, but the
database does not: PostgreSQL integer columns stop at 2**31 - 1 and SQLite raises
OverflowError past 2**63 - 1. An id beyond that cannot name a row, so it is a 404 or
a form error, never a 500.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort

MAX_ID = 2**31 - 1


def parse_id(text: str | None) -> int | None:
    """The id that `text` spells, or None when it is not one (empty, signed, too large)."""
    # isascii: str.isdigit() also accepts "²" and other digits int() refuses.
    if not text or not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    value = int(text)
    return value if value <= MAX_ID else None


def _reject_oversized_ids(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    if values and any(isinstance(v, int) and v > MAX_ID for v in values.values()):
        abort(404)


def guard_ids(blueprint: Blueprint) -> None:
    """Answer 404 for any `<int:...>` URL value of `blueprint` that no row can have."""
    blueprint.url_value_preprocessor(_reject_oversized_ids)
