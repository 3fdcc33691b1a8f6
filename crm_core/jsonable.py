"""JSON-able copies of column values, for the audit log and the GDPR export."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any


def plain(value: Any) -> Any:
    """Dates as ISO text, enums as their value, decimals as text, containers recursively."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def row_as_json(row: Any) -> dict[str, Any]:
    """Every column of a mapped row, JSON-able; binary columns (embeddings) left out."""
    return {
        attr.key: plain(getattr(row, attr.key))
        for attr in row.__mapper__.column_attrs
        if not isinstance(getattr(row, attr.key), bytes)
    }
