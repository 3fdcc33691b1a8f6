"""Date functions that each database spells its own way, as one SQL expression."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import GenericFunction


class month_start(GenericFunction[Any]):  # noqa: N801 (named like the SQL functions it renders)
    """The first day of a date's month (NULL stays NULL)."""

    type = Date()
    inherit_cache = True

    def __init__(self, day: ColumnElement[Any] | QueryableAttribute[Any]) -> None:
        super().__init__(day)


@compiles(month_start)
def _month_start_postgresql(element: month_start, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(date_trunc('month', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(month_start, "sqlite")
def _month_start_sqlite(element: month_start, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps dates as ISO text; its date() modifiers do calendar arithmetic.
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"
