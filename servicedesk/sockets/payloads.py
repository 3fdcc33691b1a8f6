"""Reading untrusted socket payloads: anything may arrive, so every field is checked."""

from __future__ import annotations

from typing import Any

from crm_core.db import MAX_ID


def field(data: Any, key: str) -> Any:
    """`data[key]` when data is a dict, else None."""
    return data.get(key) if isinstance(data, dict) else None


def int_field(data: Any, key: str) -> int:
    """A non-negative integer field, 0 when missing, malformed or too large to be an id."""
    value = field(data, key)
    # Past MAX_ID the database refuses the number (SQLite raises OverflowError).
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ID
    return value if ok else 0


def socket_id() -> str:
    """The Socket.IO session id of the event being handled."""
    from flask import request

    return str(getattr(request, "sid"))  # noqa: B009  (Flask-SocketIO adds it at run time)
