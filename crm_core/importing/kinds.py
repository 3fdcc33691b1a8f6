"""What an import kind is, and the registry the runner looks kinds up in.

A kind (customers, organisations; leads come with the sales issue) names its fields with
their common headers, turns a row's raw cells into a clean record or a list of problems,
and writes a record idempotently. Add a kind by adding it to `IMPORT_KINDS`.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from crm_core.importing.headers import ColumnMapping, MappingError
from crm_core.importing.readers import Cell
from crm_core.normalise import DateOrder, InvalidValue, clean_text


class Problem(NamedTuple):
    """Why a row was rejected: the field at fault, the reason and the value given."""

    field: str
    reason: str
    value: str

    @classmethod
    def of(cls, error: InvalidValue) -> Problem:
        return cls(error.field, error.reason, _shown(error.value))


def _shown(value: object) -> str:
    return "" if value is None else str(value)[:500]


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class RowSettings:
    """How raw values are read: where phones without a country code are, date order, and
    the agents an owner column may name (their emails in lower case, with their ids)."""

    region: str | None = None
    date_order: DateOrder | None = None
    owners: Mapping[str, int] = field(default_factory=dict)


@dataclass
class RunContext:
    """What a kind's `apply` may use across rows: settings, side counts, caches."""

    settings: RowSettings
    counts: Counter[str] = field(default_factory=Counter)
    cache: dict[str, Any] = field(default_factory=dict)


Row = Mapping[str, Cell]
Validate = Callable[[Row, RowSettings], "object | list[Problem]"]
Apply = Callable[[Session, Any, RunContext], Outcome]
Prepare = Callable[[Session, list[Any], RunContext], None]


@dataclass(frozen=True)
class ImportKind:
    """One kind of record a file can hold."""

    name: str
    aliases: Mapping[str, Sequence[str]]
    # Each group needs at least one mapped column, e.g. (("email", "phone"),).
    required_columns: tuple[tuple[str, ...], ...]
    validate: Validate
    apply: Apply
    # Called with a batch's valid records before they are applied, to look up in one
    # query what `apply` would otherwise look up row by row.
    prepare: Prepare | None = None

    def check_columns(self, mapping: ColumnMapping) -> None:
        """Refuse a mapping that can never give a valid row."""
        for group in self.required_columns:
            if not any(name in mapping.columns for name in group):
                wanted = " or ".join(group)
                raise MappingError(f"no column for {wanted}; name one with --map COLUMN={group[0]}")


class Problems:
    """Collects a row's problems while its fields are read."""

    def __init__(self) -> None:
        self.found: list[Problem] = []

    def read(self, reader: Callable[[], Any]) -> Any:
        """`reader()`, or None with its `InvalidValue` noted."""
        try:
            return reader()
        except InvalidValue as error:
            self.found.append(Problem.of(error))
            return None

    def missing(self, field: str, value: object = None) -> None:
        self.found.append(Problem(field, "missing required field", _shown(value)))


_TRUE = {"1", "y", "yes", "true", "x", "ja", "j", "oui", "si", "sí", "是", "wahr", "vrai"}
_FALSE = {"0", "n", "no", "false", "nein", "non", "否", "falsch", "faux", ""}


def parse_flag(value: Cell, field: str) -> bool:
    """yes/no in the languages we map headers for; anything else is an unknown choice."""
    if isinstance(value, bool):
        return value
    text = clean_text(str(value) if value is not None else None).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidValue(field, value, "unknown choice (yes or no)")


def text_of(value: Cell) -> str:
    """A cell as cleaned text (numbers as written, without a trailing .0)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_text(None if value is None else str(value))
