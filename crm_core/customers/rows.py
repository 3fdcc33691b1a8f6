"""Table rows as JSON and back, column type by column type.

The merge record keeps a snapshot of the merged customer and of any row it had to set
aside; undo inserts them again exactly, with their ids, so every value must survive a
trip through JSON: dates as ISO text, enums by name, bytes in base64.
"""

from __future__ import annotations

import base64
import enum
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Enum, Table

JsonRow = dict[str, Any]


def row_to_json(table: Table, row: Any) -> JsonRow:
    """A row (any mapping of column name to value) as JSON-safe values."""
    mapping = row._mapping if hasattr(row, "_mapping") else row
    return {column.name: value_to_json(mapping[column.name]) for column in table.columns}


def value_to_json(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def row_from_json(table: Table, data: JsonRow) -> JsonRow:
    """The values `row_to_json` wrote, typed again for an insert into `table`."""
    return {
        name: value_from_json(table.c[name], value)
        for name, value in data.items()
        if name in table.c
    }


def value_from_json(column: Column[Any], value: Any) -> Any:
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, Enum) and kind.enum_class is not None:
        return kind.enum_class[value]
    try:
        python_type = kind.python_type
    except NotImplementedError:
        return value
    if python_type is datetime:
        return datetime.fromisoformat(value)
    if python_type is date:
        return date.fromisoformat(value)
    if python_type is time:
        return time.fromisoformat(value)
    if python_type is Decimal:
        return Decimal(value)
    if python_type is bytes:
        return base64.b64decode(value)
    return value
