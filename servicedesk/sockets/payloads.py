"""Reading untrusted socket payloads: anything may arrive, so every field is checked."""

from __future__ import annotations

from typing import Any


def field(data: Any, key: str) -> Any:
    """`data[key]` when data is a dict, else None."""
    return data.get(key) if isinstance(data, dict) else None


def int_field(data: Any, key: str) -> int:
    """A non-negative integer field, 0 when missing or malformed."""
    value = field(data, key)
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return value if ok else 0


def socket_id() -> str:
    """The Socket.IO session id of the event being handled."""
    from flask import request

    return str(getattr(request, "sid"))  # noqa: B009  (Flask-SocketIO adds it at run time)
