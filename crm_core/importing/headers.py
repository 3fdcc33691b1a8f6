"""Which column holds which field: common header names in English, German, French,
Spanish and Chinese are recognised; `--map column=field` overrides (`column=-` skips).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from crm_core.normalise import fold

IGNORE = "-"


class MappingError(ValueError):
    """The columns cannot be mapped to fields; the message says which and how to fix it."""


def header_key(header: str) -> str:
    """Headers compare without case, accents, spaces or punctuation ("E-Mail" == "email")."""
    return "".join(c for c in fold(header) if c.isalnum())


@dataclass(frozen=True)
class ColumnMapping:
    """Column positions per field, and the columns left unused."""

    columns: Mapping[str, int]
    ignored: tuple[str, ...]

    def as_json(self, headers: Sequence[str]) -> dict[str, str]:
        return {field: headers[index] for field, index in self.columns.items()}


def map_headers(
    headers: Sequence[str],
    aliases: Mapping[str, Sequence[str]],
    overrides: Mapping[str, str] | None = None,
) -> ColumnMapping:
    """Map each column to at most one field; overrides win over the recognised names."""
    overrides = {header_key(k): v for k, v in (overrides or {}).items()}
    known = {header_key(a): field for field, names in aliases.items() for a in (field, *names)}
    _check_overrides(headers, overrides, aliases)
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        key = header_key(header)
        field = overrides.get(key, known.get(key))
        if field is None or field == IGNORE:
            ignored.append(header)
            continue
        if field in columns:
            raise MappingError(
                f"columns {headers[columns[field]]!r} and {header!r} both hold {field}; "
                f"choose one with --map {header!r}=-"
            )
        columns[field] = index
    return ColumnMapping(columns, tuple(h for h in ignored if h.strip()))


def _check_overrides(
    headers: Sequence[str], overrides: Mapping[str, str], aliases: Mapping[str, Sequence[str]]
) -> None:
    present = {header_key(h) for h in headers}
    for key, field in overrides.items():
        if key not in present:
            raise MappingError(f"--map names a column the file does not have: {key!r}")
        if field != IGNORE and field not in aliases:
            raise MappingError(f"--map {key}={field}: unknown field (one of {', '.join(aliases)})")


def parse_overrides(pairs: Sequence[str]) -> dict[str, str]:
    """`["E-Mail Privat=email", "Notes=-"]` as a dict; a pair without `=` is an error."""
    result: dict[str, str] = {}
    for pair in pairs:
        column, sep, field = pair.rpartition("=")
        if not sep or not column.strip() or not field.strip():
            raise MappingError(f"--map expects column=field, got {pair!r}")
        result[column.strip()] = field.strip()
    return result
