"""Row ids from URLs and query strings: digits alone do not make a usable id.

Werkzeug's `<int:...>` converter and `int()` accept any number of digits, but the
database does not: PostgreSQL integer columns stop at 2**31 - 1 and SQLite raises
OverflowError past 2**63 - 1. An id beyond that cannot name a row, so it is a 404 or
a form error, never a 500.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, request
from flask_login import current_user

from crm_core.db import MAX_ID, Base
from servicedesk.current import container_of


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


def guard_rows(blueprint: Blueprint, url_value: str, model: type[Base]) -> None:
    """Answer 404 before any view of `blueprint` acts on a `url_value` row that does not exist.

    Without it an action on a missing row flashes an error and redirects to a page that
    is itself a 404. Signed-out visitors are left to `login_required` (sent to sign in):
    a 404 for them would tell anyone which ids exist.
    """

    def row_must_exist() -> None:
        row_id = (request.view_args or {}).get(url_value)
        if row_id is None or not current_user.is_authenticated:
            return
        with container_of().uow() as uow:
            if uow.session.get(model, row_id) is None:
                abort(404)

    blueprint.before_request(row_must_exist)
